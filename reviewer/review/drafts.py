"""Unsaved edits, kept per reviewer and pair until they are saved or discarded.

A draft records the pair version the reviewer started from. Saving it is a version-checked
update in the pairs store; when someone else changed the pair meanwhile, the save is refused
and the draft stays, so the reviewer can read the other change and apply theirs on top.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from ..db import now_iso
from .store import TEXT_FIELDS


@dataclass(frozen=True)
class Draft:
    who: str
    pair_id: int
    base_version: int
    values: dict[str, str]
    updated_at: str


def get(db: Database, who: str, pair_id: int) -> Draft | None:
    row = db.execute(
        "SELECT base_version, system, question, answer, updated_at FROM drafts"
        " WHERE who = ? AND pair_id = ?", [who, int(pair_id)]).fetchone()
    if row is None:
        return None
    return Draft(who, int(pair_id), int(row[0]),
                 {"system": row[1] or "", "question": row[2] or "", "answer": row[3] or ""},
                 row[4])


def save(db: Database, who: str, pair_id: int, base_version: int,
         values: dict[str, str]) -> None:
    """Keep (or replace) the reviewer's draft of a pair."""
    clean = {f: str(values.get(f) or "") for f in TEXT_FIELDS}
    with db.atomic():
        db.execute(
            "INSERT INTO drafts (who, pair_id, base_version, system, question, answer,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(who, pair_id) DO UPDATE"
            " SET base_version = excluded.base_version, system = excluded.system,"
            " question = excluded.question, answer = excluded.answer,"
            " updated_at = excluded.updated_at",
            [who, int(pair_id), int(base_version), clean["system"], clean["question"],
             clean["answer"], now_iso()])


def rebase(db: Database, who: str, pair_id: int, base_version: int) -> None:
    """Apply the draft on top of the pair's current version (after reading the other
    change): the next save is checked against ``base_version``."""
    with db.atomic():
        db.execute("UPDATE drafts SET base_version = ?, updated_at = ? WHERE who = ? AND"
                   " pair_id = ?", [int(base_version), now_iso(), who, int(pair_id)])


def discard(db: Database, who: str, pair_id: int) -> None:
    with db.atomic():
        db.execute("DELETE FROM drafts WHERE who = ? AND pair_id = ?", [who, int(pair_id)])


def pair_ids(db: Database, who: str) -> list[int]:
    """Pairs this reviewer has unsaved drafts of, most recent first."""
    return [int(r[0]) for r in db.execute(
        "SELECT pair_id FROM drafts WHERE who = ? ORDER BY updated_at DESC", [who])]
