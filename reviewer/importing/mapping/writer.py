"""Stores mapped records: conversations, and the ready pairs that hang on them.

Ready pairs go in through the pairs store (`add_pairs_in_bulk`, origin ``import``) in the same
transaction as their conversation row, and only for a conversation this import newly
inserted: the conversation's content id (its system line, question and answer for template
pairs) makes a second import of the same records add nothing at all. Such conversations are
stored as already split (splitter ``import``), so a split never touches them.

Each pair gets the risk flags that apply to a ready pair (`imported_flags`: personal data and
small talk), as a split pair gets its flags when it is stored.
"""

from __future__ import annotations

from sqlite_utils import Database

from ...models import Conversation, QAPair
from ...review.flags import Flag, imported_flags
from ...review.store import NewPair, add_pairs_in_bulk
from ..report import ImportReport
from ..store import ConversationWriter

IMPORT_ORIGIN = "import"


class PairWriter(ConversationWriter):
    split_status = "split"

    def __init__(self, db: Database, *, run_id: int | None, imported_at: str, who: str,
                 report: ImportReport, batch_size: int | None = None):
        super().__init__(db, run_id=run_id, imported_at=imported_at, report=report,
                         batch_size=batch_size)
        self.who = who
        self.pairs_created = 0
        self._pending: dict[tuple[str, str], list[QAPair]] = {}

    def add_with_pairs(self, conv: Conversation, pairs: list[QAPair]) -> None:
        # Keyed by where the record is: only a conversation's first copy is written, and
        # it finds its own pairs (a later copy in this batch adds none).
        self._pending[(conv.source, conv.locator)] = pairs
        self.add(conv)

    def written(self, rows: list[tuple]) -> None:
        new = []
        for row in rows:
            for position, pair in enumerate(self._pending.get((row[1], row[2]), ())):
                flags = tuple(_stored(flag) for flag in imported_flags(
                    pair.question, pair.answer, pair.system))
                new.append(NewPair(row[0], pair.system, pair.question, pair.answer,
                                   position=position, origin=IMPORT_ORIGIN,
                                   question_turns=pair.question_turns,
                                   answer_turns=pair.answer_turns, flags=flags))
        self.pairs_created += add_pairs_in_bulk(self.db, new, who=self.who,
                                                run_id=self.run_id)
        self.db.conn.executemany(
            "UPDATE conversations SET splitter = ?, split_at = ? WHERE id = ?",
            [(IMPORT_ORIGIN, self.imported_at, row[0]) for row in rows])

    def flush(self) -> None:
        super().flush()
        self._pending.clear()


def _stored(flag: Flag) -> dict:
    return {"code": flag.code, "severity": flag.severity, "detail": flag.detail}
