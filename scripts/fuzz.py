#!/usr/bin/env python3
"""Fuzz the HTTP/1.1 response reader (robustness.md §7.4).

Feeds `net.http.ResponseReader` random bytes and mutated replies from the adversarial corpus
(tests/net/robustness/corpus.py): bytes inserted, deleted or replaced from CR, LF, NUL, SP, HTAB,
":", ";", "0", "f", "+", "-", DEL, 0x80, 0xFF; truncations; duplicated and swapped lines; random
runs. Each input is cut at random points (or fed one byte at a time), read with a random method,
read size and mode, then closed (cleanly or not). It is a crash when:

- anything but the core's ProtocolError escapes;
- the reader waits for input after EOF, or takes more calls than the input can justify (a hang,
  by step budget), or one input runs longer than a wall-clock guard;
- a read returns more than it was asked for, or more bytes than the input holds;
- the outcome differs from the whole input fed at once (split invariance, robustness.md §1.7).

Each crashing input is saved to --out as <sha1>.bin with a <sha1>.json describing the run.

    .venv/bin/python scripts/fuzz.py --iterations 1000000 --seed 1 --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "net" / "robustness")]

from net.http import ProtocolError, ResponseReader  # noqa: E402

SPECIAL = [b"\r", b"\n", b"\x00", b" ", b"\t", b":", b";", b"0", b"f", b"+", b"-", b"\x7f"]
SPECIAL += [b"\x80", b"\xff", b"\r\n", b"\r\n\r\n", b"HTTP/1.1 ", b"chunked", b"Content-Length: "]
ALPHABET = [*SPECIAL, b"a", b"1", b"HTTP/1.1 200 OK"]
METHODS = ["GET"] * 8 + ["HEAD", "CONNECT"]
WALL_CLOCK_GUARD = 5.0  # seconds for one input; the reader needs microseconds


class Hang(Exception):
    """One input ran past the wall-clock guard."""


class Invariant(AssertionError):
    """The reader broke one of the fuzzing invariants."""


@dataclass
class Run:
    """One fuzz input and how it is fed."""

    data: bytes
    method: str
    upgrade: bool
    close_sent: bool
    points: list[int]
    bytewise: bool
    max_bytes: int
    blocking: bool
    clean: bool
    origin: str = ""

    def pieces(self) -> list[bytes]:
        if self.bytewise:
            return [self.data[i : i + 1] for i in range(len(self.data))]
        edges = [0, *sorted(self.points), len(self.data)]
        return [self.data[a:b] for a, b in pairwise(edges)]


def seeds() -> list[bytes]:
    """The corpus replies small enough to mutate quickly, plus a few plain valid replies."""
    from corpus import CASES

    replies = [case.reply for case in CASES if len(case.reply) <= 4096]
    return [*replies, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"]


def mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(raw))
        kind = rng.randrange(8)
        if kind == 0:
            raw[at:at] = rng.choice(SPECIAL)
        elif kind == 1:
            del raw[at : at + rng.randint(1, 3)]
        elif kind == 2:
            raw[at : at + 1] = rng.choice(SPECIAL)
        elif kind == 3:
            del raw[at:]
        elif kind == 4 or kind == 5:
            lines = bytes(raw).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if kind == 4:
                lines.insert(i, lines[j])  # a duplicated line
            else:
                lines[i], lines[j] = lines[j], lines[i]
            raw = bytearray(b"\n".join(lines))
        elif kind == 6:
            raw[at:at] = rng.randbytes(rng.randint(1, 8))
        elif at < len(raw):
            raw[at] = raw[at] ^ (1 << rng.randrange(8))
    return bytes(raw)


def random_input(rng: random.Random) -> bytes:
    size = rng.choice([0, 1, 5, 20, 60, 200])
    if rng.random() < 0.5:
        return rng.randbytes(rng.randint(0, size))
    return b"".join(rng.choice(ALPHABET) for _ in range(size))


def make_run(rng: random.Random, pool: Sequence[bytes]) -> Run:
    if rng.random() < 0.3:
        data, origin = random_input(rng), "random"
    else:
        data, origin = mutate(rng, rng.choice(pool)), "mutated corpus reply"
    points = [rng.randint(0, len(data)) for _ in range(rng.randint(0, 4))]
    return Run(
        data=data,
        method=rng.choice(METHODS),
        upgrade=rng.random() < 0.05,
        close_sent=rng.random() < 0.05,
        points=points,
        bytewise=len(data) < 400 and rng.random() < 0.05,
        max_bytes=rng.choice([1, 3, 256, 4096]),
        blocking=rng.random() < 0.5,
        clean=rng.random() < 0.8,
        origin=origin,
    )


def drive(run: Run, pieces: Sequence[bytes]) -> tuple[object, ...]:
    """Feed pieces only when asked, then EOF; the verdict, checking the invariants on the way."""
    reader = ResponseReader(run.method, upgrade=run.upgrade, close_sent=run.close_sent)
    source = iter(pieces)
    budget = 2 * (len(pieces) + 2) + len(run.data) + 4
    calls = 0
    closed = False
    body = bytearray()

    def more() -> None:
        nonlocal closed
        piece = next(source, None)
        if piece is not None:
            reader.feed(piece)
            return
        if closed:
            raise Invariant("the reader waits for input after EOF")
        reader.feed_eof(clean=run.clean)
        closed = True

    def step() -> None:
        nonlocal calls
        calls += 1
        if calls > budget:
            raise Invariant(f"more than {budget} calls: the reader does not progress")

    try:
        head = None
        while head is None:
            step()
            head = reader.next_head()
            if head is None:
                more()
        if not head.has_body:
            return ("head", head, bytes(body), True, reader.reusable)
        while True:
            step()
            piece = reader.read_body(run.max_bytes, blocking=run.blocking)
            if len(piece.data) > run.max_bytes:
                raise Invariant(f"read returned {len(piece.data)} > {run.max_bytes} bytes")
            body += piece.data
            if len(body) > len(run.data):
                raise Invariant("more body bytes than input bytes")
            if piece.end:
                return ("done", head, bytes(body), True, reader.reusable)
            if not piece.data:
                more()
    except ProtocolError as exc:
        partial = getattr(exc, "partial", b"")
        return ("fault", exc.fault, exc.message, bytes(body) + partial)


def check(run: Run) -> None:
    """Raise if the reader crashes, hangs or depends on the cuts for this input."""
    verdict = drive(run, run.pieces())
    whole = drive(run, [run.data])
    if verdict[:4] != whole[:4]:
        raise Invariant(f"cut outcome {verdict!r} differs from whole {whole!r}")


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"one input ran longer than {WALL_CLOCK_GUARD} s")


def save(out: Path, run: Run, error: BaseException) -> str:
    digest = hashlib.sha1(run.data).hexdigest()[:16]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{digest}.bin").write_bytes(run.data)
    meta = asdict(run) | {"data": None, "error": "".join(traceback.format_exception(error))}
    (out / f"{digest}.json").write_text(json.dumps(meta, indent=2))
    return digest


def work(job: tuple[int, int, str]) -> tuple[int, list[str]]:
    """Fuzz `count` inputs from `seed`; return the count and the saved crash names."""
    seed, count, out = job
    rng = random.Random(seed)
    pool = seeds()
    guard = hasattr(signal, "setitimer")
    if guard:
        signal.signal(signal.SIGALRM, on_alarm)
    crashes: list[str] = []
    for _ in range(count):
        run = make_run(rng, pool)
        try:
            if guard:
                signal.setitimer(signal.ITIMER_REAL, WALL_CLOCK_GUARD)
            check(run)
        except Exception as error:  # every escape is a finding, saved for replay
            crashes.append(save(Path(out), run, error))
        finally:
            if guard:
                signal.setitimer(signal.ITIMER_REAL, 0)
    return count, crashes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=100_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=0, help="seed of the input generator")
    parser.add_argument("--out", default="fuzz-crashes", help="folder for crashing inputs")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args(argv)
    batches = max(args.jobs * 8, 1)
    size, rest = divmod(args.iterations, batches)
    jobs = [
        (args.seed * 1_000_003 + i, size + (i < rest), args.out)
        for i in range(batches)
        if size + (i < rest)
    ]
    started = time.perf_counter()
    done, crashes = 0, []
    with multiprocessing.Pool(args.jobs) if args.jobs > 1 else _Serial() as pool:
        for count, found in pool.imap_unordered(work, jobs):
            done += count
            crashes += found
            print(f"\r{done} inputs, {len(crashes)} crashes", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    print(
        f"inputs: {done}  seed: {args.seed}  jobs: {args.jobs}  time: {elapsed:.1f} s  "
        f"rate: {done / elapsed:,.0f}/s  crashes: {len(crashes)}"
    )
    for name in sorted(set(crashes)):
        print(f"  {os.path.join(args.out, name)}.bin")
    return 1 if crashes else 0


class _Serial:
    """Pool stand-in for --jobs 1 (no worker process)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, function: object, jobs: list[tuple[int, int, str]]) -> object:
        return map(work, jobs)


if __name__ == "__main__":
    sys.exit(main())
