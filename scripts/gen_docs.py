"""Write the generated class reference into docs/: one text page and one XML per class, and
api.json. Everything comes from ClassDB (engine.doc); ``--check`` writes nothing and exits 1
when the committed files differ (tests/test_docs_current.py runs it).

Run: ``.venv/bin/python scripts/gen_docs.py [--check]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import engine.scene  # noqa: F401  (registers the scene classes)
import net  # noqa: F401  (registers the network classes)
from engine import doc
from engine.object_model import ClassDB

DOCS = Path(__file__).resolve().parent.parent / "docs"


def generated() -> dict[str, str]:
    """Relative path under docs/ -> file content."""
    files = {"api.json": doc.api_json()}
    for name in ClassDB.get_class_list():
        files[f"classes/{name}.txt"] = doc.class_page(name)
        files[f"classes/{name}.xml"] = doc.class_xml(name)
    return files


def main() -> None:
    if "--check" in sys.argv[1:]:
        stale = [
            relative
            for relative, text in generated().items()
            if not (DOCS / relative).is_file() or (DOCS / relative).read_text("utf-8") != text
        ]
        for relative in stale:
            print(f"docs/{relative} is out of date: run scripts/gen_docs.py")
        sys.exit(1 if stale else 0)
    for relative, text in generated().items():
        path = DOCS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote docs/{relative}")


if __name__ == "__main__":
    main()
