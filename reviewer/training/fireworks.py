"""Fireworks AI's fine-tuning REST API: a dataset in three steps, then a supervised
fine-tuning job. Same interface as `OpenAICompatibleTrainer`.

Routes (account-scoped, under the REST root ``https://api.fireworks.ai/v1``; the provider's
base URL is the inference one, ``…/inference/v1``, and the REST root is taken from it, so
the key only ever goes to that host):

- documented: ``POST /accounts/{a}/datasets`` (``datasetId``, ``dataset.exampleCount``,
  ``userUploaded``), ``POST …/datasets/{d}:upload`` (multipart, files under 150 MB),
  ``POST …/datasets/{d}:getUploadEndpoint`` (``filenameToSize`` → ``filenameToSignedUrls``,
  then an HTTP PUT of the file to that URL) and ``…:validateUpload``, ``GET …/datasets/{d}``
  (``state`` becomes ``READY``), ``GET …/supervisedFineTuningJobs/{j}``;
- following the same account-scoped shape, not checked against a live server:
  ``POST /accounts/{a}/supervisedFineTuningJobs`` (create), ``GET`` of the same collection
  (list, ``supervisedFineTuningJobs``), ``POST …/supervisedFineTuningJobs/{j}:cancel`` and
  ``DELETE /accounts/{a}/models/{m}``.

Fireworks has no event list for a job: its state, progress and status message are given as
one event. The metrics file is a signed link on the job, fetched without the key. A tuned
model answers only once it is deployed (on-demand deployments, billed per GPU time).
The account id comes from ``$FIREWORKS_ACCOUNT_ID``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai

from ..llm.client import make_client
from ..llm.endpoint import Endpoint
from .adapter import Checkpoint, JobInfo, Serving, TrainingError, explain

ACCOUNT_ENV = "FIREWORKS_ACCOUNT_ID"
DIRECT_UPLOAD_LIMIT = 150 * 1024 * 1024  # bytes; larger files go through a signed URL
STATUS = {"JOB_STATE_CREATING": "pending", "JOB_STATE_PENDING": "pending",
          "JOB_STATE_VALIDATING": "pending", "JOB_STATE_PAUSED": "pending",
          "JOB_STATE_RUNNING": "running", "JOB_STATE_WRITING_RESULTS": "running",
          "JOB_STATE_COMPLETED": "succeeded", "JOB_STATE_EARLY_STOPPED": "succeeded",
          "JOB_STATE_FAILED": "failed", "JOB_STATE_EXPIRED": "failed",
          "JOB_STATE_CANCELLED": "cancelled", "JOB_STATE_DELETING": "cancelled"}
DEPLOY_WARNING = (
    "Fireworks does not serve a tuned model until you deploy it: create an on-demand "
    "deployment for it (billed for GPU time while it runs, even when idle unless it scales "
    "to zero), then call it at this base URL with this model id.")


def rest_root(base_url: str) -> str:
    """``https://api.fireworks.ai/inference/v1`` → ``https://api.fireworks.ai/v1`` (same
    host); any other URL is taken as the REST root itself."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/inference/v1"):
        path = path[: -len("/inference/v1")] + "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _short(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


