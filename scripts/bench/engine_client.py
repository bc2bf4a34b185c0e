"""HTTPClient driven the ways the benchmark measures it: blocking, and the non-blocking poll loop.

The non-blocking loop never spins: when a ``poll`` or a read makes no progress it waits on the
client's socket (``http.get_connection().fileno()``) with ``selectors``, the Python-level helper
the issue allows outside the engine API. :class:`ClientSet` serves many clients in one thread
through ``net.PollGroup``. Every wait is bounded by :data:`harness.STALL`.
"""

from __future__ import annotations

import selectors
from collections.abc import Callable

from harness import HOST, STALL, Stuck, wait_readable

from engine.object_model import Error
from net import HTTPClient, PollGroup

GET = HTTPClient.METHOD_GET
CONNECTING = int(HTTPClient.STATUS_CONNECTING)
CONNECTED = int(HTTPClient.STATUS_CONNECTED)
REQUESTING = int(HTTPClient.STATUS_REQUESTING)
BODY = int(HTTPClient.STATUS_BODY)
# A module constant, as in the client: on CPython 3.11 reading an Enum member through its class
# costs about 70 ns (EnumType.__getattr__), which a per-request loop should not pay.
OK = Error.OK


def connect(port: int, blocking: bool, chunk: int = 65536) -> HTTPClient:
    """A client connected to the loopback server (connecting always moves through ``poll``)."""
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    http.read_chunk_size = chunk
    if http.connect_to_host(HOST, port) != Error.OK:
        raise RuntimeError("connect_to_host refused the loopback address")
    connection = http.get_connection()
    assert connection is not None
    with selectors.DefaultSelector() as selector:
        selector.register(connection.fileno(), selectors.EVENT_WRITE)
        while http.get_status() == CONNECTING:
            http.poll()
            if http.get_status() == CONNECTING and not selector.select(STALL):
                raise Stuck("connect did not finish")
    if http.get_status() != CONNECTED:
        raise RuntimeError(f"connect ended in status {http.get_status()}")
    return http


def reader_selector(http: HTTPClient) -> selectors.BaseSelector:
    """A selector watching ``http``'s socket for reading."""
    connection = http.get_connection()
    assert connection is not None
    selector = selectors.DefaultSelector()
    selector.register(connection.fileno(), selectors.EVENT_READ)
    return selector


def get_blocking(http: HTTPClient, path: str, sink: Callable[[bytes], object] = len) -> int:
    """One GET in blocking mode: ``request`` writes it, one ``poll`` brings the head, full reads."""
    if http.request(GET, path, []) != OK:
        raise RuntimeError(f"request failed in status {http.get_status()}")
    http.poll()
    received = 0
    while http.get_status() == BODY:
        chunk = http.read_response_body_chunk()
        received += len(chunk)
        sink(chunk)
    if http.get_status() != CONNECTED:
        raise RuntimeError(f"exchange ended in status {http.get_status()}")
    return received


def get_tutorial(http: HTTPClient, path: str, sink: Callable[[bytes], object] = len) -> int:
    """One GET the engine tutorial's way, in blocking mode: ``poll`` while requesting, then
    ``poll`` and read on every iteration of the body loop (the loop users copy)."""
    if http.request(GET, path, []) != OK:
        raise RuntimeError(f"request failed in status {http.get_status()}")
    while http.get_status() == REQUESTING:
        http.poll()
    received = 0
    while http.get_status() == BODY:
        http.poll()
        chunk = http.read_response_body_chunk()
        received += len(chunk)
        sink(chunk)
    if http.get_status() != CONNECTED:
        raise RuntimeError(f"exchange ended in status {http.get_status()}")
    return received


def get_polling(
    http: HTTPClient,
    selector: selectors.BaseSelector,
    path: str,
    sink: Callable[[bytes], object] = len,
) -> int:
    """One GET in non-blocking mode: poll until the head, then read, waiting on the socket."""
    if http.request(GET, path, []) != OK:
        raise RuntimeError(f"request failed in status {http.get_status()}")
    while True:
        http.poll()
        if http.get_status() != REQUESTING:
            break
        wait_readable(selector)
    received = 0
    while http.get_status() == BODY:
        chunk = http.read_response_body_chunk()
        if chunk:
            received += len(chunk)
            sink(chunk)
        elif http.get_status() == BODY:
            wait_readable(selector)
    if http.get_status() != CONNECTED:
        raise RuntimeError(f"exchange ended in status {http.get_status()}")
    return received


class ClientSet:
    """Many non-blocking clients, each doing ``per_client`` GETs of ``path``, served from one
    loop over a :class:`net.PollGroup` (which watches their sockets)."""

    def __init__(self, clients: list[HTTPClient]) -> None:
        self.clients = clients
        self.group = PollGroup()
        for http in clients:
            self.group.add(http)

    def run(self, path: str, per_client: int) -> tuple[int, int]:
        """Issue the requests, serve the members the group returns until all are done;
        (requests, bytes)."""
        left = {id(http): per_client - 1 for http in self.clients}
        done = received = 0
        total = per_client * len(self.clients)
        for http in self.clients:
            self._send(http, path)
        wait = self.group.wait
        while done < total:
            ready = wait(STALL)
            if not ready:
                raise Stuck(f"{total - done} requests outstanding for {STALL:.0f} s")
            for http in ready:
                status = http.get_status()
                if status == REQUESTING:
                    http.poll()
                    status = http.get_status()
                while status == BODY:
                    chunk = http.read_response_body_chunk()
                    status = http.get_status()
                    if not chunk:
                        break
                    received += len(chunk)
                if status == CONNECTED:
                    done += 1
                    if left[id(http)]:
                        left[id(http)] -= 1
                        self._send(http, path)
                elif status not in (REQUESTING, BODY):
                    raise RuntimeError(f"a client ended in status {status}")
        return done, received

    @staticmethod
    def _send(http: HTTPClient, path: str) -> None:
        if http.request(GET, path, []) != OK:
            raise RuntimeError(f"request failed in status {http.get_status()}")

    def close(self) -> None:
        """Close the group and every client."""
        self.group.close()
        for http in self.clients:
            http.close()


#: Connects started together by :func:`connect_many`: under the server's listen backlog (1024).
CONNECT_WAVE = 500


def connect_many(port: int, count: int) -> list[HTTPClient]:
    """``count`` non-blocking clients connected to the loopback server, the connects driven
    together through one :class:`net.PollGroup`, in waves the server's backlog takes."""
    clients: list[HTTPClient] = []
    with PollGroup() as group:
        while len(clients) < count:
            wave = min(CONNECT_WAVE, count - len(clients))
            for _ in range(wave):
                http = HTTPClient()
                if http.connect_to_host(HOST, port) != OK:
                    raise RuntimeError("connect_to_host refused the loopback address")
                clients.append(http)
                group.add(http)
            while len(group):
                ready = group.wait(STALL)
                if not ready:
                    raise Stuck(f"{len(group)} connects did not finish")
                for http in ready:
                    assert isinstance(http, HTTPClient)
                    http.poll()
                    status = http.get_status()
                    if status == CONNECTED:
                        group.remove(http)
                    elif status != CONNECTING:
                        raise RuntimeError(f"connect ended in status {status}")
    return clients
