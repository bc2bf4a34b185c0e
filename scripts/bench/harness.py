"""Shared machinery of the benchmark: the server process, peers, repeated measurement, tables.

A scenario module builds a list of :class:`Peer` (a name, the modules it needs and a function
that does one timed run and returns a :class:`Sample`); :func:`measure` runs them round-robin
``repeats`` times, so drift on a shared machine hits every peer alike, and keeps the samples;
the scenario then prints medians with :func:`print_table`.
"""

from __future__ import annotations

import gc
import importlib
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
#: Seconds any single wait of a benchmark client may last before the run is declared stuck.
STALL = 15.0
MB = 1e6


@dataclass
class Options:
    """Sizes and counts of one run (``--quick`` shrinks them)."""

    quick: bool
    repeats: int
    small_requests: int
    large_mib: int
    connections: int
    per_connection: int
    many_connections: int
    many_per_connection: int
    idle_clients: int
    rss_mib: int
    binding_number: int


@dataclass
class Sample:
    """One timed run: wall and process CPU seconds for ``units`` requests or bytes."""

    wall: float
    cpu: float
    units: float
    server_busy: float = 0.0  # the server's CPU seconds over the run's wall seconds

    @property
    def rate(self) -> float:
        """Units per wall second."""
        return self.units / self.wall

    @property
    def per_cpu(self) -> float:
        """Units per client CPU second."""
        return self.units / max(self.cpu, 1e-9)


@dataclass
class Peer:
    """A client under test: ``run`` does one timed run; ``needs`` are modules to import first."""

    name: str
    run: Callable[[], Sample]
    needs: tuple[str, ...] = ()
    samples: list[Sample] = field(default_factory=list)

    def median(self, key: Callable[[Sample], float]) -> float:
        """The median of ``key`` over this peer's samples."""
        return statistics.median(key(s) for s in self.samples)


class Stuck(RuntimeError):
    """A benchmark client waited longer than :data:`STALL` for progress."""


class Timer:
    """Wall and CPU clocks read together: ``with Timer() as t: ...`` then ``t.sample(units)``."""

    def __enter__(self) -> Timer:
        gc.collect()
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0

    def sample(self, units: float) -> Sample:
        """The measured run as a :class:`Sample` of ``units``."""
        return Sample(self.wall, self.cpu, units)


class ServerProcess:
    """The loopback server in its own Python process; it stops when its stdin closes."""

    def __init__(self, lifetime: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "loopback_server.py"), "--lifetime", str(lifetime)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(STALL):
                self.stop()
                raise Stuck("the loopback server did not announce its port")
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the loopback server said {line!r}")
        self.port = int(line.split()[1])

    def cpu(self) -> float:
        """The server's process CPU seconds so far (asked over a fresh connection)."""
        with socket.create_connection((HOST, self.port), timeout=STALL) as sock:
            sock.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.split(b"\r\n\r\n", 1)[1]:
                piece = sock.recv(4096)
                if not piece:
                    break
                reply += piece
        return float(reply.split(b"\r\n\r\n", 1)[1].split()[0])

    def stop(self) -> None:
        """Close its stdin (it exits by itself) and reap it; terminate it only if it lingers."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def available(peer: Peer) -> bool:
    """Import what ``peer`` needs; print a skip line and return ``False`` when it is missing."""
    for module in peer.needs:
        try:
            importlib.import_module(module)
        except ImportError:
            print(f"  {peer.name}: skipped: not installed ({module})")
            return False
    return True


def measure(peers: Sequence[Peer], repeats: int, server: ServerProcess | None) -> list[Peer]:
    """Run every available peer ``repeats`` times, round-robin; return those with samples.

    A peer that raises is reported in one line and dropped; the others go on.
    """
    active = [peer for peer in peers if available(peer)]
    for _ in range(repeats):
        for peer in list(active):
            try:
                before = server.cpu() if server else 0.0
                start = time.perf_counter()
                sample = peer.run()
                wall = time.perf_counter() - start
                if server:
                    sample.server_busy = (server.cpu() - before) / wall
            except Exception as failure:  # a peer's failure must not end the run
                print(f"  {peer.name}: failed: {type(failure).__name__}: {failure}")
                active.remove(peer)
                continue
            peer.samples.append(sample)
    return [peer for peer in active if peer.samples]


def ratio(value: float, base: float | None) -> str:
    """``value / base`` as ``1.23x``, or ``-`` without a base."""
    return f"{value / base:.2f}x" if base else "-"


def throughput_cells(peer: Peer, base: Peer | None) -> list[str]:
    """A large-body row's figures: MB/s and MB per CPU-second, each with its ratio to
    ``base`` (the run's reference peer, if it ran)."""
    rate = peer.median(lambda s: s.rate)
    per_cpu = peer.median(lambda s: s.per_cpu)
    base_rate = base.median(lambda s: s.rate) if base else None
    base_cpu = base.median(lambda s: s.per_cpu) if base else None
    return [
        f"{rate / MB:,.0f}",
        ratio(rate, base_rate),
        f"{per_cpu / MB:,.0f}",
        ratio(per_cpu, base_cpu),
    ]


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` under ``headers``: first column left-aligned, the others right-aligned."""
    widths = [
        max(len(str(cells[i])) for cells in (headers, *rows) if i < len(cells))
        for i in range(len(headers))
    ]
    print(f"\n== {title}")
    line = "  ".join(
        (h.ljust(w) if i == 0 else h.rjust(w))
        for i, (h, w) in enumerate(zip(headers, widths, strict=False))
    )
    print(line)
    print("-" * len(line))
    for cells in rows:
        if len(cells) == 1:  # a section label
            print(cells[0])
            continue
        print(
            "  ".join(
                (c.ljust(w) if i == 0 else c.rjust(w))
                for i, (c, w) in enumerate(zip(cells, widths, strict=False))
            )
        )


def wait_readable(selector: selectors.BaseSelector) -> None:
    """Block until a registered file is readable; raise :class:`Stuck` after :data:`STALL`."""
    if not selector.select(STALL):
        raise Stuck(f"no progress for {STALL:.0f} s")


def connected_socket(port: int) -> socket.socket:
    """A blocking TCP socket to the server with TCP_NODELAY and the stall timeout."""
    sock = socket.create_connection((HOST, port), timeout=STALL)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def current_rss_kib() -> int:
    """This process's resident set size now, in KiB (Linux ``/proc``)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024
