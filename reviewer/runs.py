"""The record of import/split/export ``runs``: what ran, with which settings, how it ended.

Pair changes are logged by the pairs store (`reviewer.review.store`), not here.

Each run records the process that runs it (host, pid and the pid's start time). A run left
``running`` by a process that is gone (killed, crashed, machine rebooted) is marked
``interrupted`` by `reap_runs`, which runs whenever a run starts and whenever runs are
listed, so no run stays ``running`` forever:

- same host, owner known: the pid is not alive, or it now belongs to another process;
- another host, or a row from before owners were recorded: its heartbeat (split runs beat,
  see `reviewer.splitting.lease`) is older than `STALE_AFTER`; a row without owner nor
  heartbeat only after `UNOWNED_AFTER`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from .db import now_iso
from .jobs.store import process_alive, this_process

RUNNING, INTERRUPTED = "running", "interrupted"
STALE_AFTER = timedelta(seconds=90)  # a heartbeat older than this: its process is gone
UNOWNED_AFTER = timedelta(hours=24)  # a run with neither owner nor heartbeat


def start_run(db: Database, kind: str, settings: Mapping[str, Any]) -> int:
    """Record the start of an import/split/export run; returns its id.

    Runs left behind by dead processes are marked interrupted first, and the new run's
    message says so (it is kept when the run finishes)."""
    reaped = reap_runs(db)
    host, pid, started = this_process()
    note = "; ".join(_reaped_note(r) for r in reaped) or None
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO runs (kind, started_at, status, settings, message, host, pid,"
            " pid_started) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
            [kind, now_iso(), json.dumps(dict(settings), ensure_ascii=False, default=str),
             note, host, pid, started],
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
    """Record how a run ended. Notes made while it ran (`note_run`) stay in its message."""
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = :at, status = :status, counts = :counts, message ="
            " CASE WHEN message IS NULL OR message = '' THEN :message"
            " WHEN :message IS NULL OR :message = '' THEN message"
            " ELSE message || '; ' || :message END WHERE id = :id",
            {"at": now_iso(), "status": status, "message": message, "id": run_id,
             "counts": json.dumps(dict(counts), ensure_ascii=False, default=str)},
        )


def note_run(db: Database, run_id: int, text: str) -> None:
    """Add a line to a run's message (e.g. that it took over a dead run's lease); the
    caller holds the transaction."""
    db.execute("UPDATE runs SET message = CASE WHEN message IS NULL OR message = '' THEN :text"
               " ELSE message || '; ' || :text END WHERE id = :id", {"text": text, "id": run_id})


def recent_runs(db: Database, limit: int = 20) -> list[dict]:
    reap_runs(db)
    rows = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
    for row in rows:
        row["settings"] = json.loads(row["settings"] or "{}")
        row["counts"] = json.loads(row["counts"] or "{}")
    return rows


# ---- runs whose process is gone ---------------------------------------------------------------

def owner_gone(row: Mapping[str, Any], *, now: datetime | None = None) -> bool:
    """Whether the process of a ``running`` run row (host, pid, pid_started, heartbeat_at,
    started_at) is certainly gone."""
    if row.get("host") == socket.gethostname() and row.get("pid") is not None:
        return not process_alive(int(row["pid"]), row.get("pid_started"))
    now = now or datetime.now(UTC)
    if row.get("heartbeat_at"):
        return _parse(row["heartbeat_at"]) < now - STALE_AFTER
    if row.get("host") is None and row.get("started_at"):
        return _parse(row["started_at"]) < now - UNOWNED_AFTER
    return False  # another host's run without a heartbeat: cannot tell


def interrupted_message(row: Mapping[str, Any]) -> str:
    if row.get("host") == socket.gethostname() and row.get("pid") is not None:
        return f"interrupted: its process (pid {row['pid']}) stopped before the run finished"
    return "interrupted: no sign of life from its process since " + str(
        row.get("heartbeat_at") or row.get("started_at"))


def mark_interrupted(db: Database, row: Mapping[str, Any], message: str | None = None) -> bool:
    """Mark one ``running`` run interrupted; False if it finished meanwhile."""
    cursor = db.execute(
        "UPDATE runs SET status = :status, finished_at = :at, message = CASE"
        " WHEN message IS NULL OR message = '' THEN :message"
        " ELSE message || '; ' || :message END WHERE id = :id AND status = :running",
        {"status": INTERRUPTED, "at": now_iso(), "message": message or interrupted_message(row),
         "id": int(row["id"]), "running": RUNNING})
    return cursor.rowcount > 0


def reap_runs(db: Database, *, skip_kinds: tuple[str, ...] = ()) -> list[dict]:
    """Mark ``interrupted`` every running run whose process is gone; returns those rows.
    ``skip_kinds`` leaves some to their own mechanism (a split's lease is taken over, and
    said so, by the next split)."""
    rows = [dict(r) for r in db.query(
        "SELECT id, kind, started_at, heartbeat_at, host, pid, pid_started FROM runs"
        " WHERE status = ?", [RUNNING]) if r["kind"] not in skip_kinds]
    gone = [r for r in rows if owner_gone(r)]
    reaped = []
    if gone:
        with db.atomic():
            reaped = [r for r in gone if mark_interrupted(db, r)]
    return reaped


def _reaped_note(row: Mapping[str, Any]) -> str:
    note = f"run {row['id']} ({row['kind']}) marked interrupted: its process is gone"
    if row["kind"] == "split" and row.get("heartbeat_at") and _parse(
            row["heartbeat_at"]) >= datetime.now(UTC) - STALE_AFTER:
        note += "; its split lease is taken over"
    return note


def _parse(stamp: str) -> datetime:
    when = datetime.fromisoformat(stamp)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
