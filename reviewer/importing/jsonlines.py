"""`.jsonl` files: one conversation per line, streamed line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Conversation
from .errors import RecordRejected
from .jsonvalues import Reader
from .records import conversation_from_record
from .report import Rejection
from .speakers import SpeakerRoles


def parse_jsonl(lines: Iterable[str], source: str, roles: SpeakerRoles | None = None
                ) -> Iterator[Conversation | Rejection]:
    reader = Reader()
    for number, line in enumerate(lines, start=1):
        if line.startswith("\ufeff"):  # files joined with `cat` keep each one's BOM
            line = line[1:]
        if not line.strip():
            continue
        locator = f"line {number}"
        try:
            record = reader.load_record(line)
            yield conversation_from_record(record, source=source, locator=locator, fmt="jsonl",
                                           roles=roles)
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc), exc.rule)
