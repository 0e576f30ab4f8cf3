"""`.jsonl` files: one conversation per line, streamed line by line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..models import Conversation
from .errors import RecordRejected
from .records import conversation_from_record
from .report import Rejection


def parse_jsonl(lines: Iterable[str], source: str) -> Iterator[Conversation | Rejection]:
    loads = json.loads
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        locator = f"line {number}"
        try:
            record = loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(source, locator, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        try:
            yield conversation_from_record(record, source=source, locator=locator, fmt="jsonl")
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc))
