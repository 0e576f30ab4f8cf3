"""Background jobs for work that outlives one page run (an LLM split of thousands of
conversations).

Streamlit stops a script run as soon as the user touches any widget, so long work started
from a page must not run inside it. A job runs on its own thread, never calls Streamlit,
and reports progress through plain attributes the page polls. At most one job of a kind
runs per database at a time, so two clicks cannot start competing splits.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]

RUNNING, DONE, FAILED = "running", "done", "failed"


class JobBusy(RuntimeError):
    """A job of the same kind is already running on this database."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already running ({job.done}/{job.total})")
        self.job = job


@dataclass
class Job:
    id: int
    kind: str
    key: str  # what the job works on, e.g. the database path
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    done: int = 0
    total: int = 0
    state: str = RUNNING
    result: Any = None
    error: str | None = None
    exception: BaseException | None = None  # what `error` describes, for callers to inspect

    def progress(self, done: int, total: int) -> None:
        """Progress callback handed to the work function (called from the job's thread)."""
        self.done, self.total = done, total

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def seconds(self) -> float:
        return (self.finished_at or time.time()) - self.started_at


class JobRunner:
    """Starts jobs on threads and remembers the latest job per (kind, key)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._latest: dict[tuple[str, str], Job] = {}
        self._threads: dict[int, threading.Thread] = {}

    def start(self, kind: str, key: str, work: Callable[[ProgressFn], Any]) -> Job:
        """Run ``work(progress)`` on a new thread; raises JobBusy if one is still running."""
        with self._lock:
            current = self._latest.get((kind, key))
            if current is not None and current.running:
                raise JobBusy(current)
            job = Job(id=next(self._ids), kind=kind, key=key)
            thread = threading.Thread(target=self._run, args=(job, work), daemon=True,
                                      name=f"job-{kind}-{job.id}")
            self._latest[(kind, key)] = job
            self._threads[job.id] = thread
        thread.start()
        return job

    def latest(self, kind: str, key: str) -> Job | None:
        with self._lock:
            return self._latest.get((kind, key))

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until the job ends (tests, CLI); True if it ended within the timeout."""
        thread = self._threads.get(job.id)
        if thread is not None:
            thread.join(timeout)
        return not job.running

    def _run(self, job: Job, work: Callable[[ProgressFn], Any]) -> None:
        try:
            job.result = work(job.progress)
            job.state = DONE
        except Exception as exc:  # reported to the page, never lost in a thread
            log.exception("%s job %s failed", job.kind, job.id)
            job.exception = exc
            job.error = f"{type(exc).__name__}: {exc}"
            job.state = FAILED
        finally:
            job.finished_at = time.time()
            with self._lock:
                self._threads.pop(job.id, None)


# One runner per process: every browser session (and a test) sees the same jobs, so a split
# started in one tab shows its progress in another and cannot be started twice.
RUNNER = JobRunner()
