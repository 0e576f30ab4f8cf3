"""Readable differences between two versions of a pair's text (for history views)."""

from __future__ import annotations

import difflib


def text_diff(old: str | None, new: str | None, *, context: int = 1) -> list[str]:
    """Line diff of two texts: ``- removed`` / ``+ added`` / ``  kept`` lines.

    Long single-line answers are compared sentence by sentence so a one-word fix does not
    show the whole answer twice.
    """
    before = _pieces(old or "")
    after = _pieces(new or "")
    out: list[str] = []
    for group in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_grouped_opcodes(
            context):
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(f"  {line}" for line in before[i1:i2])
                continue
            out.extend(f"- {line}" for line in before[i1:i2])
            out.extend(f"+ {line}" for line in after[j1:j2])
    return out


def _pieces(text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > 1:
        return lines
    pieces: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char in ".?!。" and index + 1 < len(text) and text[index + 1] == " ":
            pieces.append(text[start:index + 1])
            start = index + 2
    pieces.append(text[start:])
    return [p for p in pieces if p] or [""]
