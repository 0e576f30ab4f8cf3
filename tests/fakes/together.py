"""Together AI's fine-tuning routes on a loopback server (files/upload, fine-tunes, events,
cancel): a job goes pending → running → completed, one step per retrieve."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .openai_server import FakeOpenAIServer, RecordedRequest, Reply

STEPS = ("pending", "running", "completed")


@dataclass
class FakeTogether:
    server: FakeOpenAIServer
    files: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    created: list[dict] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.server.route("POST", "/v1/files/upload", self._upload)
        self.server.route("POST", "/v1/fine-tunes", self._create)
        self.server.route("GET", "/v1/fine-tunes", self._list)
        self.server.route_prefix("GET", "/v1/fine-tunes/", self._get)
        self.server.route_prefix("POST", "/v1/fine-tunes/", self._post)

    def _upload(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        file_id = f"file-tg-{next(self._ids)}"
        self.files[file_id] = {"id": file_id, "object": "file", "purpose": "fine-tune"}
        return Reply.json(self.files[file_id])

    def _create(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        self.created.append(body)
        job_id = f"ft-{next(self._ids)}"
        self.jobs[job_id] = {"id": job_id, "status": "pending", "model": body.get("model"),
                             "output_name": None, "training_file": body.get("training_file"),
                             "events": [{"created_at": "t0", "level": "info",
                                         "message": "Fine tune request created"}]}
        return Reply.json({k: v for k, v in self.jobs[job_id].items() if k != "events"})

    def _get(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        job = self.jobs.get(parts[3] if len(parts) > 3 else "")
        if job is None:
            return Reply.json({"error": {"message": "not found"}}, status=404)
        if len(parts) > 4 and parts[4] == "events":
            return Reply.json({"data": job["events"]})
        if job["status"] in STEPS[:-1]:
            job["status"] = STEPS[STEPS.index(job["status"]) + 1]
            job["events"].append({"created_at": f"t{len(job['events'])}", "level": "info",
                                  "message": f"Job {job['status']}"})
            if job["status"] == "completed":
                job["output_name"] = f"acct/{job['model']}-support"
        return Reply.json({k: v for k, v in job.items() if k != "events"})

    def _post(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        job = self.jobs.get(parts[3] if len(parts) > 3 else "")
        if job is None or parts[-1] != "cancel":
            return Reply.json({"error": {"message": "not found"}}, status=404)
        job["status"] = "cancelled"
        return Reply.json({k: v for k, v in job.items() if k != "events"})

    def _list(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        return Reply.json({"data": [{k: v for k, v in j.items() if k != "events"}
                                    for j in self.jobs.values()]})
