"""A provider's Batch API (OpenAI, Azure OpenAI, or any gateway that offers it): upload a
JSONL of requests, create batches, follow them, read their output and error files.

Creating a batch is never retried (``max_retries=0`` for that call): the SDK sends no
idempotency key, so a retried create after a lost answer would start a second, billed batch.
Reads and uploads keep the SDK's retries. Errors become `BatchAPIError` with a key-free
reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import openai

from .client import make_client
from .endpoint import Endpoint
from .errors import to_llm_error

COMPLETION_WINDOW: Literal["24h"] = "24h"  # the only window the API offers
DEFAULT_MAX_REQUESTS = 50_000  # OpenAI's limit per batch input file
DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # and its size limit
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class BatchAPIError(RuntimeError):
    """A Batch API call failed; the message holds no key."""


@dataclass(frozen=True)
class BatchLimits:
    """How big one batch may be; smaller values shard the input into more batches."""

    max_requests: int = DEFAULT_MAX_REQUESTS
    max_bytes: int = DEFAULT_MAX_BYTES


def shard(lines: Iterable[tuple[str, bytes]], limits: BatchLimits
          ) -> Iterator[list[tuple[str, bytes]]]:
    """Group ``(custom_id, jsonl line)`` into shards within `limits`, in order."""
    current: list[tuple[str, bytes]] = []
    size = 0
    for item in lines:
        length = len(item[1])
        if length > limits.max_bytes:
            raise BatchAPIError(f"request {item[0]} alone is {length:,} bytes, over the "
                                f"{limits.max_bytes:,}-byte batch file limit")
        if current and (len(current) >= limits.max_requests or size + length > limits.max_bytes):
            yield current
            current, size = [], 0
        current.append(item)
        size += length
    if current:
        yield current


def chat_url(endpoint: Endpoint) -> str:
    """The ``url`` of a batch line: Azure's v1 API takes the path without ``/v1``."""
    host = urlsplit(endpoint.base_url).hostname or ""
    return "/chat/completions" if host.endswith(".openai.azure.com") else "/v1/chat/completions"


@dataclass(frozen=True)
class BatchState:
    """What the provider says about one batch."""

    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    total: int
    completed: int
    failed: int
    errors: list[str]

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


def _state(batch: Any) -> BatchState:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    messages = [f"{getattr(e, 'code', '') or 'error'}: {getattr(e, 'message', '')}"
                + (f" (line {e.line})" if getattr(e, "line", None) else "") for e in errors]
    return BatchState(id=batch.id, status=batch.status,
                      output_file_id=getattr(batch, "output_file_id", None),
                      error_file_id=getattr(batch, "error_file_id", None),
                      total=int(getattr(counts, "total", 0) or 0),
                      completed=int(getattr(counts, "completed", 0) or 0),
                      failed=int(getattr(counts, "failed", 0) or 0), errors=messages)


class BatchClient:
    def __init__(self, endpoint: Endpoint, *, timeout: float = 600.0,
                 max_retries: int = 2) -> None:
        self.endpoint = endpoint
        self._secret = endpoint.api_key or ""
        self._timeout = timeout
        self._client = make_client(endpoint, timeout=timeout, max_retries=max_retries)

    def __repr__(self) -> str:  # never shows the key
        return f"BatchClient({self.endpoint.safe_url!r})"

    def _fail(self, what: str, exc: Exception) -> BatchAPIError:
        reason = to_llm_error(exc, self._timeout).reason
        if self._secret:
            reason = reason.replace(self._secret, "***")
        if isinstance(exc, openai.NotFoundError) and what == "upload the batch input":
            reason += f"; {self.endpoint.safe_url} seems to offer no Batch API"
        return BatchAPIError(f"could not {what}: {reason}")

    def upload(self, data: bytes, filename: str) -> str:
        """Upload a batch input file; returns its file id."""
        try:
            return self._client.files.create(file=(filename, data, "application/jsonl"),
                                             purpose="batch").id
        except Exception as exc:  # noqa: BLE001 - any SDK failure, key-free
            raise self._fail("upload the batch input", exc) from None

    def create(self, input_file_id: str, *, metadata: dict[str, str] | None = None
               ) -> BatchState:
        """Create one batch. Never retried: a retry could start a duplicate batch."""
        try:
            batch = self._client.with_options(max_retries=0).batches.create(
                input_file_id=input_file_id,
                endpoint=chat_url(self.endpoint),  # type: ignore[arg-type]
                completion_window=COMPLETION_WINDOW, metadata=metadata)
        except Exception as exc:  # noqa: BLE001
            raise self._fail("create the batch", exc) from None
        return _state(batch)

    def retrieve(self, batch_id: str) -> BatchState:
        try:
            return _state(self._client.batches.retrieve(batch_id))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(f"read batch {batch_id}", exc) from None

    def cancel(self, batch_id: str) -> BatchState:
        try:
            return _state(self._client.batches.cancel(batch_id))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(f"cancel batch {batch_id}", exc) from None

    def content(self, file_id: str) -> str:
        """The text of an output or error file."""
        try:
            return self._client.files.content(file_id).text
        except Exception as exc:  # noqa: BLE001
            raise self._fail(f"download file {file_id}", exc) from None

    def close(self) -> None:
        self._client.close()
