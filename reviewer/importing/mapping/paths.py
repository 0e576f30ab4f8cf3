"""Field paths: how a mapping points into nested JSON objects and arrays.

Syntax (a small subset of what JSONPath and JMESPath offer, on purpose):

* ``a.b.c`` — keys of nested objects; ``""`` (empty) is the value itself;
* ``a[0]``, ``a[-1]`` — one item of a list (``[0]`` alone works on a bare list);
* ``a[]`` — every item of a list (explosion: one result per item);
* ``*`` — every value of an object (or every item of a list);
* ``["odd key.with dots"]`` — a key that is not a plain name (JSON string quoting).

Why not JMESPath: a mapping needs to know *where* each exploded record came from
(``data[3].paragraphs[0].qas[2]``, shown in rejections) and which objects enclose it (a
SQuAD question needs its paragraph's ``context``); JMESPath returns bare values and would
also add a dependency for the three operations used here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["MISSING", "Path", "PathError", "parse_path"]


class PathError(ValueError):
    """A path that does not follow the syntax above."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

_NAME = re.compile(r"[^.\[\]\"*]+")
_INDEX = re.compile(r"\[(-?\d*)\]")
_QUOTED = re.compile(r'\[("(?:[^"\\]|\\.)*")\]')

# A step: ("key", name) | ("index", n) | ("each",) — lists — | ("values",) — `*`.
Step = tuple


@dataclass(frozen=True, slots=True)
class Path:
    text: str
    steps: tuple[Step, ...]
    explodes: bool = False  # has [] or * (set by parse_path)

    def get(self, value: Any) -> Any:
        """The one value the path points at, or `MISSING` (no explosion allowed)."""
        for step in self.steps:
            value = _step_one(value, step)
            if value is MISSING:
                return MISSING
        return value

    def collect(self, value: Any) -> Any:
        """Like `get`, but an exploding path gives the list of everything it reaches."""
        if not self.explodes:
            return self.get(value)
        return [found for _, found, _ in self.walk(value)]

    def walk(self, value: Any) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
        """Every value reached: (where, value, enclosing objects nearest last).

        `where` spells the concrete path (``data[0].qas[2]``), the enclosing objects are the
        dicts passed through on the way (for placeholders that live on a parent)."""
        yield from _walk(value, self.steps, "", ())


def _step_one(value: Any, step: Step) -> Any:
    kind = step[0]
    if kind == "key":
        return value.get(step[1], MISSING) if isinstance(value, dict) else MISSING
    if kind == "index":
        if isinstance(value, list) and -len(value) <= step[1] < len(value):
            return value[step[1]]
        return MISSING
    raise PathError("this path explodes ([] or *) where one value is expected")


def _join(where: str, part: str) -> str:
    if part.startswith("["):
        return where + part
    return f"{where}.{part}" if where else part


def _walk(value: Any, steps: tuple[Step, ...], where: str, parents: tuple[Any, ...]
          ) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    for position, step in enumerate(steps):
        if isinstance(value, dict):
            parents = (*parents, value)
        kind = step[0]
        if kind in ("each", "values"):
            rest = steps[position + 1:]
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield from _walk(item, rest, f"{where}[{index}]", parents)
            elif kind == "values" and isinstance(value, dict):
                for key, item in value.items():
                    yield from _walk(item, rest, _join(where, _key_text(key)), parents)
            return
        value = _step_one(value, step)
        if value is MISSING:
            return
        where = _join(where, f"[{step[1]}]" if kind == "index" else _key_text(step[1]))
    yield where, value, parents


def _key_text(key: str) -> str:
    return key if _NAME.fullmatch(key) else f"[{json.dumps(key, ensure_ascii=False)}]"


def parse_path(text: str) -> Path:
    """``data[].paragraphs[0].context`` → a `Path`; `PathError` says where it is wrong."""
    if not isinstance(text, str):
        raise PathError(f"a path must be a string, not {type(text).__name__}")
    steps: list[Step] = []
    pos = 0
    expect_name = True  # at the start or after a dot
    while pos < len(text):
        char = text[pos]
        if char == "." and not expect_name:
            pos += 1
            expect_name = True
            if pos == len(text):
                raise PathError(f"path {text!r} ends with a dot")
            continue
        if char == "[":
            quoted = _QUOTED.match(text, pos)
            if quoted:
                steps.append(("key", json.loads(quoted.group(1))))
                pos = quoted.end()
            else:
                index = _INDEX.match(text, pos)
                if not index:
                    raise PathError(f"path {text!r}: bad brackets at character {pos + 1}")
                steps.append(("index", int(index.group(1))) if index.group(1) else ("each",))
                pos = index.end()
            expect_name = False
            continue
        if not expect_name:
            raise PathError(f"path {text!r}: expected '.' or '[' at character {pos + 1}")
        if char == "*":
            steps.append(("values",))
            pos += 1
        else:
            name = _NAME.match(text, pos)
            if not name:
                raise PathError(f"path {text!r}: unexpected {char!r} at character {pos + 1}")
            steps.append(("key", name.group().strip()))
            pos = name.end()
        expect_name = False
    return Path(text, tuple(steps), any(step[0] in ("each", "values") for step in steps))
