"""The demo behind ``./scripts/demo``: what the library is, shown on this machine alone.

It prints the class tree and an editor-style inspector listing built from ClassDB, then starts
a small HTTP server on 127.0.0.1 and talks to it with ``HTTPClient`` the way a game loop would
(connect, poll, request, poll, read chunks), twice over one kept-alive connection. Imports
``engine.object_model``, ``net`` and rich (the ``cli`` extra).
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from engine.object_model import ClassDB, Error, PropertyHint, PropertyUsage
from engine.object_model.variant import type_name
from net import HTTPClient

Status = HTTPClient.Status
PAGE = b"<h1>Hello from engine-net</h1>\n" * 64


def class_tree(root: str = "Object") -> Tree:
    """The registered classes as a tree, children sorted by name."""
    tree = Tree(f"[bold]{root}[/]")

    def grow(node: Tree, name: str) -> None:
        for child in ClassDB.get_class_list():
            if ClassDB.get_parent_class(child) == name:
                grow(node.add(child), child)

    grow(tree, root)
    return tree


def _type_text(prop: dict[str, Any]) -> str:
    if prop["class_name"]:
        return str(prop["class_name"])
    return type_name(prop["type"])


def inspector(class_name: str) -> Table:
    """An inspector listing: each class of the chain, base first, with its own properties."""
    table = Table(title=f"Inspector: {class_name}", title_justify="left", expand=False)
    for column in ("property", "type", "hint", "default", "setter", "getter"):
        table.add_column(column, no_wrap=True)
    chain = [class_name]
    while parent := ClassDB.get_parent_class(chain[-1]):
        chain.append(parent)
    for name in reversed(chain):
        props = ClassDB.class_get_property_list(name, no_inheritance=True)
        table.add_row(f"[bold cyan]{name}[/]", end_section=not props)
        for prop in props:
            if prop["usage"] & PropertyUsage.GROUP:
                table.add_row(f"[italic]{prop['name']}[/]")
                continue
            hint = PropertyHint(prop["hint"])
            hint_text = "" if hint == PropertyHint.NONE else f"{hint.name} {prop['hint_string']}"
            default = ClassDB.class_get_property_default_value(class_name, prop["name"])
            accessors = (
                f"{ClassDB.class_get_property_setter(name, prop['name'])} / "
                f"{ClassDB.class_get_property_getter(name, prop['name'])}"
            )
            table.add_row(
                f"  {prop['name']}", _type_text(prop), hint_text, repr(default), accessors
            )
    return table


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def local_server() -> Iterator[int]:
    """An HTTP/1.1 server on 127.0.0.1 for the duration of the block; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _poll_while(http: HTTPClient, *statuses: int) -> None:
    deadline = time.monotonic() + 10
    while http.get_status() in statuses and time.monotonic() < deadline:
        http.poll()
        time.sleep(0.001)


def fetch_twice(console: Console, port: int) -> None:
    """The engine tutorial's loop, two requests over one connection."""
    http = HTTPClient()
    http.read_chunk_size = 65536
    result = http.connect_to_host("localhost", port)
    console.print(f"connect_to_host('localhost', {port}) -> {result.name}")
    _poll_while(http, Status.STATUS_RESOLVING, Status.STATUS_CONNECTING)
    console.print(f"status after polling: {Status(http.get_status()).name}")
    for path in ("/index.html", "/again.html"):
        err = http.request(HTTPClient.Method.METHOD_GET, path, ["Accept: text/html"])
        _poll_while(http, Status.STATUS_REQUESTING)
        body = bytearray()
        while http.get_status() == Status.STATUS_BODY:
            http.poll()
            chunk = http.read_response_body_chunk()
            body += chunk
            if not chunk:
                time.sleep(0.001)
        headers = http.get_response_headers_as_dictionary()
        console.print(
            f"GET {path}: request -> {Error(err).name}, code {http.get_response_code()}, "
            f"{len(body)} bytes of {headers.get('Content-Type')}, "
            f"then {Status(http.get_status()).name}"
        )
    http.close()


def run(console: Console | None = None) -> None:
    console = console or Console()
    console.rule("engine-net: classes registered in ClassDB")
    console.print(class_tree())
    console.rule("The inspector's view of each class")
    for name in ClassDB.get_class_list():
        console.print(inspector(name))
    console.rule("HTTPClient against a local server")
    with local_server() as port:
        fetch_twice(console, port)
