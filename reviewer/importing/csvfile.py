"""`.csv` / `.tsv` files, streamed row by row.

Two layouts, told apart by the header (names matched case-insensitively, with aliases):

* long form — one turn per row: conversation id, speaker, text (+ optional timestamp,
  title). Rows of one conversation need not be adjacent. A conversation of one row whose
  text holds several labelled lines (``Customer: …`` / ``Engineer: …``) is read as those
  turns, as for a JSON record.
* one conversation per row — a transcript column (``text`` / ``transcript`` /
  ``conversation``), or ``question`` / ``answer`` columns.

Speakers are read with `SpeakerRoles` when given (a rule for the name first), like JSON turns.
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
from .records import conversation_from_record, speaker_role, split_single_turn
from .report import Rejection
from .speakers import SpeakerRoles

csv.field_size_limit(64 * 1024 * 1024)
MAX_UNCLOSED_QUOTES = 20  # each one makes the rest of the file be read again

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


def parse_csv(stream: TextIO, source: str, *, delimiter: str | None = None,
              roles: SpeakerRoles | None = None) -> Iterator[Conversation | Rejection]:
    first = stream.readline()
    if delimiter is None:
        delimiter = _sniff_delimiter(first)
    feed = _LineFeed(itertools.chain([first], stream))
    reader = csv.reader(feed, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("file has no header row", rule="bad_header") from None
    except csv.Error as exc:
        raise FileRejected(f"row 1: {exc}", rule="bad_header") from exc
    if feed.ran_out and _ends_inside_quotes(feed.text(), delimiter):
        raise FileRejected("row 1: the header opens a quote that is never closed",
                           rule="unclosed_quote")
    header = [h.lstrip("\ufeff") for h in header]
    rows = _rows(feed, delimiter)
    speaker, text = _find(header, "speaker"), _find(header, "text")
    if speaker is not None and text is not None:
        yield from _long_form(rows, header, source, speaker, text, roles)
        return
    transcript = _find(header, "transcript")
    question, answer = _find(header, "question"), _find(header, "answer")
    if transcript is None and (question is None or answer is None):
        raise FileRejected(
            "CSV header not recognised: expected 'conversation_id, speaker, text' (one turn "
            "per row), a 'transcript'/'text' column, or 'question, answer' columns; found: "
            + ", ".join(header[:10]), rule="bad_header"
        )
    yield from _per_row(rows, header, source, transcript, question, answer, roles)


def _sniff_delimiter(first: str) -> str:
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _LineFeed:
    """The lines the CSV reader consumes, remembered for the current row, so that the lines
    of a row that swallowed the rest of the file can be read again."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._number = 0
        self._replay: list[tuple[int, str]] = []  # read back to front
        self.row: list[tuple[int, str]] = []  # (line number, line) of the current row
        self.ran_out = False  # the current row was ended by the end of the file

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self._replay:
            item = self._replay.pop()
        else:
            try:
                line = next(self._lines)
            except StopIteration:
                self.ran_out = True
                raise
            self._number += 1
            item = (self._number, line)
        self.row.append(item)
        return item[1]

    def start_row(self) -> None:
        self.row = []
        self.ran_out = False

    def text(self) -> str:
        return "".join(line for _, line in self.row)

    def read_again_after_first_line(self) -> None:
        self._replay.extend(reversed(self.row[1:]))
        self.row = []


def _quote_runs_away(feed: _LineFeed, delimiter: str) -> bool:
    """Whether the current row is an opened quote that swallowed the lines after it.

    Python's csv module is lenient: an unclosed quote reads on to the end of the file, or
    to the next quote anywhere, even one in the middle of a later row. A row over several
    lines is therefore checked again strictly (its quoted fields must close right before a
    delimiter or the line end); a one-line row only when the file ended inside it.
    """
    if len(feed.row) == 1:
        return feed.ran_out and _ends_inside_quotes(feed.text(), delimiter)
    try:
        records = list(csv.reader([line for _, line in feed.row], delimiter=delimiter,
                                  strict=True))
    except csv.Error:
        return True
    return len(records) != 1


def _ends_inside_quotes(text: str, delimiter: str) -> bool:
    """Whether `text` (one CSV row) ends inside a quoted field, read the way Python's csv
    module reads it: a quote opens a field only as the field's first character."""
    special = re.compile(f'["{re.escape(delimiter)}\r\n]')
    pos = field_start = 0
    while True:
        found = special.search(text, pos)
        if found is None:
            return False
        pos = found.end()
        if found.group() != '"':
            field_start = pos
            continue
        if found.start() != field_start:
            continue  # a quote inside an unquoted field is an ordinary character
        while True:  # inside the quoted field: find its closing quote
            close = text.find('"', pos)
            if close < 0:
                return True
            if text.startswith('""', close):
                pos = close + 2
                continue
            pos = close + 1
            field_start = -1
            break


