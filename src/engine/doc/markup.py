"""The engine's BBCode subset turned into plain text, for the text page (§5.3 "Markup to text").

Tags are dropped and their content kept: ``[b]Note:[/b]`` gives ``Note:``, ``[method poll]``
gives ``poll``, ``[ClassName]`` gives ``ClassName``, ``[url=U]text[/url]`` gives ``text (U)``.
Inside ``[code]...[/code]`` nothing is a tag. A ``[codeblock]`` is a block of its own, kept
verbatim and dedented. Anything in brackets that is not a tag of the subset (``[1, 2]``) stays
as written. Imports the standard library only: a pure string transform, table-tested.
"""

from __future__ import annotations

import re
import textwrap

_TAG = re.compile(r"\[([^\[\]\n]*)\]")
_REFERENCE = re.compile(r"(method|member|signal|constant|enum) (\S+)")
_CLASS = re.compile(r"@?[A-Z][A-Za-z0-9_]*")
_STYLE = frozenset({"b", "/b", "i", "/i", "u", "/u", "/code", "codeblock", "/codeblock"})


def inline_text(line: str) -> str:
    """One paragraph of BBCode as plain text."""
    out: list[str] = []
    urls: list[str] = []
    in_code = False
    pos = 0
    for match in _TAG.finditer(line):
        out.append(line[pos : match.start()])
        pos = match.end()
        tag = match.group(1)
        if in_code:
            if tag == "/code":
                in_code = False
            else:
                out.append(match.group(0))
        elif tag == "code":
            in_code = True
        elif tag in _STYLE:
            continue
        elif tag == "url" or tag.startswith("url="):
            urls.append(tag[4:])
        elif tag == "/url":
            url = urls.pop() if urls else ""
            out.append(f" ({url})" if url else "")
        elif (reference := _REFERENCE.fullmatch(tag)) is not None:
            out.append(reference.group(2))
        elif _CLASS.fullmatch(tag):
            out.append(tag)
        else:
            out.append(match.group(0))
    out.append(line[pos:])
    return "".join(out)


def text_blocks(source: str) -> list[str]:
    """The blocks of a description in source form: one per paragraph line, one per codeblock.

    A codeblock's block holds its lines, dedented, joined by newlines.
    """
    blocks: list[str] = []
    code: list[str] | None = None
    for line in source.splitlines():
        stripped = line.strip()
        if code is not None:
            if stripped == "[/codeblock]":
                blocks.append(_code(code))
                code = None
            else:
                code.append(line)
        elif stripped == "[codeblock]":
            code = []
        elif stripped:
            blocks.append(inline_text(stripped))
    if code is not None:
        blocks.append(_code(code))
    return [block for block in blocks if block]


def _code(lines: list[str]) -> str:
    return textwrap.dedent("\n".join(lines).expandtabs(4)).strip("\n")
