"""The model protocol every caller (splitter, evaluation, batch jobs) codes against.

A `ChatModel` takes chat messages and returns a `Completion`, or raises `LLMError` whose
`reason` is a short, key-free sentence fit for a report. What the answer *means* (a refusal,
a truncated JSON, a schema violation) is for the caller to judge: the model only reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]  # {"role": ..., "content": ...}

DEFAULT_TIMEOUT = 120.0  # seconds per request; local CPU models need tens of seconds
DEFAULT_MAX_RETRIES = 2  # the SDK's own default: 3 attempts in total


class LLMError(Exception):
    """A call that produced no usable response (API error, timeout, unreadable body).

    `kind`: timeout | connection | rate_limit | http_status | unreadable | no_choices |
    unexpected.
    """

    def __init__(self, reason: str, kind: str = "unexpected", status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.status = status  # the HTTP status of an `http_status` error


@dataclass(frozen=True)
class CallTags:
    """What a call is for, recorded with it: purpose (split, eval, ...), the item it is about
    (a conversation id, an eval item) and the prompt version that built the messages."""

    purpose: str = "other"
    subject: str | None = None
    prompt_version: str | None = None


@dataclass(frozen=True)
class Completion:
    text: str | None
    finish_reason: str | None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_s: float = 0.0
    response_id: str | None = None
    refusal: str | None = None
    parsed: Any = None  # the decoded JSON when a JSON answer was asked for and it decoded
    parse_error: str | None = None  # why it did not decode (None when not asked or fine)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


@runtime_checkable
class ChatModel(Protocol):
    """One model at one endpoint. `complete` is called from several threads at once."""

    model_id: str
    provider: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        response_format: dict | None = None,
        max_tokens: int | None = None,
        tags: CallTags | None = None,
    ) -> Completion: ...

    def redact(self, text: str) -> str:
        """`text` with this model's key (if any) masked, for reasons built from answers."""
        ...


def wants_json(response_format: dict | None) -> bool:
    if not response_format:
        return False
    return response_format.get("type") in ("json_schema", "json_object")
