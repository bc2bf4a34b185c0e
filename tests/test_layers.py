"""The arrows between the packages point down only: engine <- net <- engine_net.

Read from the source with ``ast`` (imports inside functions count too), so a new import that
breaks the layering fails here rather than in a user's embedding.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def imported_packages(module: Path) -> set[str]:
    """The top-level package of every absolute import in ``module``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("engine", {"net", "engine_net"}), ("net", {"engine_net"})],
)
def test_a_package_never_imports_the_ones_above_it(package: str, forbidden: set[str]) -> None:
    modules = sorted((SRC / package).rglob("*.py"))
    assert modules
    offenders = {
        str(module.relative_to(SRC)): sorted(imported_packages(module) & forbidden)
        for module in modules
        if imported_packages(module) & forbidden
    }
    assert offenders == {}


def test_the_application_lives_in_its_own_package() -> None:
    application = {"cli.py", "fetch.py", "demo.py", "demo_server.py", "inspector.py"}
    assert application <= {p.name for p in (SRC / "engine_net").glob("*.py")}
    assert not application & {p.name for p in (SRC / "engine").glob("*.py")}


def test_the_scene_layer_imports_only_the_object_model() -> None:
    """engine.scene hosts nodes that poll; it knows the binding layer and nothing else."""
    allowed = {"engine.object_model", "engine.scene"}
    offenders: dict[str, list[str]] = {}
    for module in sorted((SRC / "engine" / "scene").rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        bad = [
            n
            for n in names
            if n.split(".")[0] in {"engine", "net", "engine_net"}
            and not any(n == a or n.startswith(a + ".") for a in allowed)
        ]
        if bad:
            offenders[module.name] = bad
    assert offenders == {}
