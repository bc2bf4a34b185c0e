"""Console entry point ``engine-net``: classes, doc, inspect, fetch, demo.

argparse for the arguments, rich (the ``cli`` extra) for the output. Each sub-command lives in
its own module; this one only wires them and turns every failure into one line and an exit
code (no traceback reaches the user). Imports ``engine``, ``net`` and the sibling modules.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence

#: What ``doc`` writes for one class in each format, and the file name ``doc all`` gives it.
DOC_SUFFIXES = {"text": ".txt", "xml": ".xml", "json": ".json"}

#: The exit code for an output that cannot be written (the same as fetch's).
CANT_WRITE = 8


def _seconds(text: str) -> int:
    """``--timeout``: a whole number of seconds, 0 meaning no limit."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds >= 0: {text!r}")
    return value


def _chunk_size(text: str) -> int:
    """``--chunk-size``: a read_chunk_size HTTPClient accepts."""
    from net.http import limits

    try:
        value = int(text)
    except ValueError:
        value = -1
    if not limits.READ_CHUNK_SIZE_MIN <= value <= limits.READ_CHUNK_SIZE_MAX:
        raise argparse.ArgumentTypeError(
            f"not a size from {limits.READ_CHUNK_SIZE_MIN} to {limits.READ_CHUNK_SIZE_MAX}: "
            f"{text!r}"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engine-net", description="A Godot-3-style binding layer and its HTTP/1.1 client."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classes", help="print the registered class tree")
    inspect = sub.add_parser("inspect", help="an editor-style property listing of a class")
    inspect.add_argument("class_name", metavar="CLASS")
    inspect.add_argument(
        "--all", action="store_true", help="also list properties an editor hides (no EDITOR usage)"
    )
    inspect.add_argument(
        "--import",
        dest="modules",
        metavar="MODULE",
        action="append",
        default=[],
        help="import this module first (from the current folder too), so the classes it "
        "registers can be inspected; repeatable",
    )
    demo = sub.add_parser("demo", help="show the library at work against a local server")
    demo.add_argument("--url", help="run the same flow against this server instead")
    demo.add_argument("--large-mib", type=int, default=64, help="size of the large download")
    fetch = sub.add_parser(
        "fetch",
        help="download a URL with HTTPClient",
        epilog="exit codes: 0 done, 2 bad input, 3 cannot resolve, 4 cannot connect, "
        "5 TLS failure, 6 connection failed, 7 timed out, 8 cannot write the output, "
        "22 HTTP status >= 400 with --fail, 128+N stopped by signal N (SIGINT, SIGTERM, SIGHUP)",
    )
    fetch.add_argument("url", metavar="URL")
    fetch.add_argument(
        "-o", "--output", metavar="FILE", help="write the body here (atomically; keeps the mode)"
    )
    fetch.add_argument(
        "-X", "--method", default="GET", help="GET, HEAD, POST, PUT, ... (HEAD prints the head)"
    )
    fetch.add_argument(
        "-H", "--header", action="append", default=[], help='"Name: value"; repeatable'
    )
    fetch.add_argument("-d", "--data", default="", help="the request body")
    fetch.add_argument(
        "-i", "--include", action="store_true", help="write the status line and headers first"
    )
    fetch.add_argument(
        "--fail", action="store_true", help="exit 22 on an HTTP status >= 400, writing nothing"
    )
    fetch.add_argument(
        "--timeout",
        type=_seconds,
        default=30,
        metavar="SECONDS",
        help="give up when nothing arrives for this long (default 30; 0 = never)",
    )
    fetch.add_argument("--insecure", action="store_true", help="TLS without verification")
    fetch.add_argument(
        "--chunk-size", type=_chunk_size, default=65536, metavar="N", help="read_chunk_size"
    )
    fetch.add_argument("--blocking", action="store_true", help="use blocking mode")
    fetch.add_argument(
        "-x",
        "--proxy",
        metavar="URL",
        help="go through this HTTP proxy, [http://][user:password@]host[:port] (port 1080 "
        "unless given; https:// URLs through a CONNECT tunnel); an empty URL goes direct. "
        "Without it, http_proxy, https_proxy, all_proxy and no_proxy are read as curl reads them",
    )
    doc = sub.add_parser("doc", help="the class reference of a class, generated from ClassDB")
    doc.add_argument(
        "class_name",
        metavar="CLASS",
        help="a class name, or 'all': api.json for json, one file per class into the folder "
        "-o names for text and xml",
    )
    doc.add_argument("--format", choices=tuple(DOC_SUFFIXES), default="text")
    doc.add_argument(
        "-o", "--output", metavar="PATH", help="write here instead of stdout (a folder for 'all')"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import rich  # noqa: F401  (the cli extra)

        import net  # noqa: F401  (registers the network classes)
        from engine_net import demo, fetch, inspector
    except ImportError:
        print("engine-net needs the 'cli' extra: pip install 'engine-net[cli]'", file=sys.stderr)
        return 2
    try:
        if args.command == "classes":
            inspector.wide_console().print(inspector.class_tree())
        elif args.command == "inspect":
            return _inspect(args.class_name, args.modules, args.all)
        elif args.command == "demo":
            return demo.run(args.url, args.large_mib)
        elif args.command == "doc":
            return _doc(args.class_name, args.format, args.output)
        elif args.command == "fetch":
            request = fetch.Request(
                args.url, args.method, args.header, args.data, args.insecure,
                args.chunk_size, args.blocking, args.timeout, args.fail, args.include,
                args.proxy,
            )  # fmt: skip
            return fetch.run(request, args.output)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"engine-net {args.command}: interrupted (SIGINT)", file=sys.stderr)
        return 130
    except Exception as exc:  # the last resort: still one line, never a traceback
        print(
            f"engine-net {args.command}: internal error, please report it: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    return 0


def _unknown_class(command: str, name: str) -> int:
    """One line for a class name ClassDB does not know, with the close matches it does."""
    from engine.object_model import ClassDB

    known = {str(n).lower(): str(n) for n in ClassDB.get_class_list()}
    close = [known[n] for n in difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    print(f"engine-net {command}: no class named {name!r}{hint}", file=sys.stderr)
    return 2


def _inspect(class_name: str, modules: list[str], show_all: bool) -> int:
    from engine.object_model import ClassDB
    from engine_net import inspector

    if modules and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would: the user's modules are here
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # the user's module may fail in any way: one line
            print(
                f"engine-net inspect: cannot import {module!r}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            return 2
    if not ClassDB.class_exists(class_name):
        return _unknown_class("inspect", class_name)
    inspector.wide_console().print(inspector.inspector(class_name, editor_only=not show_all))
    return 0


def _doc(class_name: str, form: str, output: str | None) -> int:
    from engine import doc
    from engine.object_model import ClassDB

    writer = {"text": doc.class_page, "xml": doc.class_xml, "json": doc.class_json}[form]
    if class_name == "all" and form == "json":
        files = {output: doc.api_json()}
    elif class_name == "all":
        if output is None:
            print(f"engine-net doc: 'all' as {form} needs -o FOLDER", file=sys.stderr)
            return 2
        try:
            os.makedirs(output, exist_ok=True)
        except OSError as exc:
            print(f"engine-net doc: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return CANT_WRITE
        files = {
            os.path.join(output, f"{name}{DOC_SUFFIXES[form]}"): writer(name)
            for name in ClassDB.get_class_list()
        }
    elif not ClassDB.class_exists(class_name):
        return _unknown_class("doc", class_name)
    else:
        files = {output: writer(class_name)}
    for path, text in files.items():
        if path is None:
            sys.stdout.write(text)
            continue
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            print(f"engine-net doc: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return CANT_WRITE
    return 0


if __name__ == "__main__":
    sys.exit(main())
