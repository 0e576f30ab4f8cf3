"""The record of import/split/export ``runs``: what ran, with which settings, how it ended.

Pair changes are logged by the pairs store (`reviewer.review.store`), not here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from .db import now_iso


def start_run(db: Database, kind: str, settings: Mapping[str, Any]) -> int:
    """Record the start of an import/split/export run; returns its id."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO runs (kind, started_at, status, settings) VALUES (?, ?, 'running', ?)",
            [kind, now_iso(), json.dumps(dict(settings), ensure_ascii=False, default=str)],
        )
    return int(cursor.lastrowid or 0)


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
