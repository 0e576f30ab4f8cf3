"""A cache of model answers keyed by everything that decides them.

The key is the provider and endpoint plus the hash of the request: model, every message
(the prompt version and the few-shot set are in the system and example messages, the
conversation in the last one), the response format, the output limit and the temperature.
A re-run with the same settings is answered from here and costs nothing; any change to one
of them is a new key. Only complete answers are kept (not truncated, refused or filtered).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..db import connect, now_iso
from .base import Completion
from .calls import request_hash


class ResponseCache:
    """Thread-safe: the split's workers look up and store through one connection."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self._db = connect(db_path)
        self._lock = threading.Lock()

    @staticmethod
    def key(provider: str, endpoint: str | None, request: dict) -> str:
        return f"{provider}|{endpoint or ''}|{request_hash(request)}"

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text, finish_reason, input_tokens, output_tokens, response_id"
                " FROM llm_cache WHERE key = ?", [key]).fetchone()
        if row is None:
            return None
        return Completion(text=row[0], finish_reason=row[1], input_tokens=row[2],
                          output_tokens=row[3], latency_s=0.0, response_id=row[4])

    def put(self, key: str, completion: Completion) -> None:
        if (completion.text is None or completion.refusal or completion.truncated
                or completion.finish_reason == "content_filter"):
            return
        with self._lock:
            try:
                with self._db.atomic():
                    self._db.execute(
                        "INSERT OR REPLACE INTO llm_cache (key, text, finish_reason,"
                        " input_tokens, output_tokens, response_id, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [key, completion.text, completion.finish_reason,
                         completion.input_tokens, completion.output_tokens,
                         completion.response_id, now_iso()])
            except sqlite3.Error:  # a cache that cannot write must not fail the call
                pass

    def close(self) -> None:
        with self._lock:
            self._db.close()


@contextmanager
def using_cache(target: object, db_path: str | os.PathLike[str],
                enabled: bool = True) -> Iterator[ResponseCache | None]:
    """While the block runs, `target`'s model answers come from and go to the cache.

    `target` is anything with ``use_cache(cache) -> previous cache`` (the LLM splitter); for
    anything else, or with ``enabled`` False (``--no-cache``), this does nothing.
    """
    attach = getattr(target, "use_cache", None)
    if attach is None or not enabled:
        yield None
        return
    cache = ResponseCache(db_path)
    previous = attach(cache)
    try:
        yield cache
    finally:
        attach(previous)
        cache.close()
