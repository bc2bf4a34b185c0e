"""Console entry point ``engine-net``.

Sub-commands: ``classes`` (the registered class tree) and ``demo`` (classes, inspector
listings and HTTPClient against a local server). ``doc``, ``inspect`` and ``fetch`` arrive
with later work. Output goes through rich, from the ``cli`` extra. Imports ``engine`` and
``net``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="engine-net", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classes", help="print the registered class tree")
    sub.add_parser("demo", help="show what the library does, on this machine alone")
    for later in ("doc", "inspect", "fetch"):
        sub.add_parser(later, help="not built yet")
    args = parser.parse_args(argv)
    try:
        from rich.console import Console

        from engine import demo
    except ImportError:
        print("engine-net needs the 'cli' extra: pip install 'engine-net[cli]'", file=sys.stderr)
        return 2
    try:
        if args.command == "classes":
            Console().print(demo.class_tree())
        elif args.command == "demo":
            demo.run()
        else:
            print(f"engine-net {args.command}: not built yet", file=sys.stderr)
            return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
