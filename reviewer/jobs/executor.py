"""Runs local jobs on threads and keeps their state in the ``jobs`` table.

Streamlit stops a script run as soon as the user touches any widget, so long work started
from a page must not run inside it. A job runs on its own thread, never calls Streamlit, and
writes its progress to SQLite, where the page (any tab, after any restart) and the CLI read
it. At most one active job of a kind runs per database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..db import connect
from . import store
from .store import Job

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
PROGRESS_EVERY = 0.5  # seconds between progress writes; the last one is always written


class JobBusy(RuntimeError):
    """A job of the same kind is already active on this database."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already running (job {job.id}: "
                         f"{job.done}/{job.total or '?'})")
        self.job = job


class _Progress:
    """The progress callback handed to the work; writes at most every `PROGRESS_EVERY`."""

    def __init__(self, db: Database, job_id: int) -> None:
        self.db, self.job_id = db, job_id
        self.done = self.total = 0
        self._written = (-1, -1)
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = int(done), int(total)
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY or self.done >= self.total:
            self.flush()
            self._last = now

    def flush(self) -> None:
        if (self.done, self.total) != self._written:
            store.update(self.db, self.job_id, done=self.done, total=self.total)
            self._written = (self.done, self.total)


def _jsonable(result: Any) -> Any:
    to_dict = getattr(result, "to_dict", None)
    return to_dict() if callable(to_dict) else result


class Executor:
    """Starts jobs on threads; one instance per process (`EXECUTOR`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[tuple[str, int], threading.Thread] = {}

    def start(self, db_path: str | PathLike[str], kind: str, work: Callable[[ProgressFn], Any],
              *, settings: dict | None = None) -> int:
        """Record a job and run ``work(progress)`` on a new thread; returns the job id.

        Raises `JobBusy` when a job of ``kind`` is already active on this database.
        """
        path = str(Path(db_path).resolve())
        with self._lock:
            db = connect(path)
            try:
                current = store.active(db, kind)
                if current is not None:
                    raise JobBusy(current)
                job_id = store.create(db, kind, settings=settings, status=store.RUNNING)
            finally:
                db.close()
            thread = threading.Thread(target=self._run, args=(path, job_id, work), daemon=True,
                                      name=f"job-{kind}-{job_id}")
            self._threads[(path, job_id)] = thread
        thread.start()
        return job_id

    def wait(self, db_path: str | PathLike[str], job_id: int,
             timeout: float | None = None) -> bool:
        """Block until the job's thread ends (tests, CLI); True if it ended in time."""
        with self._lock:
            thread = self._threads.get((str(Path(db_path).resolve()), int(job_id)))
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self, path: str, job_id: int, work: Callable[[ProgressFn], Any]) -> None:
        db = connect(path)
        progress = _Progress(db, job_id)
        try:
            result = work(progress)
            progress.flush()
            store.update(db, job_id, status=store.SUCCEEDED, result=_jsonable(result))
        except Exception as exc:  # reported through the table, never lost in a thread
            log.exception("job %s failed", job_id)
            progress.flush()
            store.update(db, job_id, status=store.FAILED, error=f"{type(exc).__name__}: {exc}",
                         error_type=type(exc).__name__)
        finally:
            db.close()
            with self._lock:
                self._threads.pop((path, job_id), None)


# One executor per process: every browser session sees the same threads.
EXECUTOR = Executor()
