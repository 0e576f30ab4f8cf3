"""Long work that outlives a page run: persisted in the ``jobs`` table, run locally on
threads by the executor, or followed at a provider."""

from .executor import EXECUTOR, Executor, JobBusy, ProgressFn
from .store import (
    ACTIVE,
    CANCELLED,
    FAILED,
    INTERRUPTED,
    JOB_STATUSES,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    Job,
)

__all__ = ["ACTIVE", "CANCELLED", "EXECUTOR", "FAILED", "INTERRUPTED", "JOB_STATUSES", "QUEUED",
           "RUNNING", "SUCCEEDED", "Executor", "Job", "JobBusy", "ProgressFn"]
