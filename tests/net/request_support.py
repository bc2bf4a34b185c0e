"""Helpers for the HTTPRequest tests: a tree, nodes wired to a recorder, one fetch at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.object_model import ClassDB, Error, Reference
from engine.scene import SceneTree
from net import HTTPRequest

#: Extra frames run after a completion, to catch a second signal.
AFTER_FRAMES = 3


class Completions(Reference):
    """A signal target: every request_completed the node emitted, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int, list[str], bytes]] = []

    def on_completed(self, result: int, code: int, headers: list[str], body: bytes) -> None:
        self.calls.append((result, code, headers, body))

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "on_completed", args=("result", "code", "headers", "body"))


ClassDB.register_class(Completions)


@dataclass
class Done:
    """One completion, by name."""

    result: int
    code: int
    headers: list[str]
    body: bytes

    def header(self, name: str) -> str | None:
        for line in self.headers:
            key, _, value = line.partition(":")
            if key.lower() == name.lower():
                return value.strip()
        return None


@dataclass
class Harness:
    tree: SceneTree
    threads: bool = False
    recorders: dict[int, Completions] = field(default_factory=dict)

    def node(self, **settings: Any) -> HTTPRequest:
        req = HTTPRequest()
        req.use_threads = self.threads
        for name, value in settings.items():
            req.set(name, value)
        recorder = Completions()
        self.recorders[req.get_instance_id()] = recorder
        req.connect("request_completed", recorder, "on_completed")
        self.tree.root.add_child(req)
        return req

    def calls(self, req: HTTPRequest) -> list[tuple[int, int, list[str], bytes]]:
        return self.recorders[req.get_instance_id()].calls

    def wait(self, req: HTTPRequest, timeout: float = 10) -> Done:
        """Run frames until the node reports, then a few more; exactly one report is expected."""
        calls = self.calls(req)
        self.tree.run(until=lambda: bool(calls), timeout=timeout, fps=1000)
        for _ in range(AFTER_FRAMES):
            self.tree.idle(0.001)
        assert len(calls) == 1, calls
        return Done(*calls.pop())

    def fetch(self, req: HTTPRequest, url: str, *args: Any, raw: bool = False) -> Done:
        started = (req.request_raw if raw else req.request)(url, *args)
        assert started == Error.OK
        return self.wait(req)

    def frames(self, count: int) -> None:
        for _ in range(count):
            self.tree.idle(0.001)
