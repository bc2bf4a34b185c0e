"""Stream a large body from a loopback server through HTTPClient; print MB/s and RSS growth.

The server runs in its own process and sends a Content-Length body (default 1 GiB), or a
chunked one with ``--chunked`` (16 KiB chunks), from one reused block, so it is not the
bottleneck. The client reads with ``read_chunk_size`` 65536 (``--read-size`` to change) in
non-blocking mode (the tutorial loop) and then in blocking mode. Prints, never asserts:
``.venv/bin/python scripts/bench/stream.py [--mib 1024] [--chunked] [--read-size 4096]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import socket
import time

from engine.object_model import Error
from net import HTTPClient

BLOCK = 1 << 20


CHUNK = 16 << 10


def serve(listener: socket.socket, size: int, connections: int, chunked: bool) -> None:
    block = memoryview(bytes(range(256)) * (BLOCK // 256))
    framed = b"".join(
        b"%x\r\n%s\r\n" % (CHUNK, block[i : i + CHUNK]) for i in range(0, BLOCK, CHUNK)
    )
    for _ in range(connections):
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            if chunked:
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(size // BLOCK):
                    conn.sendall(framed)
                conn.sendall(b"0\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                left = size
                while left:
                    sent = conn.send(block[: min(left, BLOCK)])
                    left -= sent
            conn.recv(1)


def current_rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() // 1024


def fetch(port: int, blocking: bool, size: int, read_size: int) -> tuple[float, int]:
    http = HTTPClient()
    http.read_chunk_size = read_size
    http.blocking_mode_enabled = blocking
    assert http.connect_to_host("127.0.0.1", port) == Error.OK
    while http.get_status() == HTTPClient.STATUS_CONNECTING:
        http.poll()
    assert http.request(HTTPClient.METHOD_GET, "/big", []) == Error.OK
    while http.get_status() == HTTPClient.STATUS_REQUESTING:
        http.poll()
    received = 0
    start = time.perf_counter()
    while http.get_status() == HTTPClient.STATUS_BODY:
        chunk = http.read_response_body_chunk()
        received += len(chunk)
    elapsed = time.perf_counter() - start
    assert received == size, (received, size)
    http.close()
    return elapsed, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="body size in MiB (default 1024)")
    parser.add_argument("--chunked", action="store_true", help="send a chunked body")
    parser.add_argument("--read-size", type=int, default=65536, help="read_chunk_size")
    args = parser.parse_args()
    size = args.mib << 20
    listener = socket.create_server(("127.0.0.1", 0))
    server = multiprocessing.Process(
        target=serve, args=(listener, size, 2, args.chunked), daemon=True
    )
    server.start()
    port = listener.getsockname()[1]
    before = current_rss_kib()
    print(f"{'mode':<14} {'MiB':>6} {'seconds':>7} {'MB/s':>8} {'peak RSS growth':>16}")
    for blocking in (False, True):
        elapsed, received = fetch(port, blocking, size, args.read_size)
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        mode = "blocking" if blocking else "non-blocking"
        rate = received / elapsed / 1e6
        growth_mib = growth / 1024
        mib = received >> 20
        print(f"{mode:<14} {mib:>6} {elapsed:>7.2f} {rate:>8.0f} {growth_mib:>11.1f} MiB")
    server.join(10)


if __name__ == "__main__":
    main()
