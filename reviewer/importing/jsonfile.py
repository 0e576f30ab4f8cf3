"""`.json` files: a list of conversations, an object holding such a list, or one conversation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from ..models import Conversation
from .errors import FileRejected, RecordRejected
from .jsonvalues import Reader, Unreadable, first_unreadable
from .records import TURN_LIST_KEYS, conversation_from_record, looks_like_turns
from .report import Rejection
from .speakers import SpeakerRoles

CONTAINER_KEYS = ("conversations", "data", "items", "records", "dialogs", "dialogues",
                  "threads", "tickets", "results", "examples", "rows")


def parse_json(stream: TextIO, source: str, roles: SpeakerRoles | None = None
               ) -> Iterator[Conversation | Rejection]:
    """The file is capped by size before we get here, so reading it whole is bounded."""
    reader = Reader()
    data = reader.load_document(stream.read())
    marked = bool(reader.found)  # only then can a record hold an unreadable value
    if isinstance(data, Unreadable):
        raise FileRejected(data.reason, rule=data.rule)
    records = _records(data)
    for index, record in enumerate(records):
        locator = f"index {index}"
        bad = first_unreadable(record) if marked else None
        if bad is not None:
            yield Rejection(source, locator, bad.reason, bad.rule)
            continue
        try:
            yield conversation_from_record(record, source=source, locator=locator, fmt="json",
                                           roles=roles)
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc), exc.rule)


def _records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, Mapping):
        raise FileRejected(f"expected a list of conversations or an object, got "
                           f"{type(data).__name__}", rule="not_a_conversation")
    lowered = {str(k).strip().lower(): k for k in data}
    # One conversation on its own: {"messages": [...]} / {"turns": [...]}.
    for key in TURN_LIST_KEYS:
        if key in lowered and looks_like_turns(data[lowered[key]]):
            return [data]
    for key in CONTAINER_KEYS:
        if key in lowered and isinstance(data[lowered[key]], list):
            return data[lowered[key]]
    for value in data.values():
        if isinstance(value, list) and value and all(isinstance(v, Mapping | str) for v in value):
            return value
    raise FileRejected(
        "no list of conversations found (expected a top-level list, or one under a key such "
        "as 'conversations', 'data' or 'items')", rule="not_a_conversation"
    )
