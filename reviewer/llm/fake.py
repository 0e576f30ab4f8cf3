"""An in-process `ChatModel` that answers from a queue of canned replies.

For unit tests of anything built on the model layer (prompt + parse code, evaluation,
logging): no sockets, no threads of its own, deterministic token counts. Protocol-level
behaviour (retries, HTTP errors, timeouts) is tested against the loopback fake server.

A reply is one of: text; a dict or list (sent as its JSON text); a ready `Completion`
(see `truncated`, `refused`, `filtered`); an `LLMError` (raised); or a function of the
messages returning any of those.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..db import now_iso
from .base import CallTags, Completion, LLMError, Message, wants_json
from .calls import CallSink, make_record

Reply = str | dict | list | Completion | LLMError | Callable[[list[Message]], Any]


@dataclass(frozen=True)
class FakeCall:
    messages: list[Message]
    response_format: dict | None
    max_tokens: int | None
    tags: CallTags | None


def truncated(text: str) -> Completion:
    """An answer cut off at the output limit."""
    return Completion(text=text, finish_reason="length")


def refused(reason: str = "I can't help with that.") -> Completion:
    return Completion(text=None, finish_reason="stop", refusal=reason)


def filtered() -> Completion:
    """An answer withheld by the provider's content filter."""
    return Completion(text=None, finish_reason="content_filter")


def rough_tokens(text: str) -> int:
    """A deterministic stand-in for a token count (about four characters a token)."""
    return max(1, len(text) // 4) if text else 0


class FakeModel:
    def __init__(self, *replies: Reply, model_id: str = "fake-model", provider: str = "fake",
                 default: Reply | None = None, local: bool = True,
                 call_log: CallSink | None = None) -> None:
        self.model_id = model_id
        self.provider = provider
        self.default = default
        self.local = local  # priced like a server on this machine (0), or from the table
        self.call_log = call_log
        self.calls: list[FakeCall] = []
        self._replies: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def redact(self, text: str) -> str:
        return text

    def settings(self) -> dict:
        return {"model": self.model_id, "provider": self.provider}

    def complete(
        self,
        messages: Sequence[Message],
        *,
        response_format: dict | None = None,
        max_tokens: int | None = None,
        tags: CallTags | None = None,
    ) -> Completion:
        sent = [dict(m) for m in messages]
        with self._lock:
            reply = self._replies.popleft() if self._replies else self.default
            self.calls.append(FakeCall(sent, response_format, max_tokens, tags))
            number = next(self._ids)
        request = {"model": self.model_id, "messages": sent, "response_format": response_format,
                   "max_tokens": max_tokens}
        started_at = now_iso()
        if callable(reply):
            reply = reply(sent)
        if reply is None:
            reply = LLMError("fake model: no reply queued")
        if isinstance(reply, LLMError):
            self._log(tags, request, started_at, error=reply.reason)
            raise reply
        completion = self._completion(reply, sent, response_format, number)
        self._log(tags, request, started_at, completion=completion)
        return completion

    def _completion(self, reply: Reply, sent: list[Message], response_format: dict | None,
                    number: int) -> Completion:
        prompt_tokens = sum(rough_tokens(str(m.get("content") or "")) for m in sent)
        if isinstance(reply, Completion):
            base = reply
        else:
            text = reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)
            base = Completion(text=text, finish_reason="stop")
        parsed, parse_error = base.parsed, base.parse_error
        if (wants_json(response_format) and base.text is not None and parsed is None
                and not base.truncated):
            try:
                parsed = json.loads(base.text)
            except ValueError as exc:
                parse_error = f"not valid JSON: {exc}"
        return replace(
            base,
            input_tokens=base.input_tokens if base.input_tokens is not None else prompt_tokens,
            output_tokens=(base.output_tokens if base.output_tokens is not None
                           else rough_tokens(base.text or base.refusal or "")),
            response_id=base.response_id or f"fake-{number}",
            parsed=parsed, parse_error=parse_error)

    def _log(self, tags: CallTags | None, request: dict, started_at: str, *,
             completion: Completion | None = None, error: str | None = None) -> None:
        if self.call_log is not None:
            self.call_log.record(make_record(
                model=self.model_id, provider=self.provider, endpoint=None, local=self.local,
                tags=tags, request=request, started_at=started_at,
                latency_s=completion.latency_s if completion else 0.0, completion=completion,
                error=error))
