"""A small OpenAI-compatible ``/v1/embeddings`` server on loopback, for the real SDK client.

Vectors come from the hashing embedder scaled by 3 (so a client that forgets to normalise
is caught). Every request is recorded, header names lower-cased. ``fail_next(status)``
makes the next request fail, ``reverse_order`` returns the rows last-first (the API
identifies rows by ``index``), and ``dim_override`` returns vectors of another size than
asked.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reviewer.evaluation import HashingEmbedder

DEFAULT_DIM = 64


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class EmbeddingsServer:
    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.reverse_order = False
        self.dim_override: int | None = None
        self._failures: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def fail_next(self, status: int, message: str = "scripted failure") -> None:
        with self._lock:
            self._failures.append((status, message))

    def vectors_for(self, texts: list[str], dim: int) -> list[list[float]]:
        return (HashingEmbedder(dim).embed(texts) * 3.0).tolist()

    def start(self) -> EmbeddingsServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _answer(self, path: str, headers: dict[str, str], body: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(SeenRequest(path, headers, body))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, message = failure
            return status, {"error": {"message": message, "type": "test_error", "code": None}}
        if path != "/v1/embeddings":
            return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}
        texts = body.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t
                                                               for t in texts):
            return 400, {"error": {"message": "input must be non-empty strings",
                                   "type": "invalid_request_error"}}
        dim = self.dim_override or body.get("dimensions") or DEFAULT_DIM
        rows = [{"object": "embedding", "index": i, "embedding": vector}
                for i, vector in enumerate(self.vectors_for(texts, dim))]
        if self.reverse_order:
            rows.reverse()
        return 200, {"object": "list", "data": rows, "model": body.get("model"),
                     "usage": {"prompt_tokens": 1, "total_tokens": 1}}


class _Handler(BaseHTTPRequestHandler):
    owner: EmbeddingsServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep stderr quiet
        return

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        status, payload = self.owner._answer(self.path.split("?", 1)[0],
                                             {k.lower(): v for k, v in self.headers.items()}, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
