"""Every ```python block of the user guide (docs/guide/*.md) runs.

A chapter's blocks run in order, as one script, in a fresh interpreter: later blocks use what
earlier ones defined, as a reader following along would, and the classes a chapter registers
never meet the test suite's. Blocks check their own claims with ``assert``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
CHAPTERS = sorted(p for p in GUIDE.glob("*.md") if p.name != "README.md")


def script_of(chapter: Path) -> str:
    """The chapter's python blocks joined, each preceded by a comment naming its line."""
    text = chapter.read_text(encoding="utf-8")
    parts = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        parts.append(f"# --- {chapter.name}, block at line {line}\n{match.group(1)}")
    return "\n".join(parts)


def test_the_guide_has_its_chapters() -> None:
    names = [p.name for p in CHAPTERS]
    assert len(names) >= 5
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"({name})" in index, f"{name} is not linked from docs/guide/README.md"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_code_block_runs(chapter: Path, tmp_path: Path) -> None:
    script = script_of(chapter)
    assert script, f"{chapter.name} has no python block"
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert run.returncode == 0, f"{chapter.name} failed:\n{run.stdout}\n{run.stderr}"
