"""Binding-layer benchmark: calls and property access by name beside direct Python calls.

Prints one table (nanoseconds per operation, median of several runs, and the ratio to the
direct call) for one class declared twice: with ``_bind_methods`` (``obj``) and with
``@exposed`` (``dec``). Run with ``.venv/bin/python scripts/bench/binding.py``; it never asserts.
"""

from __future__ import annotations

import statistics
import timeit

from engine.object_model import ClassDB, PropertyInfo, Reference, VariantType, export, exposed


class BenchTarget(Reference):
    def __init__(self) -> None:
        self._value = 0

    def add(self, amount: int) -> int:
        return amount + 1

    def forward(self, method: str, *args: int) -> int:
        """Not bound: the least any call(name, *args) entry point costs in CPython."""
        return self.add(*args)

    def set_value(self, value: int) -> None:
        self._value = value

    def get_value(self) -> int:
        return self._value

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "add", args=("amount",))
        ClassDB.bind_method(cls, "set_value", args=("value",))
        ClassDB.bind_method(cls, "get_value", const=True)
        ClassDB.add_property(
            cls, PropertyInfo(name="value", type=VariantType.INT), "set_value", "get_value"
        )


ClassDB.register_class(BenchTarget)


@exposed
class DeclaredTarget(Reference):
    """The same class declared with the decorator (generated accessors)."""

    value: int = export(0)

    def add(self, amount: int) -> int:
        return amount + 1

    @exposed.python_only
    def forward(self, method: str, *args: int) -> int:
        return self.add(*args)


def per_op_ns(stmt: str, env: dict[str, object], number: int, repeat: int = 7) -> float:
    """Median nanoseconds per execution of ``stmt`` (a string, so no lambda is timed)."""
    runs = timeit.repeat(stmt, globals=env, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e9


#: (statement, the direct statement it is compared with); ``{o}`` is the object.
TEMPLATE: list[tuple[str, str | None]] = [
    ("{o}.add(1)", None),
    ('{o}.forward("add", 1)', "{o}.add(1)"),
    ('{o}.call("add", 1)', "{o}.add(1)"),
    ('{o}.callv("add", [1])', "{o}.add(1)"),
    ("{o}.set_value(1)", None),
    ('{o}.set("value", 1)', "{o}.set_value(1)"),
    ("{o}.value = 1", "{o}.set_value(1)"),
    ("{o}.get_value()", None),
    ('{o}.get("value")', "{o}.get_value()"),
    ("{o}.value", "{o}.get_value()"),
]

#: ``obj`` is declared with _bind_methods, ``dec`` with @exposed.
ROWS: list[tuple[str, str | None]] = [
    (stmt.format(o=o), base.format(o=o) if base else None)
    for o in ("obj", "dec")
    for stmt, base in TEMPLATE
] + [
    ('ClassDB.class_get_property_list("BenchTarget")', None),
    ('ClassDB.class_get_method_list("BenchTarget")', None),
]


def environment() -> dict[str, object]:
    return {"obj": BenchTarget(), "dec": DeclaredTarget(), "ClassDB": ClassDB}


def main() -> None:
    env = environment()
    measured: dict[str, float] = {}
    print(f"{'operation':<50} {'ns/op':>9} {'x direct':>9}")
    for stmt, base in ROWS:
        number = 20_000 if "ClassDB" in stmt else 300_000
        ns = measured[stmt] = per_op_ns(stmt, env, number)
        ratio = f"{ns / measured[base]:.2f}" if base else ""
        print(f"{stmt:<50} {ns:>9.1f} {ratio:>9}")


if __name__ == "__main__":
    main()