class FireworksTrainer:
    def __init__(self, endpoint: Endpoint, *, account: str | None = None,
                 timeout: float = 120.0, poll_every: float = 2.0, max_polls: int = 300,
                 direct_upload_limit: int = DIRECT_UPLOAD_LIMIT) -> None:
        self.endpoint = endpoint
        self.account = account or os.environ.get(ACCOUNT_ENV) or ""
        if not self.account:
            raise TrainingError(f"set {ACCOUNT_ENV} to your Fireworks account id")
        rest = dataclasses.replace(endpoint, base_url=rest_root(endpoint.base_url))
        self._client = make_client(rest, timeout=timeout, max_retries=2)
        self._once = make_client(rest, timeout=timeout, max_retries=0)
        self.timeout = timeout
        self.poll_every = poll_every
        self.max_polls = max_polls
        self.direct_upload_limit = direct_upload_limit

    # -- HTTP ------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, once: bool = False, body: Any = None,
              files: Any = None) -> dict[str, Any]:
        client = self._once if once else self._client
        url = f"/accounts/{self.account}{path}"
        try:
            if method == "GET":
                data = client.get(url, cast_to=object)
            elif method == "DELETE":
                data = client.delete(url, cast_to=object)
            elif files is not None:
                data = client.post(url, body=body, files=files, cast_to=object,
                                   options={"headers": {"Content-Type": "multipart/form-data"}})
            else:
                data = client.post(url, body=body if body is not None else {}, cast_to=object)
        except Exception as exc:
            raise explain(exc, openai_wind_down=False) from None
        return data if isinstance(data, dict) else {}

    def _plain_http(self) -> Any:
        """An HTTP client with no credentials at all, for signed URLs on other hosts."""
        return openai.DefaultHttpxClient(timeout=self.timeout)

    def _dataset_state(self, dataset_id: str) -> str:
        return str(self._call("GET", f"/datasets/{dataset_id}").get("state") or "")

    # -- dataset ---------------------------------------------------------------------------
    def upload(self, path: Path) -> str:
        """Create the dataset, upload the file, wait until it is READY; returns its name
        (``accounts/{a}/datasets/{d}``). The id comes from the file's sha256, so the same
        file uploaded again is found instead of stored twice."""
        data = Path(path).read_bytes()
        examples = sum(1 for line in data.splitlines() if line.strip())
        dataset_id = f"reviewer-{hashlib.sha256(data).hexdigest()[:24]}"
        name = f"accounts/{self.account}/datasets/{dataset_id}"
        try:
            self._call("POST", "/datasets", once=True, body={
                "datasetId": dataset_id,
                "dataset": {"displayName": Path(path).name[:60], "exampleCount": str(examples),
                            "userUploaded": {}, "format": "CHAT"}})
        except TrainingError as exc:
            if not str(exc).startswith("HTTP 409"):
                raise
            if self._dataset_state(dataset_id) == "READY":
                return name
        if len(data) <= self.direct_upload_limit:
            self._call("POST", f"/datasets/{dataset_id}:upload", once=True,
                       files=[("file", (Path(path).name, data, "application/jsonl"))])
        else:
            self._signed_upload(dataset_id, Path(path).name, data)
        for attempt in range(self.max_polls):
            state = self._dataset_state(dataset_id)
            if state == "READY":
                return name
            if attempt + 1 < self.max_polls:
                time.sleep(self.poll_every)
        raise TrainingError(f"dataset {dataset_id} is not ready at Fireworks (state {state}); "
                            "start the job again later, the upload is kept")

    def _signed_upload(self, dataset_id: str, filename: str, data: bytes) -> None:
        answer = self._call("POST", f"/datasets/{dataset_id}:getUploadEndpoint", once=True,
                            body={"filenameToSize": {filename: str(len(data))}})
        url = (answer.get("filenameToSignedUrls") or {}).get(filename)
        if not url or urlsplit(url).scheme not in ("http", "https"):
            raise TrainingError("Fireworks gave no upload URL for the dataset")
        try:  # a signed URL carries its own permission: the key is not sent there
            with self._plain_http() as http:
                reply = http.put(url, content=data,
                                 headers={"Content-Type": "application/octet-stream"})
        except Exception as exc:  # the transport's errors: refused, reset, timed out
            raise TrainingError(f"cannot upload the dataset: {type(exc).__name__}") from None
        if reply.status_code >= 300:
            raise TrainingError(f"the dataset upload was refused (HTTP {reply.status_code})")
        self._call("POST", f"/datasets/{dataset_id}:validateUpload", once=True, body={})

    # -- jobs ------------------------------------------------------------------------------
    def _info(self, job: dict[str, Any]) -> JobInfo:
        raw = str(job.get("state") or "")
        status = STATUS.get(raw, "pending")
        message = (job.get("status") or {}).get("message") if isinstance(
            job.get("status"), dict) else None
        epochs = job.get("epochs")
        return JobInfo(_short(str(job.get("name") or "")), status, raw, job.get("baseModel"),
                       job.get("outputModel") if status == "succeeded" else None, None,
                       str(message) if status == "failed" and message else None, [],
                       epochs if isinstance(epochs, int) else None,
                       job.get("metricsFileSignedUrl") or None)

    def create(self, *, model: str, training_file: str, validation_file: str | None,
               hyperparameters: dict[str, Any], suffix: str | None,
               seed: int | None) -> JobInfo:
        if "learning_rate_multiplier" in hyperparameters:
            raise TrainingError("Fireworks takes an absolute learning rate, not a multiplier; "
                                "leave --lr-multiplier out")
        if seed is not None:
            raise TrainingError("Fireworks takes no seed for a fine-tuning job; leave --seed "
                                "out")
        body: dict[str, Any] = {"dataset": training_file, "baseModel": model}
        if validation_file:
            body["evaluationDataset"] = validation_file
        if "n_epochs" in hyperparameters:
            body["epochs"] = hyperparameters["n_epochs"]
        if "batch_size" in hyperparameters:
            body["batchSize"] = hyperparameters["batch_size"]
        if suffix:
            body["displayName"] = suffix
        return self._info(self._call("POST", "/supervisedFineTuningJobs", once=True, body=body))

    def retrieve(self, job_id: str) -> JobInfo:
        return self._info(self._call("GET", f"/supervisedFineTuningJobs/{job_id}"))

    def events(self, job_id: str, limit: int = 100) -> list[dict[str, Any]]:
        job = self._call("GET", f"/supervisedFineTuningJobs/{job_id}")
        info = self._info(job)
        progress = job.get("jobProgress") or {}
        words = [info.raw_status or "unknown state"]
        if isinstance(progress, dict) and progress.get("percent") is not None:
            words.append(f"{progress['percent']}% done")
        message = (job.get("status") or {}).get("message") if isinstance(
            job.get("status"), dict) else None
        if message:
            words.append(str(message))
        return [{"at": job.get("updateTime") or job.get("createTime"),
                 "level": "error" if info.status == "failed" else "info",
                 "message": " · ".join(words)}][-limit:]

    def cancel(self, job_id: str) -> JobInfo:
        self._call("POST", f"/supervisedFineTuningJobs/{job_id}:cancel", once=True, body={})
        return self.retrieve(job_id)

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        data = self._call("GET", "/supervisedFineTuningJobs")
        return [self._info(j) for j in (data.get("supervisedFineTuningJobs") or [])][:limit]

    # -- results ---------------------------------------------------------------------------
    def checkpoints(self, job_id: str) -> list[Checkpoint]:
        return []  # Fireworks lists none for a supervised job

    def metrics_file(self, info: JobInfo) -> bytes | None:
        if not info.metrics_url or urlsplit(info.metrics_url).scheme not in ("http", "https"):
            return None
        try:  # a signed link: fetched without the key
            with self._plain_http() as http:
                reply = http.get(info.metrics_url)
        except Exception as exc:  # the transport's errors: refused, reset, timed out
            raise TrainingError(f"cannot fetch the metrics file: {type(exc).__name__}") from None
        if reply.status_code >= 300:
            raise TrainingError(f"the metrics file link answered HTTP {reply.status_code}")
        return reply.content

    def delete_model(self, model: str) -> bool:
        self._call("DELETE", f"/models/{_short(model)}", once=True)
        return True

    def serving(self, info: JobInfo) -> Serving | None:
        if not info.fine_tuned_model:
            return None
        return Serving(self.endpoint.safe_url, info.fine_tuned_model, DEPLOY_WARNING, True)
