"""Fine-tuning jobs at the providers still open: start one from an export that passed the
gate, follow it across restarts (a persisted job row), read its events, checkpoints and
metrics, cancel it, delete the tuned model."""

from .adapter import JobInfo, TrainingError
from .service import (
    TrainingRequest,
    cancel,
    delete_model,
    fetch_results,
    follow_once,
    job_events,
    start_training,
)

__all__ = ["JobInfo", "TrainingError", "TrainingRequest", "cancel", "delete_model",
           "fetch_results", "follow_once", "job_events", "start_training"]
