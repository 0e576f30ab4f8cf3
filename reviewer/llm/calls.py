"""The record of every model call (`llm_calls`), written safely from many threads.

Calls happen on worker threads, and SQLite takes one writer at a time. A model hands each
finished call, as a plain `CallRecord`, to the `CallLog` it was given; the log buffers
records in memory under a lock and writes them through its *own* connection, one short
transaction per batch (every `FLUSH_EVERY` records or `FLUSH_SECONDS`, and on `close`).
Whichever thread fills the batch writes it; the write lock serialises those writers, and
the buffer lock is never held during a write, so other workers only wait for an append.
The split run's own connection keeps its pair transactions: the two connections meet only
at SQLite's write lock (WAL mode, busy timeout), each holding it briefly.

A run binds its id to the log (`recording_calls`), so no caller passes it per call. Records
never contain a key: the endpoint is stored without credentials and error reasons arrive
already redacted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from sqlite_utils import Database

from ..db import connect
from .base import CallTags, Completion
from .pricing import estimate_cost

log = logging.getLogger(__name__)

FLUSH_EVERY = 32
FLUSH_SECONDS = 1.0
COLUMNS = ("at", "purpose", "model", "provider", "endpoint", "prompt_version", "request_hash",
           "subject", "run_id", "input_tokens", "output_tokens", "latency_ms", "finish_reason",
           "cost_usd", "error", "response_id", "cached")


@dataclass
class CallRecord:
    """One model call as stored. `at` is when it started (UTC ISO)."""

    at: str
    purpose: str
    model: str
    provider: str
    endpoint: str | None
    prompt_version: str | None
    request_hash: str
    subject: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    finish_reason: str | None
    cost_usd: float | None
    error: str | None
    response_id: str | None
    run_id: int | None = None
    cached: int = 0  # 1 when the answer came from the response cache (no call was paid)

    def row(self) -> tuple:
        data = asdict(self)
        return tuple(data[c] for c in COLUMNS)


class CallSink(Protocol):
    def record(self, call: CallRecord) -> None: ...


def request_hash(request: dict) -> str:
    """A stable digest of what was asked (model, messages, format, limits); never the key."""
    text = json.dumps(request, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def make_record(*, model: str, provider: str, endpoint: str | None, local: bool,
                tags: CallTags | None, request: dict, started_at: str, latency_s: float,
                completion: Completion | None = None, error: str | None = None,
                cached: bool = False) -> CallRecord:
    tags = tags or CallTags()
    tokens_in = completion.input_tokens if completion else None
    tokens_out = completion.output_tokens if completion else None
    return CallRecord(
        at=started_at, purpose=tags.purpose, model=model, provider=provider, endpoint=endpoint,
        prompt_version=tags.prompt_version, request_hash=request_hash(request),
        subject=tags.subject, input_tokens=tokens_in, output_tokens=tokens_out,
        latency_ms=round(latency_s * 1000, 1),
        finish_reason=completion.finish_reason if completion else None,
        cost_usd=0.0 if cached else estimate_cost(model, local=local, input_tokens=tokens_in,
                                                  output_tokens=tokens_out),
        error=error, response_id=completion.response_id if completion else None,
        cached=int(cached))


class MemoryCallLog:
    """Keeps records in a list (tests, and callers that store nothing)."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._lock = threading.Lock()

    def record(self, call: CallRecord) -> None:
        with self._lock:
            self.records.append(call)


class CallLog:
    """Writes records to `llm_calls` in `db_path`; thread-safe. Close it (or use `with`)."""

    def __init__(self, db_path: str | os.PathLike[str], *, run_id: int | None = None,
                 flush_every: int = FLUSH_EVERY, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.db_path = Path(db_path)
        self.run_id = run_id
        self.flush_every = max(1, flush_every)
        self.flush_seconds = flush_seconds
        self.written = 0
        self._buffer: list[CallRecord] = []
        self._buffer_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._db: Database | None = None
        self._closed = False

    @property
    def pending(self) -> int:
        """Records buffered and not yet written."""
        with self._buffer_lock:
            return len(self._buffer)

    def record(self, call: CallRecord) -> None:
        if call.run_id is None:
            call.run_id = self.run_id
        with self._buffer_lock:
            self._buffer.append(call)
            due = (self._closed or len(self._buffer) >= self.flush_every
                   or time.monotonic() - self._last_flush >= self.flush_seconds)
        if due:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered so far in one transaction."""
        with self._write_lock:
            with self._buffer_lock:
                batch, self._buffer = self._buffer, []
                self._last_flush = time.monotonic()
            if not batch:
                return
            try:
                self._write(batch)
            except Exception:  # never fail a model call over its record: keep it for later
                log.exception("could not write %d llm_calls record(s)", len(batch))
                with self._buffer_lock:
                    self._buffer[:0] = batch
                return
            self.written += len(batch)
            if self._closed:
                self._disconnect()

    def _write(self, batch: Sequence[CallRecord]) -> None:
        if self._db is None:
            self._db = connect(self.db_path)
        conn = self._db.conn
        marks = ", ".join("?" * len(COLUMNS))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(f"INSERT INTO llm_calls ({', '.join(COLUMNS)}) VALUES ({marks})",
                             [r.row() for r in batch])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def close(self) -> None:
        """Flush and release the connection. Records arriving later are written one by one
        (a worker still finishing after an interrupted run)."""
        self._closed = True
        self.flush()
        with self._write_lock:
            self._disconnect()

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> CallLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def recording_calls(target: object, db_path: str | os.PathLike[str],
                    run_id: int | None) -> Iterator[CallLog | None]:
    """While the block runs, `target`'s model calls are recorded under `run_id`.

    `target` is anything with ``record_calls_to(sink) -> previous sink`` (the LLM splitter);
    for anything else (the rules splitter) this does nothing.
    """
    attach = getattr(target, "record_calls_to", None)
    if attach is None:
        yield None
        return
    call_log = CallLog(db_path, run_id=run_id)
    previous = attach(call_log)
    try:
        yield call_log
    finally:
        attach(previous)
        call_log.close()
