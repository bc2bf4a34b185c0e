"""The demo's many-connections part against the demo's own server."""

from __future__ import annotations

import io

from rich.console import Console

from engine_net import demo_many, demo_server


def test_every_client_fetches_every_page_from_one_loop() -> None:
    with demo_server.serve(1 << 10) as base:
        outcome = demo_many.fetch_many(base, "/", connections=30, per=3)
    assert (outcome.responses, outcome.failed) == (90, 0)
    assert outcome.received == 90 * len(demo_server.PAGE)


def test_the_part_prints_the_rate() -> None:
    out = io.StringIO()
    with demo_server.serve(1 << 10) as base:
        demo_many.run(Console(file=out, width=200), base)
    text = out.getvalue()
    assert "100 connections x 10 GETs in one loop (net.PollGroup): 1000 responses" in text
    assert "requests/s" in text
    assert "sets that pace" in text  # the rate is the in-process server's, and it says so
    assert "failed" not in text
