"""Reading the approved pairs an export is made of.

Rows come out in a stable order (conversation, position, id) so the same database always
gives the same file, and are streamed from SQLite rather than loaded as a table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlite_utils import Database

_APPROVED_SQL = (
    "SELECT id, conversation_id, position, system, question, answer FROM pairs"
    " WHERE status = 'approved' ORDER BY conversation_id, position, id"
)


@dataclass(frozen=True, slots=True)
class ApprovedPair:
    id: int
    conversation_id: str
    position: int
    system: str
    question: str
    answer: str


def iter_approved_pairs(db: Database) -> Iterator[ApprovedPair]:
    """Every approved pair, ordered by conversation, position, id."""
    for row in db.query(_APPROVED_SQL):
        yield ApprovedPair(
            id=int(row["id"]),
            conversation_id=row["conversation_id"],
            position=int(row["position"] or 0),
            system=row["system"] or "",
            question=row["question"] or "",
            answer=row["answer"] or "",
        )


def count_approved(db: Database) -> int:
    row = next(db.query("SELECT count(*) AS n FROM pairs WHERE status = 'approved'"))
    return int(row["n"])
