"""JSON reading for imports: hostile values become record rejections, never crashes.

Three things in otherwise well-formed JSON make Python's reader raise or mislead:

* nesting deeper than the reader's recursion allows (``RecursionError``);
* an integer longer than Python's int-string limit (``ValueError`` from ``int()``);
* ``NaN`` / ``Infinity``, which are not JSON and would otherwise turn into the text "nan".

The decoder built here replaces such a value by an `Unreadable` marker and notes it, so a
.jsonl line or a .json item holding one is refused on its own while its neighbours import.
A .json document too deep to read at once is read item by item (`load_document`): only the
items that are too deep are marked, and the parser skips over them.
"""

from __future__ import annotations

import json
import math
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from .errors import FileRejected, RecordRejected

TOO_DEEP = "nested deeper than the JSON reader allows"
_WS = re.compile(r"[ \t\n\r]*")
# Strings (unrolled, so long strings stay linear), runs of brackets, anything else.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]+|[\]}]+|[^"\[\]{}]+|"', re.S)


class Unreadable:
    """Stands in for a value that cannot be imported; says why."""

    __slots__ = ("rule", "reason")

    def __init__(self, rule: str, reason: str):
        self.rule = rule
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unreadable({self.rule!r})"


class Reader:
    """A JSON decoder that marks unreadable values and remembers them in `found`."""

    def __init__(self) -> None:
        self.found: list[Unreadable] = []
        self.decoder = json.JSONDecoder(parse_constant=self._constant, parse_int=self._int,
                                        parse_float=self._float)

    def _mark(self, rule: str, reason: str) -> Unreadable:
        bad = Unreadable(rule, reason)
        self.found.append(bad)
        return bad

    def _constant(self, name: str) -> Unreadable:
        return self._mark("non_finite_number", f"{name} is not a JSON value (NaN and "
                          "Infinity are refused, never imported as text)")

    def _int(self, digits: str) -> int | Unreadable:
        try:
            return int(digits)
        except ValueError:  # over the int-string conversion limit
            return self._mark("number_too_long", f"a number with {len(digits)} digits is "
                              "too long to read")

    def _float(self, text: str) -> float | Unreadable:
        value = float(text)
        if math.isfinite(value):
            return value
        return self._mark("non_finite_number", f"number {text[:30]} is out of range")

    def load_record(self, text: str) -> Any:
        """One JSON value (a .jsonl line), or `RecordRejected` saying what is wrong."""
        self.found.clear()
        try:
            value = self.decoder.decode(text)
        except json.JSONDecodeError as exc:
            raise RecordRejected(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                 rule="invalid_json") from None
        except RecursionError:
            raise RecordRejected(TOO_DEEP, rule="nesting_too_deep") from None
        if self.found:
            raise RecordRejected(self.found[0].reason, rule=self.found[0].rule)
        return value

    def load_document(self, text: str) -> Any:
        """A whole .json document; values too deep to read are marked, not fatal."""
        self.found.clear()
        try:
            try:
                return self.decoder.decode(text)
            except RecursionError:
                pass
            start = _WS.match(text, 0).end()  # type: ignore[union-attr]
            value, end = self._tolerant(text, start, levels=2)
            end = _WS.match(text, end).end()  # type: ignore[union-attr]
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
            return value
        except json.JSONDecodeError as exc:
            raise FileRejected(f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                               f"{exc.msg}; nothing from this file was imported",
                               rule="invalid_json", locator=f"line {exc.lineno}") from None

    def _tolerant(self, text: str, pos: int, levels: int) -> tuple[Any, int]:
        """Decode the value at `pos`; when it is too deep, open up to `levels` containers
        one item at a time and mark only the items that are still too deep."""
        try:
            return self.decoder.raw_decode(text, pos)
        except RecursionError:
            pass
        opener = text[pos:pos + 1]
        if levels == 0 or opener not in ("[", "{"):
            return self._mark("nesting_too_deep", TOO_DEEP), _skip_value(text, pos)
        closer = "]" if opener == "[" else "}"
        items: list[Any] = []
        members: dict[str, Any] = {}
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        if text[pos:pos + 1] == closer:
            return (items if opener == "[" else members), pos + 1
        while True:
            if opener == "{":
                if text[pos:pos + 1] != '"':
                    raise json.JSONDecodeError("Expecting property name enclosed in double "
                                               "quotes", text, pos)
                key, pos = scanstring(text, pos + 1)
                pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                if text[pos:pos + 1] != ":":
                    raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                members[key], pos = self._tolerant(text, pos, levels - 1)
            else:
                value, pos = self._tolerant(text, pos, levels - 1)
                items.append(value)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            here = text[pos:pos + 1]
            if here == ",":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            elif here == closer:
                return (items if opener == "[" else members), pos + 1
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _skip_value(text: str, pos: int) -> int:
    """The end of the nested value starting at `pos`, found by counting brackets outside
    strings (its contents are not checked: the value is refused anyway)."""
    depth = 0
    for match in _TOKEN.finditer(text, pos):
        token = match.group()
        if token[0] in "[{":
            depth += len(token)
        elif token[0] in "]}":
            if len(token) >= depth:
                return match.start() + depth
            depth -= len(token)
        elif depth == 0:
            break
    raise json.JSONDecodeError("Unterminated nested value", text, pos)


def first_unreadable(value: Any) -> Unreadable | None:
    """The first marked value inside `value`, in document order (iterative: no recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unreadable):
            return item
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None