Problem = tuple[str, str]  # (rule, message)


def _rows(feed: _LineFeed, delimiter: str) -> Iterator[tuple[int, list[str] | None,
                                                           Problem | None]]:
    """(row number, cells or None, problem): a malformed row does not stop the file.

    A quote that is never closed makes the csv module read the rest of the file into one
    field. That row is refused, and the lines after its first line are read again.
    """
    reader = csv.reader(feed, delimiter=delimiter)
    number = 1
    recovered = 0
    while True:
        number += 1
        feed.start_row()
        try:
            cells = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as exc:
            cells, error = None, str(exc)
        if error is None and len(feed.row) == 1 and not feed.ran_out:
            yield number, cells, None
            continue
        first_line = feed.row[0][0] if feed.row else 0
        if feed.row and _quote_runs_away(feed, delimiter):
            recovered += 1
            if recovered > MAX_UNCLOSED_QUOTES:
                yield number, None, ("unclosed_quote", f"{MAX_UNCLOSED_QUOTES} unclosed quotes "
                                     f"already; the rest of the file from line {first_line} "
                                     "was not read")
                return
            yield number, None, ("unclosed_quote", f"opens a quote at line {first_line} that "
                                 "is never properly closed; the row was skipped and the "
                                 "lines after it read again")
            feed.read_again_after_first_line()
            reader = csv.reader(feed, delimiter=delimiter)
            continue
        if error is None:
            yield number, cells, None  # a last row without a line break
            continue
        yield number, None, ("malformed_row", f"malformed CSV row at line {first_line}: "
                                              f"{error}")
        if len(feed.row) > 1:
            feed.read_again_after_first_line()
            reader = csv.reader(feed, delimiter=delimiter)


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _long_form(rows, header, source, speaker, text, roles: SpeakerRoles | None = None
               ) -> Iterator[Conversation | Rejection]:
    conv_id = _find(header, "id", {speaker, text})
    time, title_column = _find(header, "time"), _find(header, "title")
    groups: dict[str, tuple[int, str, list[Turn]]] = {}
    for number, cells, problem in rows:
        locator = f"row {number}"
        if cells is None:
            rule, message = problem or ("malformed_row", "malformed CSV row")
            yield Rejection(source, locator, message, rule)
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header) and max(speaker, text) >= len(cells):
            yield Rejection(source, locator,
                            f"expected {len(header)} columns, found {len(cells)}",
                            "wrong_columns")
            continue
        key = _cell(cells, conv_id) if conv_id is not None else ""
        if conv_id is not None and not key:
            yield Rejection(source, locator, f"empty conversation id ('{header[conv_id]}')",
                            "empty_field")
            continue
        words = _cell(cells, text)
        if not words:
            yield Rejection(source, locator, f"empty text ('{header[text]}')", "empty_field")
            continue
        label = _cell(cells, speaker)
        turn = Turn(speaker_role(label, roles), words, label, _cell(cells, time) or None)
        if key not in groups:
            groups[key] = (number, _cell(cells, title_column), [])
        groups[key][2].append(turn)
    for key, (first_row, title, turns) in groups.items():
        yield Conversation(source=source, locator=f"row {first_row}",
                           turns=split_single_turn(turns, roles), fmt="csv", title=title,
                           external_id=key)


def _per_row(rows, header, source, transcript, question, answer,
             roles: SpeakerRoles | None = None) -> Iterator[Conversation | Rejection]:
    conv_id = _find(header, "id", {i for i in (transcript, question, answer) if i is not None})
    title = _find(header, "title")
    for number, cells, problem in rows:
        locator = f"row {number}"
        if cells is None:
            rule, message = problem or ("malformed_row", "malformed CSV row")
            yield Rejection(source, locator, message, rule)
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
            yield Rejection(source, locator, f"empty '{header[transcript]}' column",
                            "empty_field")
            continue
        record["id"] = _cell(cells, conv_id)
        record["title"] = _cell(cells, title)
        try:
            yield conversation_from_record(record, source=source, locator=locator, fmt="csv",
                                           roles=roles)
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc), exc.rule)

