"""Batched, idempotent writes of imported conversations.

The primary key is the content hash, so ``INSERT OR IGNORE`` makes re-imports (and repeats
inside one batch) no-ops; the statement's row count tells imported from duplicate. Before a
batch is written, one lookup finds which of its ids are already stored, so each duplicate is
credited to its file with where the first copy is (an earlier import, or this one).
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from ..models import Conversation, turns_to_json
from .report import ImportReport, Rejection

COLUMNS = ("id", "source", "locator", "fmt", "title", "external_id", "text", "turns",
           "imported_at", "run_id", "split_status")
INSERT_SQL = (
    f"INSERT OR IGNORE INTO conversations ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)
BATCH_SIZE = 2_000
LOOKUP_CHUNK = 500  # ids per lookup query, under every SQLite build's variable limit
# What a single bad row can raise; database-wide failures (locked, disk full) still stop.
ROW_ERRORS = (UnicodeError, ValueError, OverflowError, sqlite3.InterfaceError,
              sqlite3.DataError, sqlite3.IntegrityError)


def conversation_row(conv: Conversation, imported_at: str, run_id: int | None,
                     split_status: str = "pending") -> tuple:
    return (conv.content_id(), conv.source, conv.locator, conv.fmt, conv.title,
            conv.external_id, conv.text, turns_to_json(conv.turns), imported_at, run_id,
            split_status)


class ConversationWriter:
    """Collects rows and writes them in batches, each batch in one transaction.

    A row the database refuses (text that cannot be stored slipped past the parsers) must
    not take its batch down with it: the batch is then written row by row and the refused
    rows are kept in `rejected`, named by file and line.

    A subclass that stores more with each new conversation (ready pairs) overrides
    `written`, which runs inside the transaction that inserted the rows.
    """

    split_status = "pending"

    def __init__(self, db: Database, *, run_id: int | None, imported_at: str,
                 batch_size: int | None = None, report: ImportReport | None = None):
        self.db = db
        self.report = report if report is not None else ImportReport()
        self.run_id = run_id
        self.imported_at = imported_at
        self.batch_size = batch_size or BATCH_SIZE
        self.imported = 0
        self.duplicates = 0
        self.rejected: list[Rejection] = []
        self._rows: list[tuple] = []

    def take_rejected(self) -> list[Rejection]:
        """Rows refused since the last call (they go into the report in file order)."""
        taken, self.rejected = self.rejected, []
        return taken

    def add(self, conv: Conversation) -> None:
        try:
            row = conversation_row(conv, self.imported_at, self.run_id, self.split_status)
        except ROW_ERRORS as exc:
            self.rejected.append(Rejection(conv.source, conv.locator,
                                           f"cannot be stored: {exc}", "invalid_text"))
            return
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        try:
            with self.db.atomic():
                stored = self._stored([row[0] for row in rows])
                cursor = self.db.conn.executemany(INSERT_SQL, rows)
                self.written(_first_new(rows, stored))
        except ROW_ERRORS:
            self._write_one_by_one(rows)
            return
        inserted = max(cursor.rowcount, 0)
        self.imported += inserted
        self.duplicates += len(rows) - inserted
        first_here: dict[str, tuple[str, str]] = {}
        for row in rows:
            copy = stored.get(row[0])
            if copy is None and row[0] not in first_here:
                first_here[row[0]] = (row[1], row[2])
                self.report.file(row[1]).imported += 1
            elif copy is not None:
                self._duplicate(row, copy)
            else:
                self._duplicate(row, (*first_here[row[0]], self.run_id))

    def written(self, rows: list[tuple]) -> None:
        """Called with the rows this batch newly inserted (first copies only)."""

    def _stored(self, ids: list[str]) -> dict[str, tuple[str, str, int | None]]:
        """Already-stored copies among ``ids``: id → (source, locator, run_id)."""
        found: dict[str, tuple[str, str, int | None]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), LOOKUP_CHUNK):
            chunk = unique[start:start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for cid, source, locator, run_id in self.db.conn.execute(
                    f"SELECT id, source, locator, run_id FROM conversations WHERE id IN ({marks})",
                    chunk):
                found[cid] = (source, locator, run_id)
        return found

    def _duplicate(self, row: tuple, copy: tuple) -> None:
        source, locator, run_id = copy
        earlier = run_id is None or run_id != self.run_id
        self.report.file(row[1]).add_duplicate(earlier=earlier, source=source,
                                               locator=locator)

    def _write_one_by_one(self, rows: list[tuple]) -> None:
        with self.db.atomic():
            for row in rows:
                try:
                    with self.db.atomic():
                        cursor = self.db.conn.execute(INSERT_SQL, row)
                        if cursor.rowcount > 0:
                            self.written([row])
                except ROW_ERRORS as exc:
                    self.rejected.append(Rejection(row[1], row[2], f"cannot be stored: {exc}",
                                                   "invalid_text"))
                    continue
                if cursor.rowcount > 0:
                    self.imported += 1
                    self.report.file(row[1]).imported += 1
                else:
                    self.duplicates += 1
                    copy = self._stored([row[0]]).get(row[0])
                    self._duplicate(row, copy or (row[1], row[2], self.run_id))


def _first_new(rows: list[tuple], stored: dict) -> list[tuple]:
    """The rows whose id was not stored before, each id once."""
    seen: set[str] = set()
    new = []
    for row in rows:
        if row[0] not in stored and row[0] not in seen:
            seen.add(row[0])
            new.append(row)
    return new
