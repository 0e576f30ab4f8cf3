"""The ``jobs`` table: long work that must survive a restart of the app.

A job is anything that takes longer than a page run: a local split on a thread today; a
provider-side batch split, a fine-tune or an evaluation run next. Its state lives here, not
in memory, so the CLI and every browser tab read the same progress, and a restarted app
still knows what ran. Local jobs record the process that runs them (host, pid and the pid's
start time, so a reused pid is not mistaken for the owner); a local job whose process is
gone is marked ``interrupted`` the next time anyone looks (`reap`). Remote jobs (an id at a
provider) are followed by polling and never reaped.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..db import now_iso

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED = (
    "queued", "running", "succeeded", "failed", "cancelled", "interrupted")
JOB_STATUSES: tuple[str, ...] = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED)
ACTIVE: tuple[str, ...] = (QUEUED, RUNNING)

_JSON_FIELDS = ("settings", "result")


@dataclass(frozen=True)
class Job:
    """One row of ``jobs``, with its JSON fields decoded."""

    id: int
    kind: str
    status: str
    provider: str | None
    external_id: str | None
    input_ref: str | None
    output_ref: str | None
    done: int
    total: int
    settings: dict
    result: Any
    error: str | None
    error_type: str | None
    created_at: str
    updated_at: str
    finished_at: str | None
    host: str | None
    pid: int | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _job(row: Mapping[str, Any]) -> Job:
    data = dict(row)
    for name in _JSON_FIELDS:
        data[name] = json.loads(data[name]) if data.get(name) else ({} if name == "settings"
                                                                       else None)
    return Job(
        id=int(data["id"]), kind=data["kind"], status=data["status"],
        provider=data.get("provider"), external_id=data.get("external_id"),
        input_ref=data.get("input_ref"), output_ref=data.get("output_ref"),
        done=int(data.get("done") or 0), total=int(data.get("total") or 0),
        settings=data["settings"], result=data["result"], error=data.get("error"),
        error_type=data.get("error_type"), created_at=data["created_at"],
        updated_at=data["updated_at"], finished_at=data.get("finished_at"),
        host=data.get("host"), pid=data.get("pid"),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# ---- the process that owns a local job --------------------------------------------------------

def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def this_process() -> tuple[str, int, str | None]:
    pid = os.getpid()
    return socket.gethostname(), pid, _process_start(pid)


def process_alive(pid: int, started: str | None) -> bool:
    """Whether ``pid`` still runs on this host and is the same process that started then."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    if started is None:
        return True
    now_started = _process_start(pid)
    return now_started is None or now_started == started


# ---- writing ----------------------------------------------------------------------------------

def create(db: Database, kind: str, *, settings: Mapping[str, Any] | None = None,
           provider: str | None = None, external_id: str | None = None,
           input_ref: str | None = None, status: str = QUEUED, local: bool = True) -> int:
    """Record a new job; a local one is owned by this process. Returns its id."""
    host, pid, started = this_process() if local else (None, None, None)
    at = now_iso()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO jobs (kind, status, provider, external_id, input_ref, settings, done,"
            " total, created_at, updated_at, host, pid, pid_started)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)",
            [kind, status, provider, external_id, input_ref, _dumps(dict(settings or {})),
             at, at, host, pid, started])
    return int(cursor.lastrowid or 0)


def update(db: Database, job_id: int, **fields: Any) -> None:
    """Set some of: status, done, total, external_id, output_ref, result, error, error_type."""
    allowed = {"status", "done", "total", "external_id", "output_ref", "result", "error",
               "error_type"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)} on a job")
    if "status" in fields and fields["status"] not in JOB_STATUSES:
        raise ValueError(f"unknown job status {fields['status']!r}")
    values = {k: (_dumps(v) if k == "result" else v) for k, v in fields.items()}
    values["updated_at"] = now_iso()
    if fields.get("status") in (SUCCEEDED, FAILED, CANCELLED, INTERRUPTED):
        values["finished_at"] = values["updated_at"]
    sets = ", ".join(f"{k} = ?" for k in values)
    with db.atomic():
        db.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*values.values(), int(job_id)])


def reap(db: Database) -> list[int]:
    """Mark ``interrupted`` every active local job of this host whose process is gone.

    Called before jobs are listed or started, so a job killed with its process never stays
    ``running``. Returns the ids it marked.
    """
    host = socket.gethostname()
    rows = db.execute(
        "SELECT id, pid, pid_started FROM jobs WHERE status IN (?, ?) AND host = ?"
        " AND pid IS NOT NULL", [*ACTIVE, host]).fetchall()
    dead = [int(job_id) for job_id, pid, started in rows
            if not process_alive(int(pid), started)]
    for job_id in dead:
        update(db, job_id, status=INTERRUPTED,
               error="interrupted: the process running this job stopped before it finished")
    return dead


# ---- reading ----------------------------------------------------------------------------------

def get(db: Database, job_id: int) -> Job | None:
    rows = list(db.query("SELECT * FROM jobs WHERE id = ?", [int(job_id)]))
    return _job(rows[0]) if rows else None


def latest(db: Database, kind: str) -> Job | None:
    rows = list(db.query("SELECT * FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1", [kind]))
    return _job(rows[0]) if rows else None


def active(db: Database, kind: str) -> Job | None:
    """The oldest queued or running job of ``kind``, after reaping dead ones."""
    reap(db)
    rows = list(db.query(
        "SELECT * FROM jobs WHERE kind = ? AND status IN (?, ?) ORDER BY id LIMIT 1",
        [kind, *ACTIVE]))
    return _job(rows[0]) if rows else None


def recent(db: Database, *, kind: str | None = None, limit: int = 50) -> list[Job]:
    reap(db)
    if kind:
        rows = db.query("SELECT * FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT ?",
                        [kind, int(limit)])
    else:
        rows = db.query("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", [int(limit)])
    return [_job(r) for r in rows]
