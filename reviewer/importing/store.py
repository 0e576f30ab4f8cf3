"""Batched, idempotent writes of imported conversations.

The primary key is the content hash, so ``INSERT OR IGNORE`` makes re-imports (and repeats
inside one batch) no-ops; the statement's row count tells imported from duplicate.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..models import Conversation, turns_to_json

COLUMNS = ("id", "source", "locator", "fmt", "title", "external_id", "text", "turns",
           "imported_at", "run_id", "split_status")
INSERT_SQL = (
    f"INSERT OR IGNORE INTO conversations ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)
BATCH_SIZE = 2_000


def conversation_row(conv: Conversation, imported_at: str, run_id: int | None) -> tuple:
    return (conv.content_id(), conv.source, conv.locator, conv.fmt, conv.title,
            conv.external_id, conv.text, turns_to_json(conv.turns), imported_at, run_id,
            "pending")


class ConversationWriter:
    """Collects rows and writes them in batches, each batch in one transaction."""

    def __init__(self, db: Database, *, run_id: int | None, imported_at: str,
                 batch_size: int = BATCH_SIZE):
        self.db = db
        self.run_id = run_id
        self.imported_at = imported_at
        self.batch_size = batch_size
        self.imported = 0
        self.duplicates = 0
        self._rows: list[tuple] = []

    def add(self, conv: Conversation) -> None:
        self._rows.append(conversation_row(conv, self.imported_at, self.run_id))
        if len(self._rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        with self.db.atomic():
            cursor = self.db.conn.executemany(INSERT_SQL, rows)
        inserted = max(cursor.rowcount, 0)
        self.imported += inserted
        self.duplicates += len(rows) - inserted
