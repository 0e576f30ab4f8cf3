"""OpenAI's files and fine-tuning job routes on the fake server: a job moves
validating_files → running → succeeded (or failed) one step per retrieve; an organisation
can be blocked (HTTP 403, as OpenAI answers new organisations in late 2026). A succeeded job
has a result file (the metrics CSV, base64-encoded as OpenAI serves it) and one checkpoint
per epoch (the last three kept); a tuned model can be deleted."""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from .openai_server import FakeOpenAIServer, RecordedRequest, Reply

STEPS = ("validating_files", "running", "succeeded")
METRICS_HEADER = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"


def metrics_csv(steps: int, *, malformed: bool = False) -> str:
    """A result file: loss falling with each step, a validation value every other step;
    `malformed` puts a row with a word for a number at step 3."""
    lines = [METRICS_HEADER]
    for step in range(1, steps + 1):
        loss = round(2.0 / step, 4)
        valid = f"{round(loss * 1.1, 4)},{round(0.5 + step / 100, 3)}" if step % 2 == 0 else ","
        train = "n/a" if malformed and step == 3 else str(loss)
        lines.append(f"{step},{train},{round(0.4 + step / 100, 3)},{valid}")
    return "\n".join(lines) + "\n"


@dataclass
class FakeFineTuning:
    server: FakeOpenAIServer
    blocked: bool = False
    fail_validation: bool = False  # the job fails while validating its file
    malformed_metrics: bool = False  # the result file has a row with a word for a number
    steps_per_epoch: int = 4
    contents: dict[str, bytes] = field(default_factory=dict)
    deleted_models: list[str] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    creates: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        s = self.server
        s.route("POST", "/v1/files", self._upload)
        s.route("POST", "/v1/fine_tuning/jobs", self._create)
        s.route("GET", "/v1/fine_tuning/jobs", self._list)
        s.route_prefix("GET", "/v1/fine_tuning/jobs/", self._job_get)
        s.route_prefix("POST", "/v1/fine_tuning/jobs/", self._job_post)
        s.route_prefix("GET", "/v1/files/", self._file_content)
        s.route_prefix("DELETE", "/v1/models/", self._delete_model)

    def _upload(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        body = request.body if isinstance(request.body, str) else ""
        name = re.search(r'filename="([^"]*)"', body)
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(body),
                               "created_at": 0, "filename": name.group(1) if name else "x",
                               "purpose": "fine-tune", "status": "processed",
                               "lines": body.count('"messages"')}
        return Reply.json(self.files[file_id])

    def _create(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        self.creates += 1
        if self.blocked:
            return Reply.json({"error": {"message": "Fine-tuning is not available for this "
                                         "organization.", "type": "invalid_request_error",
                                         "code": "training_not_available"}}, status=403)
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("training_file") not in self.files:
            return Reply.json({"error": {"message": "no such file", "code": None}}, status=400)
        job_id = f"ftjob-{next(self._ids)}"
        self.jobs[job_id] = {
            "id": job_id, "object": "fine_tuning.job", "created_at": 0, "error": None,
            "fine_tuned_model": None, "finished_at": None, "hyperparameters":
            body.get("hyperparameters") or {}, "model": body.get("model"),
            "organization_id": "org-fake", "result_files": [], "seed": body.get("seed") or 0,
            "status": STEPS[0], "trained_tokens": None,
            "training_file": body.get("training_file"),
            "validation_file": body.get("validation_file"), "suffix": body.get("suffix"),
            "events": [{"object": "fine_tuning.job.event", "id": "ev-1", "created_at": 1,
                        "level": "info", "message": "Created fine-tuning job"}],
        }
        return Reply.json(self._public(job_id))

    def _public(self, job_id: str) -> dict:
        return {k: v for k, v in self.jobs[job_id].items()
                if k not in ("events", "suffix", "checkpoints")}

    def _advance(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return
        if self.fail_validation and job["status"] == "validating_files":
            job["status"] = "failed"
            job["error"] = {"code": "invalid_training_file", "param": "training_file",
                            "message": "line 3: missing assistant message"}
        else:
            job["status"] = STEPS[STEPS.index(job["status"]) + 1]
        if job["status"] == "succeeded":
            lines = self.files[job["training_file"]]["lines"]
            job["fine_tuned_model"] = f"ft:{job['model']}:org-fake:{job['suffix'] or 'x'}:1"
            job["trained_tokens"] = 100 * lines
            self._write_results(job)
        number = len(job["events"]) + 1
        job["events"].append({"object": "fine_tuning.job.event", "id": f"ev-{number}",
                              "created_at": number, "level": "info",
                              "message": f"Job {job['status']}"})

    def _epochs(self, job: dict) -> int:
        return int((job.get("hyperparameters") or {}).get("n_epochs") or 3)

    def _write_results(self, job: dict) -> None:
        epochs = self._epochs(job)
        file_id = f"file-{next(self._ids)}"
        text = metrics_csv(epochs * self.steps_per_epoch, malformed=self.malformed_metrics)
        self.contents[file_id] = base64.b64encode(text.encode())
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(text),
                               "created_at": 0, "filename": "step_metrics.csv",
                               "purpose": "fine-tune-results", "status": "processed"}
        job["result_files"] = [file_id]
        job["hyperparameters"] = {**(job.get("hyperparameters") or {}), "n_epochs": epochs}
        job["checkpoints"] = [
            {"object": "fine_tuning.job.checkpoint", "id": f"ftckpt-{job['id']}-{epoch}",
             "created_at": epoch, "fine_tuning_job_id": job["id"], "step_number": step,
             "fine_tuned_model_checkpoint": f"{job['fine_tuned_model']}:ckpt-step-{step}",
             "metrics": {"step": step, "train_loss": round(2.0 / step, 4),
                         "valid_loss": round(2.2 / step, 4)}}
            for epoch in range(max(1, epochs - 2), epochs + 1)
            for step in [epoch * self.steps_per_epoch]]

    def _file_content(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")  # /v1/files/{id}/content
        file_id = parts[3] if len(parts) > 3 else ""
        if file_id not in self.contents or parts[-1] != "content":
            return Reply.json({"error": {"message": "no such file", "code": None}}, status=404)
        return Reply("raw", body=self.contents[file_id])

    def _delete_model(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        model = unquote(request.path[len("/v1/models/"):])
        tuned = {j["fine_tuned_model"] for j in self.jobs.values() if j["fine_tuned_model"]}
        if model not in tuned or model in self.deleted_models:
            return Reply.json({"error": {"message": f"The model '{model}' does not exist",
                                         "code": "model_not_found"}}, status=404)
        self.deleted_models.append(model)
        return Reply.json({"id": model, "object": "model", "deleted": True})

    def _job_get(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        job_id = parts[4] if len(parts) > 4 else ""
        if job_id not in self.jobs:
            return Reply.json({"error": {"message": "no such job", "code": None}}, status=404)
        if len(parts) > 5 and parts[5] == "events":
            events = list(reversed(self.jobs[job_id]["events"]))
            return Reply.json({"object": "list", "data": events, "has_more": False})
        if len(parts) > 5 and parts[5] == "checkpoints":
            checkpoints = list(reversed(self.jobs[job_id].get("checkpoints") or []))
            return Reply.json({"object": "list", "data": checkpoints, "has_more": False})
        self._advance(job_id)
        return Reply.json(self._public(job_id))

    def _job_post(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        job_id = parts[4] if len(parts) > 4 else ""
        if job_id not in self.jobs or parts[-1] != "cancel":
            return Reply.json({"error": {"message": "no such job", "code": None}}, status=404)
        self.jobs[job_id]["status"] = "cancelled"
        return Reply.json(self._public(job_id))

    def _list(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        data = [self._public(j) for j in reversed(list(self.jobs))]
        return Reply.json({"object": "list", "data": data, "has_more": False})
