"""`Q)` / `A)` markers that hand-written transcripts put in front of questions and answers."""

from __future__ import annotations

import re

# At the start of a line: Q) A) q) a), full-width parentheses too, and Q. / A: forms.
_MARKER = re.compile(r"^[ \t]*[QqAa][ \t]*[)）][ \t]*", re.M)
_QUESTION = re.compile(r"^\s*[Qq]\s*[)）]")
_ANSWER = re.compile(r"^\s*[Aa]\s*[)）]")


def strip_markers(text: str) -> str:
    """Remove leading markers from every line and trim the result."""
    return _MARKER.sub("", text).strip()


def has_marker(text: str) -> bool:
    return _MARKER.search(text) is not None


def marker_role(text: str) -> str | None:
    """"customer" for a `Q)` line, "engineer" for an `A)` line, else None."""
    if _QUESTION.match(text):
        return "customer"
    if _ANSWER.match(text):
        return "engineer"
    return None
