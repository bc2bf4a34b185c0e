"""The demo's many-connections part: 100 HTTPClients fetching from one loop over a PollGroup.

Opens the connections together, has each fetch the same small page several times, serving
whichever clients ``net.PollGroup.wait`` returns, and prints the rate. Imports ``net``, rich.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from rich.console import Console

from net import HTTPClient, PollGroup

Status = HTTPClient.Status
GET = int(HTTPClient.METHOD_GET)  # a plain int: the binding's fastest path
CONNECTIONS = 100
PER_CONNECTION = 10
#: Seconds the whole part may take before it gives up (a demo must not hang).
DEADLINE = 60.0


@dataclass
class Outcome:
    """What the part did: responses with their body bytes, failures, wall seconds."""

    responses: int = 0
    received: int = 0
    failed: int = 0
    seconds: float = 0.0


def fetch_many(
    base: str, path: str = "/", connections: int = CONNECTIONS, per: int = PER_CONNECTION
) -> Outcome:
    """``connections`` clients each fetch ``path`` ``per`` times, all from one loop."""
    parts = urlsplit(base)
    host, port = parts.hostname or "", parts.port or -1
    outcome = Outcome()
    left: dict[int, int] = {}
    clients = [HTTPClient() for _ in range(connections)]
    started = time.monotonic()
    with PollGroup[HTTPClient]() as group:
        for http in clients:
            http.connect_to_host(host, port)
            left[id(http)] = per
            group.add(http, idle_timeout=10)
        while len(group) and time.monotonic() - started < DEADLINE:
            for http in group.wait(1.0):
                if http.get_status() != Status.STATUS_BODY:
                    http.poll()
                while http.get_status() == Status.STATUS_BODY:
                    chunk = http.read_response_body_chunk()
                    if not chunk:
                        break
                    outcome.received += len(chunk)
                status = http.get_status()
                if status == Status.STATUS_CONNECTED:
                    if http.has_response():
                        outcome.responses += 1
                        left[id(http)] -= 1
                    if left[id(http)]:
                        http.request(GET, path, [])
                    else:
                        group.remove(http)
                elif status not in (
                    Status.STATUS_RESOLVING,
                    Status.STATUS_CONNECTING,
                    Status.STATUS_REQUESTING,
                    Status.STATUS_BODY,
                ):
                    outcome.failed += 1
                    group.remove(http)
        outcome.failed += len(group)  # still going at the deadline
    outcome.seconds = time.monotonic() - started
    for http in clients:
        http.close()
    return outcome


def run(console: Console, base: str) -> None:
    """Fetch from 100 connections in one loop and print the rate."""
    outcome = fetch_many(base)
    rate = outcome.responses / outcome.seconds if outcome.seconds else 0.0
    console.print(
        f"{CONNECTIONS} connections x {PER_CONNECTION} GETs in one loop (net.PollGroup): "
        f"{outcome.responses} responses, {outcome.received:,} body bytes in "
        f"{outcome.seconds:.2f} s: {rate:,.0f} requests/s"
        + (f", [red]{outcome.failed} clients failed[/]" if outcome.failed else "")
    )
    console.print(
        "[dim]The demo's server runs in this process, on threads, and sets that pace; "
        "`scripts/bench/run --only concurrent` measures the clients against a server of "
        "their own.[/]"
    )
