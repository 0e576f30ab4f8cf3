"""Degenerate answers: a model repeating one sentence or phrase until its output limit.

Small local models fall into loops ("Please restart the board. Please restart the board. …")
and burn the whole output budget. Such an answer is rejected as a repetition rather than read
as JSON, and the same request is not sent again: at the same settings it loops again.

Two signs, either one enough: the text *ends* in one stretch repeated back to back
(`MIN_TAIL_REPEATS` times or more), or one sentence occurs `MIN_SENTENCE_REPEATS` times more
often than in the conversation itself (a conversation may repeat a log line; the answer may
copy that).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

MIN_TAIL_REPEATS = 4
MIN_PERIOD, MAX_PERIOD = 6, 400  # characters in one repeated stretch
MIN_SENTENCE_REPEATS = 4
MIN_SENTENCE_CHARS = 8

_SENTENCE = re.compile(r"[^.!?。？！\n\"\\]+[.!?。？！]?")
_SPACE = re.compile(r"\s+")
_KEY = re.compile(r'"[A-Za-z_]{1,40}"\s*:')  # JSON keys recur once per pair by design


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _tail_loop(text: str) -> str | None:
    """The stretch the text ends on, when it is repeated back to back often enough."""
    tail = text.rstrip()
    limit = min(MAX_PERIOD, len(tail) // MIN_TAIL_REPEATS)
    for period in range(MIN_PERIOD, limit + 1):
        unit = tail[-period:]
        if not unit.strip():
            continue
        span = period * MIN_TAIL_REPEATS
        if tail[-span:] == unit * MIN_TAIL_REPEATS:
            return unit
    return None


def _sentences(text: str) -> Counter[str]:
    found = (_norm(m.group()) for m in _SENTENCE.finditer(text))
    return Counter(s for s in found if len(s) >= MIN_SENTENCE_CHARS)


def find_loop(answer: str | None, source: str = "") -> str | None:
    """The repeated stretch when `answer` is degenerate, else None. `source` is the text the
    answer was made from (repeats it already holds do not count)."""
    if not answer:
        return None
    answer = _KEY.sub(" ", answer)
    counts = _sentences(answer)
    if counts:  # named by its sentence when it has one, rather than a rotated stretch
        sentence, times = counts.most_common(1)[0]
        already = _norm(source).count(sentence) if source else 0
        if times - already >= MIN_SENTENCE_REPEATS:
            return next((m.group().strip() for m in _SENTENCE.finditer(answer)
                         if _norm(m.group()) == sentence), sentence)
    looped = _tail_loop(answer)
    if looped is None or (source and looped * MIN_TAIL_REPEATS in source):
        return None
    return looped.strip()


def loop_in_answer(text: str | None, source: str = "", *, truncated: bool) -> str | None:
    """A loop in a model's JSON answer. A finished answer that decodes is looked at one
    string at a time: the same pair given several times is a duplicate (merged and counted),
    not a loop. A cut-off or undecodable answer is looked at whole."""
    if not text:
        return None
    if not truncated:
        try:
            data = json.loads(text)
        except ValueError:
            return find_loop(text, source)
        return next((loop for value in _strings(data)
                     if (loop := find_loop(value, source)) is not None), None)
    return find_loop(text, source)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def describe(loop: str, limit: int = 80) -> str:
    shown = _SPACE.sub(" ", loop).strip()
    return shown if len(shown) <= limit else shown[:limit - 1].rstrip() + "…"
