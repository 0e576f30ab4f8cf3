"""Fine-tuning jobs at the providers still open: start one from an export that passed the
gate, follow it across restarts (a persisted job row), read its events, cancel it."""

from .adapter import JobInfo, TrainingError
from .service import TrainingRequest, cancel, follow_once, job_events, start_training

__all__ = ["JobInfo", "TrainingError", "TrainingRequest", "cancel", "follow_once", "job_events",
           "start_training"]
