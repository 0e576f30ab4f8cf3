"""`.csv` / `.tsv` files, streamed row by row.

Two layouts, told apart by the header (names matched case-insensitively, with aliases):

* long form — one turn per row: conversation id, speaker, text (+ optional timestamp,
  title). Rows of one conversation need not be adjacent.
* one conversation per row — a transcript column (``text`` / ``transcript`` /
  ``conversation``), or ``question`` / ``answer`` columns.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from typing import TextIO

from ..models import Conversation, Turn
from .errors import FileRejected, RecordRejected
from .records import conversation_from_record
from .report import Rejection
from .speakers import UNKNOWN, role_for

csv.field_size_limit(64 * 1024 * 1024)

_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("conversationid", "conversation", "convid", "conversationno", "dialogid", "threadid",
           "ticket", "ticketid", "ticketno", "sessionid", "chatid", "caseid", "id", "대화id",
           "대화번호", "티켓", "티켓번호", "상담번호"),
    "speaker": ("speaker", "role", "from", "author", "sender", "who", "speakerrole", "화자",
                "발화자", "역할", "작성자"),
    "text": ("text", "message", "content", "utterance", "body", "msg", "내용", "메시지", "발화"),
    "time": ("timestamp", "time", "datetime", "date", "createdat", "at", "ts", "시간", "일시"),
    "title": ("title", "subject", "topic", "제목"),
    "transcript": ("transcript", "conversation", "dialog", "dialogue", "text", "chat", "대화",
                   "대화내용", "내용"),
    "question": ("question", "q", "prompt", "customer", "input", "질문", "문의"),
    "answer": ("answer", "a", "completion", "engineer", "response", "output", "답변", "응답"),
}
_NORMALISE = re.compile(r"[\s_\-./]+")


def _find(header: list[str], kind: str, exclude: frozenset[int] | set[int] = frozenset()
          ) -> int | None:
    names = [_NORMALISE.sub("", h.strip().lower()) for h in header]
    for alias in _ALIASES[kind]:
        for index, name in enumerate(names):
            if name == alias and index not in exclude:
                return index
    return None


def parse_csv(stream: TextIO, source: str, *, delimiter: str | None = None) -> Iterator[
        Conversation | Rejection]:
    first = stream.readline()
    if delimiter is None:
        delimiter = _sniff_delimiter(first)
    reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("file has no header row") from None
    except csv.Error as exc:
        raise FileRejected(f"row 1: {exc}") from exc
    header = [h.lstrip("\ufeff") for h in header]
    speaker, text = _find(header, "speaker"), _find(header, "text")
    if speaker is not None and text is not None:
        yield from _long_form(reader, header, source, speaker, text)
        return
    transcript = _find(header, "transcript")
    question, answer = _find(header, "question"), _find(header, "answer")
    if transcript is None and (question is None or answer is None):
        raise FileRejected(
            "CSV header not recognised: expected 'conversation_id, speaker, text' (one turn "
            "per row), a 'transcript'/'text' column, or 'question, answer' columns; found: "
            + ", ".join(header[:10])
        )
    yield from _per_row(reader, header, source, transcript, question, answer)


def _sniff_delimiter(first: str) -> str:
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(reader) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(row number, cells or None, error) — a malformed row does not stop the file."""
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, None, str(exc)
            continue
        yield number, cells, None


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _long_form(reader, header, source, speaker, text) -> Iterator[Conversation | Rejection]:
    conv_id = _find(header, "id", {speaker, text})
    time, title = _find(header, "time"), _find(header, "title")
    groups: dict[str, tuple[int, str, list[Turn]]] = {}
    for number, cells, error in _rows(reader):
        locator = f"row {number}"
        if cells is None:
            yield Rejection(source, locator, f"malformed CSV row: {error}")
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header) and max(speaker, text) >= len(cells):
            yield Rejection(source, locator,
                            f"expected {len(header)} columns, found {len(cells)}")
            continue
        key = _cell(cells, conv_id) if conv_id is not None else ""
        if conv_id is not None and not key:
            yield Rejection(source, locator, f"empty conversation id ('{header[conv_id]}')")
            continue
        words = _cell(cells, text)
        if not words:
            yield Rejection(source, locator, f"empty text ('{header[text]}')")
            continue
        label = _cell(cells, speaker)
        turn = Turn((role_for(label) or UNKNOWN) if label else UNKNOWN, words, label,
                    _cell(cells, time) or None)
        if key not in groups:
            groups[key] = (number, _cell(cells, title), [])
        groups[key][2].append(turn)
    for key, (first_row, title, turns) in groups.items():
        yield Conversation(source=source, locator=f"row {first_row}", turns=turns, fmt="csv",
                           title=title, external_id=key)


def _per_row(reader, header, source, transcript, question, answer) -> Iterator[
        Conversation | Rejection]:
    conv_id = _find(header, "id", {i for i in (transcript, question, answer) if i is not None})
    title = _find(header, "title")
    for number, cells, error in _rows(reader):
        locator = f"row {number}"
        if cells is None:
            yield Rejection(source, locator, f"malformed CSV row: {error}")
            continue
        if not any(c.strip() for c in cells):
            continue
        record: dict[str, str] = {}
        if transcript is not None and _cell(cells, transcript):
            record["transcript"] = cells[transcript]
        elif question is not None and answer is not None:
            record["question"] = _cell(cells, question)
            record["answer"] = _cell(cells, answer)
        else:
            yield Rejection(source, locator, f"empty '{header[transcript]}' column")
            continue
        record["id"] = _cell(cells, conv_id)
        record["title"] = _cell(cells, title)
        try:
            yield conversation_from_record(record, source=source, locator=locator, fmt="csv")
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc))
