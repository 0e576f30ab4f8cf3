"""A fake OpenAI-compatible HTTP server for tests and benchmarks.

It listens on 127.0.0.1 (port 0, so the OS picks a free one) in a background thread and
speaks the JSON of the real API, so the real ``openai`` client is driven end to end over
loopback. Every request gets its own thread (``ThreadingHTTPServer``), so a slow reply
never holds up the others.

Routing is a table of ``(method, path) -> handler``; only chat completions and
``/v1/models`` are built in. Add more with ``server.route("POST", "/v1/files", fn)``.

How a chat completion is answered, first match wins:
1. the next `Reply` queued with ``server.queue(...)`` (FIFO, one per request);
2. ``server.chooser(request_json)`` if set and it returns a `Reply` (not None);
3. ``server.default`` (initially ``Reply.correct()``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[["RecordedRequest", "FakeOpenAIServer"], "Reply"]

# Lines of the transcript the splitter prompt sends: "Customer: ..." / "Engineer: ...".
_LINE = re.compile(r"^(?:\[(\d+)\] )?(Customer|Engineer|System|[^:\n]{1,30}):\s?(.*)$")
_CONVERSATION = re.compile(r"<conversation>\n?(.*?)\n?</conversation>", re.S)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw text when it is not JSON
    at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", []) if isinstance(self.body, dict) else []

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name (None when it was not sent)."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def authorization(self) -> str | None:
        return self.header("authorization")


@dataclass
class Reply:
    """One scripted answer. Build with the class methods, not by hand."""

    kind: str = "correct"  # correct | content | status | broken | truncated | refusal | hang
    #                       | context_full | repeating
    delay: float = 0.0  # seconds to sleep before answering (any kind)
    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    message: str = ""

    @classmethod
    def correct(cls, delay: float = 0.0) -> Reply:
        """A schema-valid answer derived from the conversation in the request."""
        return cls("correct", delay=delay)

    @classmethod
    def content_of(cls, content: str | dict, delay: float = 0.0) -> Reply:
        """A normal completion whose message content is exactly this (dicts become JSON)."""
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        return cls("content", delay=delay, content=text)

    @classmethod
    def json(cls, payload: Any, status: int = 200, delay: float = 0.0) -> Reply:
        """Any JSON body with any status, for routes other than chat completions."""
        return cls("raw", status=status, delay=delay,
                   body=json.dumps(payload, ensure_ascii=False).encode())

    @classmethod
    def error(cls, status: int, *, retry_after: float | None = None,
              message: str = "fake error", delay: float = 0.0, code: str | None = None,
              headers: dict[str, str] | None = None) -> Reply:
        """An API error; `code` defaults to ``rate_limit_exceeded`` for 429 (OpenAI sends
        ``insufficient_quota`` when the account has no credit)."""
        sent = dict(headers or {})
        if retry_after is not None:
            sent["retry-after"] = str(retry_after)
        return cls("status", status=status, headers=sent, message=message, delay=delay,
                   content=code)

    @classmethod
    def broken(cls, delay: float = 0.0) -> Reply:
        """HTTP 200 whose body is not valid JSON."""
        return cls("broken", delay=delay, body=b'{"id": "chatcmpl-broken", "choices": [')

    @classmethod
    def truncated(cls, delay: float = 0.0) -> Reply:
        """finish_reason "length" with a half-written JSON content."""
        return cls("truncated", delay=delay)

    @classmethod
    def context_full(cls, delay: float = 0.0) -> Reply:
        """finish_reason "length" long before the output limit: a server whose context the
        prompt filled (llama.cpp, Ollama) stops there instead of answering HTTP 400."""
        return cls("context_full", delay=delay)

    @classmethod
    def repeating(cls, sentence: str, *, prefix: str = '{"system": "', truncated: bool = True,
                  delay: float = 0.0) -> Reply:
        """A degenerate answer: `sentence` over and over until the output limit (or, with
        ``truncated=False``, a JSON answer whose text loops but which ends normally)."""
        return cls("repeating", delay=delay, content=prefix, message=sentence,
                   status=1 if truncated else 0)

    @classmethod
    def refusal(cls, text: str = "I can't help with that.", delay: float = 0.0) -> Reply:
        return cls("refusal", delay=delay, message=text)

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Reply:
        """Answer nothing for `seconds` (released early when the server stops)."""
        return cls("hang", delay=seconds)


def answer_from_request(body: dict) -> dict:
    """A correct structured answer for the transcript in the last user message.

    Consecutive ``Customer:`` lines form the question, the ``Engineer:`` lines after them
    the answer; unlabelled lines continue the previous turn.
    """
    user = [m for m in body.get("messages", []) if m.get("role") == "user"]
    text = user[-1].get("content", "") if user else ""
    if isinstance(text, list):  # content parts
        text = " ".join(p.get("text", "") for p in text if isinstance(p, dict))
    found = _CONVERSATION.findall(text)
    transcript = found[-1] if found else text
    turns: list[list[str]] = []
    for line in transcript.splitlines():
        match = _LINE.match(line)
        if match and match.group(2) in ("Customer", "Engineer", "System"):
            number = int(match.group(1)) if match.group(1) else len(turns) + 1
            turns.append([match.group(2), match.group(3), number])
        elif turns:
            turns[-1][1] += "\n" + line
    pairs: list[dict] = []
    question: list[str] = []
    answer: list[str] = []
    asked: list[int] = []
    answered: list[int] = []

    def flush() -> None:
        pairs.append({"question": "\n".join(question), "answer": "\n".join(answer),
                      "question_turns": list(asked), "answer_turns": list(answered)})

    for role, said, number in turns:
        if role == "Customer":
            if answer:
                flush()
                question, answer, asked, answered = [], [], [], []
            question.append(said.strip())
            asked.append(number)
        elif role == "Engineer" and question:
            answer.append(said.strip())
            answered.append(number)
    if question and answer:
        flush()
    topic = pairs[0]["question"].split("\n")[0][:60] if pairs else "a support request"
    return {"system": f"Summary: {topic}", "pairs": pairs}


def output_limit(body: dict) -> int:
    """The output limit a request asked for (either parameter name), else 4096."""
    for name in ("max_completion_tokens", "max_tokens"):
        if isinstance(body.get(name), int):
            return int(body[name])
    return 4096


def _completion(body: dict, content: str | None, *, finish_reason: str = "stop",
                refusal: str | None = None, usage: tuple[int, int] = (10, 10)) -> dict:
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
            "logprobs": None,
            "finish_reason": finish_reason,
        }],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                  "total_tokens": usage[0] + usage[1]},
    }


class FakeOpenAIServer:
    """Start with ``with FakeOpenAIServer() as server:`` or ``start()``/``stop()``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.keep_requests = True  # a long benchmark run need not remember every request
        self.default: Reply = Reply.correct()
        self.chooser: Callable[[dict], Reply | None] | None = None
        # Structured-output forms this server takes (None: all); others get refusal_status.
        self.accepted_forms: set[str] | None = None
        self.refusal_status = 500
        self.usage = (10, 10)  # prompt and completion tokens every completion reports
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at the same moment
        self._stopping = threading.Event()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._prefix_routes: list[tuple[str, str, Handler]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.route("POST", "/v1/chat/completions", _chat_completions)
        self.route("GET", "/v1/models", _models)

    # -- control --------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        """Register `handler(request, server) -> Reply` for an exact method and path."""
        self._routes[(method.upper(), path)] = handler

    def route_prefix(self, method: str, prefix: str, handler: Handler) -> None:
        """Register `handler` for every path under `prefix` (e.g. one job's routes)."""
        self._prefix_routes.append((method.upper(), prefix, handler))

    def _prefix_route(self, method: str, path: str) -> Handler | None:
        for route_method, prefix, handler in sorted(self._prefix_routes,
                                                    key=lambda r: -len(r[1])):
            if route_method == method and path.startswith(prefix):
                return handler
        return None

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next_queued(self) -> Reply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.default = Reply.correct()
        self.chooser = None

    def _track(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def authorizations(self) -> list[str | None]:
        """The Authorization header of every recorded request, in arrival order."""
        with self._lock:
            return [r.authorization for r in self.requests]

    def received(self, secret: str) -> bool:
        """True if `secret` appeared anywhere in a recorded request (headers or body)."""
        with self._lock:
            return any(secret in json.dumps([r.headers, r.body], ensure_ascii=False)
                       for r in self.requests)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAIServer:
        server = self
        self._stopping.clear()

        class _Handler(_RequestHandler):
            fake = server

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ----------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        if not self.keep_requests:
            return
        with self._lock:
            self.requests.append(request)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def request_form(body: dict) -> str:
    """Which structured-output form a request uses (the ladder's rung names)."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return "prompt"
    if fmt.get("type") == "json_schema":
        return "json_schema"
    if fmt.get("type") == "json_object":
        return "json_object_schema" if "schema" in fmt else "json_object"
    return "unknown"


def _chat_completions(request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
    if server.accepted_forms is not None and isinstance(request.body, dict):
        form = request_form(request.body)
        if form not in server.accepted_forms:  # e.g. llama-cpp-python's server on json_schema
            return Reply.error(server.refusal_status, message=f"unsupported response_format "
                               f"({form})")
    reply = server.next_queued()
    if reply is None and server.chooser is not None and isinstance(request.body, dict):
        reply = server.chooser(request.body)
    return reply or server.default


def _models(request: RecordedRequest, server: FakeOpenAIServer) -> Reply:
    return Reply.json({"object": "list", "data": [
        {"id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "fake"},
        {"id": "fake-model", "object": "model", "created": 0, "owned_by": "fake"},
    ]})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen() backlog; the default 5 resets bursts of connects


class _RequestHandler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's pool reuses connections
    # Headers and body go out in separate writes; with Nagle on, the body waits ~40 ms for
    # the client's delayed ACK on every response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802 - signed-URL uploads
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = self.path.split("?", 1)[0]
        request = RecordedRequest(self.command, path, dict(self.headers.items()), body)
        self.fake._record(request)
        handler = self.fake._routes.get((self.command, path)) or self.fake._prefix_route(
            self.command, path)
        if handler is None:
            self._send_json(404, {"error": {"message": f"no route {self.command} {path}",
                                            "type": "invalid_request_error", "code": None}})
            return
        self.fake._track(+1)
        try:
            reply = handler(request, self.fake)
            self.fake._wait(reply.delay)
            if reply.kind == "hang":
                self.close_connection = True
                return
            self._send_reply(reply, body if isinstance(body, dict) else {})
        finally:
            self.fake._track(-1)

    def _send_reply(self, reply: Reply, body: dict) -> None:
        if reply.kind == "raw":
            self._send_bytes(reply.status, reply.body or b"", reply.headers)
        elif reply.kind == "status":
            code = reply.content or ("rate_limit_exceeded" if reply.status == 429 else None)
            payload = {"error": {"message": reply.message, "type": "fake_error", "code": code}}
            self._send_json(reply.status, payload, reply.headers)
        elif reply.kind == "broken":
            self._send_bytes(200, reply.body or b"{", reply.headers)
        elif reply.kind == "truncated":
            full = json.dumps(answer_from_request(body), ensure_ascii=False)
            self._send_json(200, _completion(body, full[: max(1, len(full) // 2)],
                                             finish_reason="length",
                                             usage=(self.fake.usage[0], output_limit(body))))
        elif reply.kind == "context_full":
            full = json.dumps(answer_from_request(body), ensure_ascii=False)
            self._send_json(200, _completion(body, full[:12], finish_reason="length",
                                             usage=(self.fake.usage[0], 3)))
        elif reply.kind == "repeating":
            limit = output_limit(body)
            # about four characters a token: the loop fills the whole output budget
            text = (reply.content or "") + " ".join([reply.message] * (limit // 8 + 8))
            if reply.status:
                self._send_json(200, _completion(body, text[:limit * 4], finish_reason="length",
                                                 usage=(self.fake.usage[0], limit)))
            else:
                loop = " ".join([reply.message] * 12)
                answer = {"system": loop, "pairs": []}
                self._send_json(200, _completion(body, json.dumps(answer),
                                                 usage=self.fake.usage))
        elif reply.kind == "refusal":
            self._send_json(200, _completion(body, None, refusal=reply.message,
                                             usage=self.fake.usage))
        elif reply.kind == "content":
            self._send_json(200, _completion(body, reply.content, usage=self.fake.usage))
        else:  # correct
            content = json.dumps(answer_from_request(body), ensure_ascii=False)
            self._send_json(200, _completion(body, content, usage=self.fake.usage))

    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload, ensure_ascii=False).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
            self.close_connection = True


class FakeServerProcess:
    """The fake server in a child process, so its CPU work does not share the caller's GIL.

    Only the default reply is configurable (always correct, after `delay` seconds); use it
    for benchmarks, and the in-process `FakeOpenAIServer` for tests that script replies.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeServerProcess:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--delay", str(self.delay)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._proc.stdout is not None
        self.base_url = self._proc.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            self.__exit__()
            raise RuntimeError("fake server process did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # the child exits when its stdin closes
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def _serve_until_stdin_closes(argv: list[str]) -> None:
    delay = float(argv[argv.index("--delay") + 1]) if "--delay" in argv else 0.0
    server = FakeOpenAIServer().start()
    server.default = Reply.correct(delay=delay)
    server.keep_requests = False
    print(server.base_url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    _serve_until_stdin_closes(sys.argv[1:])
