"""Together AI's own fine-tuning API (`/v1/files/upload`, `/v1/fine-tunes`), through the
`openai` client's plain HTTP calls (same key rules, retries and errors): Together's chat is
OpenAI-shaped but its jobs are not. Same interface as `OpenAICompatibleTrainer`; creating a
job is never retried."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..llm.client import make_client
from ..llm.endpoint import Endpoint
from .adapter import Checkpoint, JobInfo, Serving, TrainingError, explain

STATUS = {"pending": "pending", "queued": "pending", "running": "running",
          "compressing": "running", "uploading": "running", "completed": "succeeded",
          "error": "failed", "user_error": "failed", "cancel_requested": "cancelled",
          "cancelled": "cancelled"}
HYPERPARAMETERS = {"n_epochs": "n_epochs", "batch_size": "batch_size",
                   "learning_rate_multiplier": "learning_rate"}


def _info(job: dict[str, Any]) -> JobInfo:
    raw = str(job.get("status") or "")
    error = job.get("error") or job.get("message") if raw in ("error", "user_error") else None
    return JobInfo(str(job.get("id")), STATUS.get(raw, "pending"), raw, job.get("model"),
                   job.get("output_name"), job.get("trained_tokens") or job.get("token_count"),
                   str(error) if error else None, epochs=job.get("n_epochs"))


class TogetherTrainer:
    def __init__(self, endpoint: Endpoint, *, timeout: float = 120.0) -> None:
        self.endpoint = endpoint
        self._client = make_client(endpoint, timeout=timeout, max_retries=2)
        self._once = make_client(endpoint, timeout=timeout, max_retries=0)

    def _call(self, method: str, path: str, *, once: bool = False, body: Any = None,
              files: Any = None) -> dict[str, Any]:
        client = self._once if once else self._client
        try:
            if method == "GET":
                data = client.get(path, cast_to=object)
            elif files is not None:
                data = client.post(path, body=body, files=files, cast_to=object,
                                   options={"headers": {"Content-Type": "multipart/form-data"}})
            else:
                data = client.post(path, body=body, cast_to=object)
        except Exception as exc:
            raise explain(exc, openai_wind_down=False) from None
        return data if isinstance(data, dict) else {"data": data}

    def upload(self, path: Path) -> str:
        with open(path, "rb") as handle:
            data = self._call("POST", "/files/upload", once=True,
                              body={"purpose": "fine-tune", "file_name": path.name},
                              files=[("file", (path.name, handle, "application/jsonl"))])
        return str(data["id"])

    def create(self, *, model: str, training_file: str, validation_file: str | None,
               hyperparameters: dict[str, Any], suffix: str | None,
               seed: int | None) -> JobInfo:
        body: dict[str, Any] = {"model": model, "training_file": training_file}
        if validation_file:
            body["validation_file"] = validation_file
        for ours, theirs in HYPERPARAMETERS.items():
            if ours in hyperparameters:
                body[theirs] = hyperparameters[ours]
        if suffix:
            body["suffix"] = suffix
        if seed is not None:
            body["random_seed"] = seed
        return _info(self._call("POST", "/fine-tunes", once=True, body=body))

    def retrieve(self, job_id: str) -> JobInfo:
        return _info(self._call("GET", f"/fine-tunes/{job_id}"))

    def events(self, job_id: str, limit: int = 100) -> list[dict[str, Any]]:
        data = self._call("GET", f"/fine-tunes/{job_id}/events").get("data") or []
        return [{"at": e.get("created_at"), "level": e.get("level"),
                 "message": e.get("message", "")} for e in data][-limit:]

    def cancel(self, job_id: str) -> JobInfo:
        return _info(self._call("POST", f"/fine-tunes/{job_id}/cancel", once=True))

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        return [_info(j) for j in (self._call("GET", "/fine-tunes").get("data") or [])][:limit]

    def checkpoints(self, job_id: str) -> list[Checkpoint]:
        return []  # not read from Together here yet

    def metrics_file(self, info: JobInfo) -> bytes | None:
        return None  # Together keeps metrics in its own dashboard and W&B

    def delete_model(self, model: str) -> bool:
        raise TrainingError("deleting a tuned model is done in Together's dashboard; this "
                            "app does not call it")

    def serving(self, info: JobInfo) -> Serving | None:
        if not info.fine_tuned_model:
            return None
        return Serving(self.endpoint.safe_url, info.fine_tuned_model,
                       "Serverless for a short list of base models; others need a dedicated "
                       "endpoint (or a LoRA-enabled one) before they answer.", True)
