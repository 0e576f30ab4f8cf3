"""OpenAI's files and Batch API routes on the fake server, driven through the real SDK.

A batch moves one step per retrieve: validating → in_progress → completed (or failed while
validating, or expired while in progress). On completion each input line is answered like
the chat route answers (a correct split of the conversation in the request); lines can be
made to error, and lines can go missing from both output and error files. Expired batches
answer the first half and list the rest as ``batch_expired`` in the error file.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .openai_server import (
    FakeOpenAIServer,
    RecordedRequest,
    Reply,
    _completion,
    answer_from_request,
)

TERMINAL = ("completed", "failed", "expired", "cancelled")


def _multipart_file(request: RecordedRequest) -> tuple[str, bytes, str]:
    """(filename, content, purpose) of a multipart upload."""
    ctype = request.header("content-type") or ""
    match = re.search(r'boundary="?([^";]+)"?', ctype)
    raw = request.body.encode("utf-8") if isinstance(request.body, str) else b""
    if not match:
        return "upload", raw, ""
    boundary = b"--" + match.group(1).encode()
    name, content, purpose = "upload", b"", ""
    for part in raw.split(boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        if not _:
            continue
        body = body[:-2] if body.endswith(b"\r\n") else body
        if b'name="file"' in head:
            found = re.search(rb'filename="([^"]*)"', head)
            name = found.group(1).decode() if found else name
            content = body
        elif b'name="purpose"' in head:
            purpose = body.decode().strip()
    return name, content, purpose


def _not_found(what: str) -> Reply:
    return Reply.json({"error": {"message": f"no such {what}", "type": "invalid_request_error",
                                 "code": None}}, status=404)


@dataclass
class FakeBatches:
    server: FakeOpenAIServer
    fail_validation: bool = False  # the next batches fail while validating
    expire: bool = False  # batches expire while in progress (half the lines answered)
    error_when: Callable[[str], bool] = lambda custom_id: False  # these lines error
    missing_when: Callable[[str], bool] = lambda custom_id: False  # these lines vanish
    create_status: int | None = None  # answer batch creation with this HTTP error status
    files: dict[str, dict] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict] = field(default_factory=dict)
    creates: int = 0  # POST /v1/batches received (answered or not)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        s = self.server
        s.route("POST", "/v1/files", self._upload)
        s.route_prefix("GET", "/v1/files/", self._file_get)
        s.route("POST", "/v1/batches", self._create)
        s.route("GET", "/v1/batches", self._list)
        s.route_prefix("GET", "/v1/batches/", self._get)
        s.route_prefix("POST", "/v1/batches/", self._cancel)

    # -- files -------------------------------------------------------------------------------
    def _new_file(self, name: str, content: bytes, purpose: str) -> dict:
        with self._lock:
            file_id = f"file-{next(self._ids)}"
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(content),
                               "created_at": 0, "filename": name, "purpose": purpose,
                               "status": "processed"}
        self.contents[file_id] = content
        return self.files[file_id]

    def _upload(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        name, content, purpose = _multipart_file(request)
        return Reply.json(self._new_file(name, content, purpose))

    def _file_get(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")  # ['', 'v1', 'files', id, ('content')]
        file_id = parts[3] if len(parts) > 3 else ""
        if file_id not in self.files:
            return _not_found("file")
        if len(parts) > 4 and parts[4] == "content":
            return Reply("raw", status=200, body=self.contents[file_id])
        return Reply.json(self.files[file_id])

    # -- batches -----------------------------------------------------------------------------
    def _create(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        with self._lock:
            self.creates += 1
        if self.create_status is not None:
            return Reply.error(self.create_status, message="batch service unavailable")
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("input_file_id") not in self.files:
            return Reply.json({"error": {"message": "no such input file", "code": None}},
                              status=400)
        with self._lock:
            batch_id = f"batch_{next(self._ids)}"
        lines = self.contents[body["input_file_id"]].decode("utf-8").splitlines()
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"),
            "completion_window": body.get("completion_window"), "created_at": 0,
            "input_file_id": body["input_file_id"], "status": "validating",
            "output_file_id": None, "error_file_id": None, "errors": None,
            "metadata": body.get("metadata"),
            "request_counts": {"total": len([x for x in lines if x.strip()]), "completed": 0,
                               "failed": 0},
        }
        return Reply.json(self.batches[batch_id])

    def _list(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        return Reply.json({"object": "list", "data": list(reversed(self.batches.values())),
                           "has_more": False})

    def _get(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        batch_id = request.path.split("/")[3]
        if batch_id not in self.batches:
            return _not_found("batch")
        self._advance(self.batches[batch_id])
        return Reply.json(self.batches[batch_id])

    def _cancel(self, request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
        parts = request.path.split("/")
        if len(parts) < 5 or parts[3] not in self.batches or parts[4] != "cancel":
            return _not_found("batch")
        batch = self.batches[parts[3]]
        if batch["status"] not in TERMINAL:
            batch["status"] = "cancelling"
        return Reply.json(batch)

    def _advance(self, batch: dict) -> None:
        status = batch["status"]
        if status == "validating":
            if self.fail_validation:
                batch["status"] = "failed"
                batch["errors"] = {"object": "list", "data": [{
                    "code": "invalid_request", "line": 1, "param": "body.model",
                    "message": "the model does not exist or is not available for batches"}]}
            else:
                batch["status"] = "in_progress"
        elif status == "in_progress":
            self._finish(batch, expired=self.expire)
        elif status == "cancelling":
            self._finish(batch, expired=True, final="cancelled")

    def _finish(self, batch: dict, *, expired: bool, final: str | None = None) -> None:
        lines = [json.loads(x) for x in
                 self.contents[batch["input_file_id"]].decode("utf-8").splitlines() if x.strip()]
        answered = len(lines) // 2 if expired else len(lines)
        outputs, errors = [], []
        for n, line in enumerate(lines):
            custom_id = line["custom_id"]
            request_id = f"req_{batch['id']}_{n}"
            if n >= answered:
                errors.append({"id": f"batch_req_{n}", "custom_id": custom_id,
                               "response": None, "error": {
                                   "code": "batch_expired", "message": "This request could "
                                   "not be executed before the completion window expired."}})
            elif self.missing_when(custom_id):
                continue
            elif self.error_when(custom_id):
                errors.append({"id": f"batch_req_{n}", "custom_id": custom_id, "error": None,
                               "response": {"status_code": 500, "request_id": request_id,
                                            "body": {"error": {
                                                "message": "the server had an error",
                                                "type": "server_error", "code": None}}}})
            else:
                body = line["body"]
                content = json.dumps(answer_from_request(body), ensure_ascii=False)
                outputs.append({"id": f"batch_req_{n}", "custom_id": custom_id, "error": None,
                                "response": {"status_code": 200, "request_id": request_id,
                                             "body": _completion(body, content)}})
        if outputs:
            batch["output_file_id"] = self._jsonl_file(outputs, "batch_output")["id"]
        if errors:
            batch["error_file_id"] = self._jsonl_file(errors, "batch_error")["id"]
        batch["request_counts"].update(completed=len(outputs), failed=len(errors))
        batch["status"] = final or ("expired" if expired else "completed")

    def _jsonl_file(self, rows: list[dict], purpose: str) -> dict:
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
        return self._new_file(f"{purpose}.jsonl", data, purpose)
