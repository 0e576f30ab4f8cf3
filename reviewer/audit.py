"""Append-only audit log (`events`) and the record of import/split/export `runs`.

Every change to a pair goes through `record_event`, in the same transaction as the change,
so the log can never disagree with the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from .db import now_iso


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def record_event(
    db: Database,
    *,
    who: str,
    action: str,
    pair_id: int | None = None,
    conversation_id: str | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    run_id: int | None = None,
) -> None:
    """Append one event. Call inside the caller's transaction."""
    db.execute(
        "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new, run_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [now_iso(), who, pair_id, conversation_id, action, field, _as_text(old), _as_text(new),
         run_id],
    )


def record_events(db: Database, rows: Iterable[Mapping[str, Any]]) -> None:
    """Append many events at once (same keys as `record_event`)."""
    at = now_iso()
    db.conn.executemany(
        "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new, run_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [at, r["who"], r.get("pair_id"), r.get("conversation_id"), r["action"],
             r.get("field"), _as_text(r.get("old")), _as_text(r.get("new")), r.get("run_id")]
            for r in rows
        ],
    )


def events_for_pair(db: Database, pair_id: int) -> list[dict]:
    """The history of one pair, oldest first."""
    return list(db.query("SELECT * FROM events WHERE pair_id = ? ORDER BY id", [pair_id]))


def start_run(db: Database, kind: str, settings: Mapping[str, Any]) -> int:
    """Record the start of an import/split/export run; returns its id."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO runs (kind, started_at, status, settings) VALUES (?, ?, 'running', ?)",
            [kind, now_iso(), json.dumps(dict(settings), ensure_ascii=False, default=str)],
        )
    return int(cursor.lastrowid)


def finish_run(
    db: Database,
    run_id: int,
    counts: Mapping[str, Any],
    *,
    status: str = "done",
    message: str | None = None,
) -> None:
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE id = ?",
            [now_iso(), status, json.dumps(dict(counts), ensure_ascii=False, default=str),
             message, run_id],
        )


def recent_runs(db: Database, limit: int = 20) -> list[dict]:
    rows = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
    for row in rows:
        row["settings"] = json.loads(row["settings"] or "{}")
        row["counts"] = json.loads(row["counts"] or "{}")
    return rows
