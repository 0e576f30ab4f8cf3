"""The OpenAI-shaped fine-tuning API (OpenAI, Azure OpenAI's v1 endpoint, any host that
speaks it) through the `openai` SDK: upload, create, retrieve, events, cancel, list,
checkpoints, the result (metrics) file, and deleting a tuned model.

Creating a job is never retried (the client has no retries for it): a retry after a lost
answer could start a second paid job. Statuses are normalised to pending / running /
succeeded / failed / cancelled; the provider's own word is kept beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai

from ..llm.client import make_client
from ..llm.endpoint import Endpoint

STATUS = {"validating_files": "pending", "queued": "pending", "running": "running",
          "succeeded": "succeeded", "failed": "failed", "cancelled": "cancelled"}

# OpenAI stopped taking fine-tuning jobs from new organisations and takes none after
# 2027-01-06; say so plainly, with where the same file can still be trained.
WIND_DOWN = (
    "this provider does not take fine-tuning jobs from this account (OpenAI refuses new "
    "organisations now and takes no new jobs after 2027-01-06). The same export trains "
    "as is on Azure OpenAI (its v1 endpoint takes the same calls), Together or Fireworks, "
    "or locally with TRL, Unsloth or Axolotl.")

AZURE_DEPLOY = (
    "Azure OpenAI serves a tuned model only from a deployment: deploy it in the Azure portal "
    "or through the management API, then call it by the deployment name. A deployment left "
    "idle for 15 days is deleted.")


class TrainingError(RuntimeError):
    """The provider refused or failed a training call; the message says why, key-free."""


@dataclass(frozen=True)
class JobInfo:
    external_id: str
    status: str  # pending | running | succeeded | failed | cancelled
    raw_status: str
    model: str | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: str | None = None
    result_files: list[str] = field(default_factory=list)
    epochs: int | None = None  # as the provider resolved it ("auto" becomes a number)
    metrics_url: str | None = None  # a signed link to the metrics file (Fireworks)


@dataclass(frozen=True)
class Checkpoint:
    step: int | None
    model: str  # a model id that can be called (or deployed) like the tuned model
    train_loss: float | None = None
    valid_loss: float | None = None
    created_at: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "model": self.model, "train_loss": self.train_loss,
                "valid_loss": self.valid_loss, "created_at": self.created_at}


@dataclass(frozen=True)
class Serving:
    """Where the tuned model answers: an OpenAI-compatible base URL and the model id, and
    what has to happen first (a deployment, on some providers)."""

    base_url: str
    model: str
    note: str = ""
    needs_deployment: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model, "note": self.note,
                "needs_deployment": self.needs_deployment}


def _epochs(job: Any) -> int | None:
    hyper = getattr(job, "hyperparameters", None)
    value = getattr(hyper, "n_epochs", None) if hyper is not None else None
    if value is None:
        method = getattr(job, "method", None)
        sup = getattr(method, "supervised", None) if method is not None else None
        hyper = getattr(sup, "hyperparameters", None) if sup is not None else None
        value = getattr(hyper, "n_epochs", None) if hyper is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _info(job: Any) -> JobInfo:
    error = getattr(job, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    raw = str(getattr(job, "status", "") or "")
    return JobInfo(str(job.id), STATUS.get(raw, "pending"), raw, getattr(job, "model", None),
                   getattr(job, "fine_tuned_model", None), getattr(job, "trained_tokens", None),
                   message or None, list(getattr(job, "result_files", None) or []),
                   _epochs(job))


def explain(exc: Exception, *, openai_wind_down: bool = True) -> TrainingError:
    """A key-free `TrainingError` for an SDK exception; on OpenAI's API a refused account
    (HTTP 403, ``training_not_available``) is the wind-down, explained."""
    if openai_wind_down and (isinstance(exc, openai.PermissionDeniedError) or (
            isinstance(exc, openai.APIStatusError)
            and "training_not_available" in str(getattr(exc, "body", "") or ""))):
        return TrainingError(WIND_DOWN)
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        inner = body.get("error", body) if isinstance(body, dict) else {}
        message = inner.get("message") if isinstance(inner, dict) else None
        return TrainingError(f"HTTP {exc.status_code}: {message or exc.message}"[:500])
    if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError):
        return TrainingError(f"cannot reach the provider: {exc}"[:500])
    return TrainingError(f"{type(exc).__name__}: {exc}"[:500])


class OpenAICompatibleTrainer:
    """One provider endpoint; the key never leaves the client."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = 120.0) -> None:
        self.endpoint = endpoint
        self._client = make_client(endpoint, timeout=timeout, max_retries=2)
        self._once = make_client(endpoint, timeout=timeout, max_retries=0)

    def upload(self, path: Path) -> str:
        try:
            with open(path, "rb") as handle:
                return str(self._once.files.create(file=handle, purpose="fine-tune").id)
        except Exception as exc:
            raise explain(exc) from None

    def create(self, *, model: str, training_file: str, validation_file: str | None,
               hyperparameters: dict[str, Any], suffix: str | None,
               seed: int | None) -> JobInfo:
        kwargs: dict[str, Any] = {"model": model, "training_file": training_file}
        if validation_file:
            kwargs["validation_file"] = validation_file
        if hyperparameters:
            kwargs["hyperparameters"] = hyperparameters
        if suffix:
            kwargs["suffix"] = suffix
        if seed is not None:
            kwargs["seed"] = seed
        try:
            return _info(self._once.fine_tuning.jobs.create(**kwargs))
        except Exception as exc:
            raise explain(exc) from None

    def retrieve(self, job_id: str) -> JobInfo:
        try:
            return _info(self._client.fine_tuning.jobs.retrieve(job_id))
        except Exception as exc:
            raise explain(exc) from None

    def events(self, job_id: str, limit: int = 100) -> list[dict[str, Any]]:
        try:
            page = self._client.fine_tuning.jobs.list_events(job_id, limit=limit)
        except Exception as exc:
            raise explain(exc) from None
        events = [{"at": getattr(e, "created_at", None), "level": getattr(e, "level", None),
                   "message": getattr(e, "message", "")} for e in page.data]
        return list(reversed(events))  # oldest first

    def cancel(self, job_id: str) -> JobInfo:
        try:
            return _info(self._once.fine_tuning.jobs.cancel(job_id))
        except Exception as exc:
            raise explain(exc) from None

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        try:
            return [_info(j) for j in self._client.fine_tuning.jobs.list(limit=limit).data]
        except Exception as exc:
            raise explain(exc) from None

    def checkpoints(self, job_id: str) -> list[Checkpoint]:
        try:
            page = self._client.fine_tuning.jobs.checkpoints.list(job_id, limit=100)
        except Exception as exc:
            raise explain(exc) from None
        out = []
        for item in page.data:
            metrics = getattr(item, "metrics", None)
            step = getattr(item, "step_number", None)
            out.append(Checkpoint(
                int(step) if step is not None else None, str(item.fine_tuned_model_checkpoint),
                getattr(metrics, "train_loss", None), getattr(metrics, "valid_loss", None),
                getattr(item, "created_at", None)))
        return sorted(out, key=lambda c: c.step or 0)

    def metrics_file(self, info: JobInfo) -> bytes | None:
        """The job's result file (CSV, as served), or None before the job wrote one."""
        if not info.result_files:
            return None
        try:
            return bytes(self._client.files.content(info.result_files[0]).content)
        except Exception as exc:
            raise explain(exc) from None

    def delete_model(self, model: str) -> bool:
        """Delete a tuned model at the provider; True when it says it is gone."""
        try:
            return bool(getattr(self._once.models.delete(model), "deleted", False))
        except Exception as exc:
            raise explain(exc, openai_wind_down=False) from None

    def serving(self, info: JobInfo) -> Serving | None:
        if not info.fine_tuned_model:
            return None
        host = urlsplit(self.endpoint.base_url).hostname or ""
        if host.endswith(".openai.azure.com"):
            return Serving(self.endpoint.safe_url, info.fine_tuned_model, AZURE_DEPLOY, True)
        return Serving(self.endpoint.safe_url, info.fine_tuned_model,
                       "Ready: call it through chat completions at this base URL.")
