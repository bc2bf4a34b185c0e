"""``engine-net demo``: the library at work, on this machine alone (or against ``--url``).

Starts the embedded server (``demo_server``), walks the engine tutorial's flow with HTTPClient
(printing each status as it polls, the headers as a dictionary, the body), reuses the
connection for a JSON and a chunked route, fetches from 100 connections in one loop
(``demo_many``), downloads the large route with a progress bar and its rate, then does the same
as an engine script would with an HTTPRequest node in a SceneTree (a redirect to a gzip route,
a download to a file), and ends with the inspector listing of HTTPClient. Imports ``engine``,
``net``, rich.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from engine.object_model import ClassDB, Error
from engine.scene import Node, SceneTree
from engine_net import demo_many, demo_server, fetch
from engine_net.inspector import class_summary, class_tree, inspector, wide_console
from net import HTTPClient, HTTPRequest

Status = HTTPClient.Status


def _status(http: HTTPClient) -> str:
    return Status(http.get_status()).name


def _poll_while(console: Console, http: HTTPClient, *waiting: int) -> None:
    """Poll as a game loop would, printing every status the client passes through."""
    seen = _status(http)
    deadline = time.monotonic() + fetch.DEFAULT_TIMEOUT
    while http.get_status() in waiting and time.monotonic() < deadline:
        http.poll()
        if _status(http) != seen:
            seen = _status(http)
            console.print(f"    poll() -> status {seen}")
        time.sleep(0.001)


def _get(console: Console, http: HTTPClient, target: str) -> bytes:
    console.print(f"[bold]request(METHOD_GET, {target!r})[/] -> ", end="")
    console.print(Error(http.request(HTTPClient.Method.METHOD_GET, target, [])).name)
    _poll_while(console, http, Status.STATUS_REQUESTING)
    if not http.has_response():
        console.print(f"    no response: {_status(http)}")
        return b""
    console.print(
        f"    response {http.get_response_code()}, chunked={http.is_response_chunked()}, "
        f"length={http.get_response_body_length()}"
    )
    console.print("    headers:", http.get_response_headers_as_dictionary())
    body = bytearray()
    while http.get_status() == Status.STATUS_BODY:
        http.poll()
        chunk = http.read_response_body_chunk()
        body += chunk
        if not chunk:
            time.sleep(0.001)
    console.print(f"    body: {len(body)} bytes, then status {_status(http)}")
    return bytes(body)


def tutorial(console: Console, url: str, own_server: bool) -> None:
    parts = urlsplit(url)
    host, port, tls = parts.hostname or "", parts.port or -1, parts.scheme == "https"
    http = HTTPClient()
    http.read_chunk_size = 65536
    console.print(f"[bold]connect_to_host({host!r}, {port}, {tls})[/] -> ", end="")
    console.print(Error(http.connect_to_host(host, port, tls)).name)
    _poll_while(console, http, Status.STATUS_RESOLVING, Status.STATUS_CONNECTING)
    if http.get_status() != Status.STATUS_CONNECTED:
        console.print(f"[red]could not connect: {_status(http)}[/]")
        return
    page = _get(console, http, parts.path or "/")
    console.print("    " + page[:200].decode("utf-8", "replace").strip())
    if own_server:
        status = json.loads(_get(console, http, "/api/status"))
        console.print("    JSON:", status)
        chunked = _get(console, http, "/chunked")
        console.print("    " + chunked.decode().replace("\n", " | "))
    http.close()


def run(url: str | None = None, large_mib: int = 64) -> int:
    console = wide_console()
    console.rule("engine-net: ClassDB")
    console.print(class_tree())
    console.print(class_summary())
    server = demo_server.serve(large_mib << 20) if url is None else nullcontext(url)
    with server as base:
        console.rule(f"The engine tutorial's poll loop against {base}")
        tutorial(console, base if url else base + "/", own_server=url is None)
        if url is None:  # many connections at once: only against the demo's own server
            console.rule(f"{demo_many.CONNECTIONS} connections from one loop")
            demo_many.run(console, base)
        large = base + "/large" if url is None else base
        console.rule(f"Download {large}")
        try:
            result = fetch.download(fetch.Request(large), _Discard(), console, "download")
        except fetch.FetchError as failure:
            console.print(f"[red]{failure}[/]")
            return int(failure.code)
        rate = result.received / result.seconds / 1e6 if result.seconds else 0.0
        console.print(
            f"{result.received / (1 << 20):.1f} MiB in {result.seconds:.2f} s: {rate:.0f} MB/s "
            f"(read_chunk_size 65536, response {result.code})"
        )
        if url is None:
            console.rule("HTTPRequest in a SceneTree, as an engine script uses it")
            scene_part(console, base)
    console.rule("The inspector's view of HTTPClient")
    console.print(inspector("HTTPClient"))
    return 0


class _Discard:
    """A sink that counts nothing and keeps nothing (the demo only measures the rate)."""

    def write(self, data: bytes) -> int:
        return len(data)


class DemoScene(Node):
    """What an engine script would be: a node that owns an HTTPRequest child and reacts to its
    ``request_completed`` signal (``_on_request_completed`` is bound so the signal can call it).
    """

    def __init__(self) -> None:
        super().__init__()
        self.console: Console | None = None
        self.results: list[tuple[int, int, list[str], bytes]] = []
        self.http_request = HTTPRequest()

    def _ready(self) -> None:
        self.add_child(self.http_request)
        self.http_request.connect("request_completed", self, "_on_request_completed")

    def _on_request_completed(
        self, result: int, response_code: int, headers: list[str], body: bytes
    ) -> None:
        self.results.append((result, response_code, headers, body))

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(
            cls, "_on_request_completed", args=("result", "response_code", "headers", "body")
        )


def _await(tree: SceneTree, scene: DemoScene) -> tuple[int, int, list[str], bytes]:
    tree.run(until=lambda: bool(scene.results), timeout=fetch.DEFAULT_TIMEOUT, fps=240)
    return scene.results.pop()


def scene_part(console: Console, base: str) -> None:
    """A tree, a node, a redirect to a gzip response, then a download to a file with its rate."""
    if not ClassDB.class_exists("DemoScene"):  # registered only when the demo runs, so the
        ClassDB.register_class(DemoScene)  # command line's class reference never lists it
    tree = SceneTree()
    tree.init()
    scene = DemoScene()
    tree.root.add_child(scene)
    req = scene.http_request
    console.print(f"[bold]request({base + '/redirect'!r})[/] -> ", end="")
    console.print(Error(req.request(base + "/redirect")).name)
    result, code, headers, body = _await(tree, scene)
    encoding = _field(headers, "Content-Encoding")
    console.print(
        f"    request_completed: {HTTPRequest.Result(result).name}, {code}, "
        f"Content-Encoding {encoding}, {req.get_downloaded_bytes()} bytes on the wire, "
        f"{len(body)} decoded"
    )
    summary = {k: str(v)[:24] for k, v in json.loads(body).items()}
    console.print(f"    JSON: {summary}")
    with tempfile.TemporaryDirectory(prefix="engine-net-demo-") as folder:
        target = os.path.join(folder, "large.bin")
        req.download_file = target
        started = time.perf_counter()
        console.print(f"[bold]download_file = {target!r}; request(/large)[/] -> ", end="")
        console.print(Error(req.request(base + "/large")).name)
        result, code, _, _ = _await(tree, scene)
        seconds = time.perf_counter() - started
        size = os.path.getsize(target) if os.path.exists(target) else 0
        rate = size / seconds / 1e6 if seconds else 0.0
        console.print(
            f"    request_completed: {HTTPRequest.Result(result).name}, {code}; "
            f"{size / (1 << 20):.1f} MiB written in {seconds:.2f} s: {rate:.0f} MB/s "
            f"over {tree.get_frame()} frames"
        )
    tree.finish()
    tree.free()


def _field(headers: list[str], name: str) -> Any:
    for line in headers:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
