"""One split at a time per database, across processes (the CLI and the app).

Two splits over the same pending conversations would each insert their pairs, giving
reviewers duplicates. A run row with a recent heartbeat is the lease: a split refuses to
start while another split's heartbeat is fresh. The lease of a killed split on this host is
taken over at once (its pid is gone, or belongs to another process now: `runs.owner_gone`),
and both runs' messages say so; a split on another host stops beating and goes stale, so it
never blocks for longer than `STALE_AFTER`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ..db import connect, now_iso
from ..runs import STALE_AFTER, mark_interrupted, note_run, owner_gone

__all__ = ["HEARTBEAT_EVERY", "STALE_AFTER", "Heartbeat", "SplitBusy", "claim"]

HEARTBEAT_EVERY = 15.0  # seconds


class SplitBusy(RuntimeError):
    """Another split is running on this database."""

    def __init__(self, run_id: int, heartbeat_at: str) -> None:
        super().__init__(
            f"another split (run {run_id}) is running on this database (last seen "
            f"{heartbeat_at}); wait for it to finish")
        self.run_id = run_id


def claim(db: Database, run_id: int) -> list[int]:
    """Make `run_id` the live split, or raise SplitBusy if another one is live. Returns
    the ids of dead splits whose lease it took over."""
    cutoff = (datetime.now(UTC) - STALE_AFTER).isoformat(timespec="microseconds")
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")  # no other writer between the check and the claim
    try:
        holders = [dict(r) for r in db.query(
            "SELECT id, started_at, heartbeat_at, host, pid, pid_started FROM runs"
            " WHERE kind = 'split' AND status = 'running' AND id != ? AND heartbeat_at > ?"
            " ORDER BY id", [run_id, cutoff])]
        taken: list[int] = []
        for holder in holders:
            if not owner_gone(holder):
                raise SplitBusy(holder["id"], holder["heartbeat_at"])
            mark_interrupted(db, holder, f"interrupted: its process (pid {holder['pid']}) is "
                                         f"gone; run {run_id} took over its split lease")
            note_run(db, run_id, f"took over the split lease of run {holder['id']}, whose "
                                 "process is gone")
            taken.append(int(holder["id"]))
        conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [now_iso(), run_id])
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return taken


class Heartbeat:
    """Refreshes the run's heartbeat from a background thread until stopped."""

    def __init__(self, db_path: Path, run_id: int, every: float = HEARTBEAT_EVERY) -> None:
        self._db_path, self._run_id, self._every = db_path, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="split-heartbeat")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        db = connect(self._db_path)
        try:
            while not self._stop.wait(self._every):
                with db.atomic():
                    db.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?",
                               [now_iso(), self._run_id])
        finally:
            db.close()
