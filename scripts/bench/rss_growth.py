"""Scenario ``rss``: peak RSS growth while streaming a 1 GiB body, one subprocess per measurement.

The parent starts ``python rss_growth.py --child ...`` once per client and framing, so peaks
never mix. The child imports its client, runs it once on a 1 MiB body (every lazy import and
cache is then in place), resets the kernel's peak-RSS mark (``/proc/self/clear_refs``, value 5;
without it ``ru_maxrss`` is used), notes its RSS, streams the big body with 65536-byte reads
through the same code as scenario ``large``, and prints one JSON line: RSS before, peak, seconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
from pathlib import Path

import large_body
from harness import MB, STALL, Options, ServerProcess, current_rss_kib, print_table, ratio
from loopback_server import WIRE_CHUNK

CHUNK = 65536
#: name -> (function in large_body, modules to import first)
CLIENTS: dict[str, tuple[large_body.Run, tuple[str, ...]]] = {
    "http.client read(n)": (large_body.stdlib, ()),
    "HTTPClient blocking": (large_body.engine(True), ()),
    "HTTPClient poll loop": (large_body.engine(False), ()),
    "urllib3 stream(n)": (large_body.urllib3_stream, ("urllib3",)),
    "httpx iter_bytes(n)": (large_body.httpx_stream, ("httpx",)),
    "aiohttp content.read(n)": (large_body.aiohttp_stream, ("aiohttp",)),
}


def peak_kib() -> int:
    """The peak RSS since the last reset (``VmHWM``), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark; ``False`` where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def child(name: str, port: int, framing: str, size: int) -> None:
    """One measurement; prints a JSON line."""
    run, needs = CLIENTS[name]
    for module in needs:
        __import__(module)
    path = f"/{framing}/"
    run(port, f"{path}{1 << 20}", 1 << 20, CHUNK)  # warm every lazy import and cache
    gc.collect()
    was_reset = reset_peak()
    before = current_rss_kib()
    sample = run(port, f"{path}{size}", size, CHUNK)
    peak = peak_kib()
    print(
        json.dumps(
            {"before": before, "peak": peak, "wall": sample.wall, "reset": was_reset, "size": size}
        )
    )


def measure_one(name: str, port: int, framing: str, size: int) -> dict[str, float] | str:
    """Run one child; its JSON answer, or the reason it failed."""
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            name,
            "--port",
            str(port),
            "--framing",
            framing,
            "--size",
            str(size),
        ],
        capture_output=True,
        text=True,
        timeout=STALL * 20,
        check=False,
    )
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed: {last}"
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def run(options: Options, server: ServerProcess) -> None:
    """Measure every client and framing once, each in its own process; print the table."""
    size = options.rss_mib << 20
    size -= size % WIRE_CHUNK
    print(
        f"\n[rss] peak RSS growth streaming {size >> 20} MiB with {CHUNK}-byte reads, "
        "one subprocess per measurement"
    )
    present = []
    for name, (_, needs) in CLIENTS.items():
        missing = [m for m in needs if not _importable(m)]
        if missing:
            print(f"  {name}: skipped: not installed ({missing[0]})")
        else:
            present.append(name)
    rows: list[list[str]] = []
    resets = True
    for framing in ("cl", "chunked"):
        rows.append([f"{'Content-Length' if framing == 'cl' else 'chunked'}:"])
        base_rate: float | None = None
        for name in present:
            answer = measure_one(name, server.port, framing, size)
            if isinstance(answer, str):
                print(f"  {name} ({framing}): {answer}")
                continue
            resets = resets and bool(answer["reset"])
            growth = (answer["peak"] - answer["before"]) / 1024
            rate = answer["size"] / answer["wall"]
            if name.startswith("http.client"):
                base_rate = rate
            rows.append(
                [
                    f"  {name}",
                    f"{growth:.1f}",
                    f"{answer['before'] / 1024:.1f}",
                    f"{rate / MB:,.0f}",
                    ratio(rate, base_rate),
                ]
            )
    print_table(
        f"Peak RSS growth streaming {size >> 20} MiB (target for HTTPClient: under 50 MiB)",
        ["client", "growth MiB", "RSS before MiB", "MB/s", "x http.client"],
        rows,
    )
    if not resets:
        print("note: /proc/self/clear_refs was not writable; growth is from ru_maxrss")


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", required=True, choices=list(CLIENTS))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--framing", choices=("cl", "chunked"), default="cl")
    parser.add_argument("--size", type=int, default=1 << 30)
    args = parser.parse_args()
    child(args.child, args.port, args.framing, args.size)


if __name__ == "__main__":
    main()
