"""Every ```python block of docs/guide/many_clients.md runs, in order, in a fresh interpreter.

The blocks are one script, as a reader following the page runs them (later blocks use the
server the first one starts); each checks its own claims with ``assert``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "many_clients.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_every_code_block_of_the_page_runs(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    blocks = [match.group(1) for match in BLOCK.finditer(text)]
    assert len(blocks) >= 5
    run = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert run.returncode == 0, f"{PAGE.name} failed:\n{run.stdout}\n{run.stderr}"


def test_the_page_names_every_helper_it_documents() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name in ("fileno()", "PollGroup", "idle_timeout", "aio.fetch", "aio.poll_while"):
        assert name in text
