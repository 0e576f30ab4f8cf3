"""Fireworks' account-scoped dataset and supervised fine-tuning routes on a loopback server,
plus a second loopback server standing in for the storage host behind signed URLs (the
upload of a large dataset, the metrics file link). A dataset becomes READY once its file
arrived; a job goes CREATING → RUNNING → WRITING_RESULTS → COMPLETED, one step per
retrieve, and then links a JSON-lines metrics file."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

from .openai_server import FakeOpenAIServer, RecordedRequest, Reply

STEPS = ("JOB_STATE_CREATING", "JOB_STATE_RUNNING", "JOB_STATE_WRITING_RESULTS",
         "JOB_STATE_COMPLETED")
_ROUTE = re.compile(r"^/v1/accounts/([^/]+)/([A-Za-z]+)(?:/([^/:]+))?(?::([A-Za-z]+))?$")


def _error(status: int, message: str, code: str) -> Reply:
    return Reply.json({"code": code, "message": message}, status=status)


@dataclass
class FakeFireworks:
    server: FakeOpenAIServer  # the API host
    storage: FakeOpenAIServer  # another host: signed upload URLs and metrics links
    account: str = "acct-1"
    fail_job: bool = False  # the job fails while validating its dataset
    datasets: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    created: list[dict] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)  # signed-URL uploads by dataset
    deleted_models: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        for method in ("GET", "POST", "DELETE"):
            self.server.route_prefix(method, "/v1/accounts/", self._api)
        self.storage.route_prefix("PUT", "/upload/", self._signed_put)
        self.storage.route_prefix("GET", "/metrics/", self._metrics)

    @property
    def storage_root(self) -> str:
        return self.storage.base_url.removesuffix("/v1")

    # -- the API host ---------------------------------------------------------------------
    def _api(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        match = _ROUTE.match(request.path)
        if match is None:
            return _error(404, f"no route {request.path}", "NOT_FOUND")
        account, collection, item, verb = match.groups()
        if account != self.account:
            return _error(403, "permission denied for this account", "PERMISSION_DENIED")
        body = request.body if isinstance(request.body, dict) else {}
        if collection == "datasets":
            return self._dataset(request.method, item, verb, body, request)
        if collection == "supervisedFineTuningJobs":
            return self._job(request.method, item, verb, body)
        if collection == "models" and request.method == "DELETE" and item:
            tuned = {j["outputModel"].rsplit("/", 1)[-1] for j in self.jobs.values()}
            if item not in tuned or item in self.deleted_models:
                return _error(404, f"model {item} not found", "NOT_FOUND")
            self.deleted_models.append(item)
            return Reply.json({})
        return _error(404, f"no route {request.method} {request.path}", "NOT_FOUND")

    def _dataset(self, method: str, item: str | None, verb: str | None, body: dict,
                 request: RecordedRequest) -> Reply:
        if method == "POST" and item is None:
            dataset_id = str(body.get("datasetId") or "")
            if dataset_id in self.datasets:
                return _error(409, f"dataset {dataset_id} already exists", "ALREADY_EXISTS")
            spec = body.get("dataset") or {}
            if not spec.get("exampleCount"):
                return _error(400, "exampleCount is required", "INVALID_ARGUMENT")
            self.datasets[dataset_id] = {
                "name": f"accounts/{self.account}/datasets/{dataset_id}",
                "displayName": spec.get("displayName"), "exampleCount": spec["exampleCount"],
                "state": "UPLOADING", "userUploaded": {}, "data": None}
            return Reply.json(self._public(dataset_id))
        dataset = self.datasets.get(item or "")
        if dataset is None:
            return _error(404, f"dataset {item} not found", "NOT_FOUND")
        if method == "GET" and verb is None:
            if dataset["data"] is not None:
                dataset["state"] = "READY"
            return Reply.json(self._public(str(item)))
        if method == "POST" and verb == "upload":
            raw = request.body if isinstance(request.body, str) else ""
            if 'name="file"' not in raw:
                return _error(400, "no file in the form", "INVALID_ARGUMENT")
            dataset["data"] = raw.encode()
            return Reply.json({})
        if method == "POST" and verb == "getUploadEndpoint":
            sizes = body.get("filenameToSize") or {}
            return Reply.json({"filenameToSignedUrls": {
                name: f"{self.storage_root}/upload/{item}/{name}?X-Goog-Signature=fake"
                for name in sizes}})
        if method == "POST" and verb == "validateUpload":
            if item not in self.stored:
                return _error(400, "nothing was uploaded", "FAILED_PRECONDITION")
            dataset["data"] = self.stored[str(item)]
            return Reply.json({})
        return _error(404, "no such dataset route", "NOT_FOUND")

    def _public(self, dataset_id: str) -> dict:
        return {k: v for k, v in self.datasets[dataset_id].items() if k != "data"}

    def _job(self, method: str, item: str | None, verb: str | None, body: dict) -> Reply:
        if method == "POST" and item is None:
            self.created.append(body)
            dataset = str(body.get("dataset") or "").rsplit("/", 1)[-1]
            if self.datasets.get(dataset, {}).get("state") != "READY":
                return _error(400, f"dataset {dataset} is not ready", "FAILED_PRECONDITION")
            job_id = f"sftj-{next(self._ids)}"
            self.jobs[job_id] = {
                "name": f"accounts/{self.account}/supervisedFineTuningJobs/{job_id}",
                "state": STEPS[0], "status": {"code": "OK", "message": ""},
                "baseModel": body.get("baseModel"), "dataset": body.get("dataset"),
                "evaluationDataset": body.get("evaluationDataset"),
                "epochs": body.get("epochs") or 1, "displayName": body.get("displayName"),
                "outputModel": f"accounts/{self.account}/models/tuned-{job_id}",
                "createTime": "2026-11-27T10:00:00Z", "updateTime": "2026-11-27T10:00:00Z",
                "jobProgress": {"percent": 0}}
            return Reply.json(self.jobs[job_id])
        if method == "GET" and item is None:
            return Reply.json({"supervisedFineTuningJobs": list(self.jobs.values()),
                               "nextPageToken": ""})
        job = self.jobs.get(item or "")
        if job is None:
            return _error(404, f"job {item} not found", "NOT_FOUND")
        if method == "GET" and verb is None:
            self._advance(job)
            return Reply.json(job)
        if method == "POST" and verb == "cancel":
            job["state"] = "JOB_STATE_CANCELLED"
            return Reply.json({})
        return _error(404, "no such job route", "NOT_FOUND")

    def _advance(self, job: dict) -> None:
        if job["state"] not in STEPS[:-1]:
            return
        if self.fail_job:
            job["state"] = "JOB_STATE_FAILED"
            job["status"] = {"code": "INVALID_ARGUMENT",
                             "message": "line 2: messages must end with an assistant turn"}
            return
        job["state"] = STEPS[STEPS.index(job["state"]) + 1]
        job["jobProgress"] = {"percent": {1: 40, 2: 95, 3: 100}[STEPS.index(job["state"])],
                              "epoch": job["epochs"]}
        if job["state"] == "JOB_STATE_COMPLETED":
            job_id = job["name"].rsplit("/", 1)[-1]
            job["metricsFileSignedUrl"] = (f"{self.storage_root}/metrics/{job_id}"
                                           "?X-Goog-Signature=fake")

    # -- the storage host -----------------------------------------------------------------
    def _signed_put(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        dataset_id = request.path.split("/")[2]
        data = request.body if isinstance(request.body, str) else json.dumps(request.body)
        self.stored[dataset_id] = data.encode()
        return Reply("raw", body=b"")

    def _metrics(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        job = self.jobs.get(request.path.split("/")[2])
        if job is None:
            return Reply("raw", status=404, body=b"")
        steps = 4 * int(job["epochs"])
        lines = [json.dumps({"step": s, "loss": round(1.5 / s, 4),
                             **({"eval_loss": round(1.6 / s, 4)} if s % 4 == 0 else {})})
                 for s in range(1, steps + 1)]
        return Reply("raw", body=("\n".join(lines) + "\n").encode())
