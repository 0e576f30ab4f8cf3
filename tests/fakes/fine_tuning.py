"""OpenAI's files and fine-tuning job routes on the fake server: a job moves
validating_files → running → succeeded (or failed) one step per retrieve; an organisation
can be blocked (HTTP 403, as OpenAI answers new organisations in late 2026)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .openai_server import FakeOpenAIServer, RecordedRequest, Reply

STEPS = ("validating_files", "running", "succeeded")


@dataclass
class FakeFineTuning:
    server: FakeOpenAIServer
    blocked: bool = False
    fail_validation: bool = False  # the job fails while validating its file
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
        return {k: v for k, v in self.jobs[job_id].items() if k not in ("events", "suffix")}

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
        number = len(job["events"]) + 1
        job["events"].append({"object": "fine_tuning.job.event", "id": f"ev-{number}",
                              "created_at": number, "level": "info",
                              "message": f"Job {job['status']}"})

    def _job_get(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        job_id = parts[4] if len(parts) > 4 else ""
        if job_id not in self.jobs:
            return Reply.json({"error": {"message": "no such job", "code": None}}, status=404)
        if len(parts) > 5 and parts[5] == "events":
            events = list(reversed(self.jobs[job_id]["events"]))
            return Reply.json({"object": "list", "data": events, "has_more": False})
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
