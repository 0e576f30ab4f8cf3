"""The held-out split is frozen at export time: conversations once held out for evaluation
stay held out in every later export, so a later training file never contains what a model
is evaluated on."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from ..db import now_iso


def frozen_conversations(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT conversation_id FROM held_out_conversations")}


def freeze(db: Database, conversation_ids: Iterable[str], manifest: str) -> None:
    """Record conversations held out by the export whose manifest is `manifest` (the first
    export that held a conversation out keeps it)."""
    at = now_iso()
    with db.atomic():
        db.conn.executemany(
            "INSERT OR IGNORE INTO held_out_conversations (conversation_id, held_out_at,"
            " manifest) VALUES (?, ?, ?)", [(cid, at, manifest) for cid in set(conversation_ids)])
