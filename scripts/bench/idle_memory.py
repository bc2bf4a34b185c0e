"""Scenario ``idle``: the memory an idle, connected HTTPClient costs, over 10,000 of them.

Each measurement runs in a fresh interpreter (``python idle_memory.py PORT COUNT``) so that
nothing else the benchmark allocated counts: it imports ``net``, connects and warms one client,
reads its resident set size, then connects ``COUNT`` clients to the loopback server (through
one ``net.PollGroup``, in waves the listen backlog takes) and reads it again. The figure is the
growth divided by ``COUNT``: the Python objects, the socket objects and the allocator's slack,
not the kernel's socket buffers. One file descriptor per client: ``ulimit -n`` must allow it.
"""

from __future__ import annotations

import gc
import resource
import subprocess
import sys

from harness import HERE, Options, ServerProcess, current_rss_kib, print_table

#: The issue's goal, KiB per idle connected client.
GOAL_KIB = 20


def measure_here(port: int, count: int) -> float:
    """KiB of resident memory per idle connected client, measured in this process."""
    import engine_client

    warm = engine_client.connect_many(port, 1)
    engine_client.get_polling(warm[0], engine_client.reader_selector(warm[0]), "/small")
    gc.collect()
    before = current_rss_kib()
    clients = engine_client.connect_many(port, count)
    gc.collect()
    grown = current_rss_kib() - before
    for http in clients:
        http.close()
    return grown / count


def run(options: Options, server: ServerProcess) -> None:
    """Measure in a subprocess and print the table."""
    count = options.idle_clients
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(
        f"\n[idle] memory per idle connected HTTPClient, {count:,} clients (RLIMIT_NOFILE {soft})"
    )
    if soft < count + 100:
        print(f"  skipped: raise the open-file limit first (ulimit -n {count + 100})")
        return
    done = subprocess.run(
        [sys.executable, str(HERE / "idle_memory.py"), str(server.port), str(count)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        print(f"  failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    per = float(done.stdout.split()[-1])
    print_table(
        f"Memory per idle connected client ({count:,} clients, RSS growth / clients)",
        ["client", "KiB each", "goal"],
        [["HTTPClient (connected, idle)", f"{per:.1f}", f"< {GOAL_KIB}"]],
    )


if __name__ == "__main__":
    print(f"{measure_here(int(sys.argv[1]), int(sys.argv[2])):.2f}")
