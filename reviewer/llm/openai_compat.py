"""A `ChatModel` for any OpenAI-compatible chat endpoint, through the SDK's typed
``client.chat.completions.create``.

One client per model, shared by every worker thread (its HTTP pool is thread-safe). This
class, not the SDK, retries (the client has ``max_retries=0``; the rules are in
`reviewer.llm.retry`), so a 429 pauses every worker through the run's shared limiter
(`reviewer.llm.limiter`) and a refused key or an empty quota stops the run at once. What is
left becomes an `LLMError` with a key-free reason. Every call, answered or not, is handed to
the call log if one is attached (see `reviewer.llm.calls`); its retries are one call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx2

from ..db import now_iso
from .base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    CallTags,
    Completion,
    LLMError,
    Message,
    wants_json,
)
from .cache import ResponseCache
from .calls import CallSink, make_record
from .client import make_client
from .endpoint import Endpoint
from .errors import MAX_REASON_CHARS, to_llm_error
from .limiter import AdaptiveLimiter
from .retry import fatal_kind, fatal_reason, is_rate_limit, retry_delay


class OpenAICompatibleModel:
    def __init__(self, model_id: str, endpoint: Endpoint, *, timeout: float = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, temperature: float | None = 0.0,
                 call_log: CallSink | None = None, retry_read_timeouts: bool = True) -> None:
        self.model_id = model_id
        self.endpoint = endpoint
        self.provider = endpoint.provider
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.temperature = temperature
        self.call_log = call_log
        self.cache: ResponseCache | None = None  # set for a run (see `using_cache`)
        self.limiter: AdaptiveLimiter | None = None  # shared by a run's workers (`limiting`)
        self._secret = endpoint.api_key or ""
        self.retry_read_timeouts = retry_read_timeouts  # False: a timed-out generation is final
        self._client = make_client(endpoint, timeout=self.timeout, max_retries=0,
                                   retry_read_timeouts=retry_read_timeouts)

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAICompatibleModel({self.model_id!r}, {self.endpoint.safe_url!r})"

    def settings(self) -> dict:
        """What a run records about this model. Contains no key."""
        return {"model": self.model_id, **self.endpoint.to_dict(), "timeout": self.timeout,
                "max_retries": self.max_retries}

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def request(self, messages: Sequence[Message], *, response_format: dict | None = None,
                max_tokens: int | None = None) -> dict[str, Any]:
        """The chat completions body this model sends (also a batch line's body)."""
        request: dict[str, Any] = {"model": self.model_id, "messages": list(messages)}
        if self.temperature is not None:
            request["temperature"] = self.temperature
        if response_format is not None:
            request["response_format"] = response_format
        if max_tokens is not None:
            request[self.endpoint.token_limit_param] = int(max_tokens)
        return request

    def complete(
        self,
        messages: Sequence[Message],
        *,
        response_format: dict | None = None,
        max_tokens: int | None = None,
        tags: CallTags | None = None,
    ) -> Completion:
        request = self.request(messages, response_format=response_format,
                               max_tokens=max_tokens)
        sink = self.call_log  # a call started under a run is recorded there, even if late
        started_at, started = now_iso(), time.perf_counter()
        cache, key = self.cache, None
        if cache is not None:
            key = cache.key(self.provider, self.endpoint.safe_url, request)
            hit = cache.get(key)
            if hit is not None:
                if wants_json(response_format):
                    hit = _with_parsed(hit)
                self._log(sink, tags, request, started_at, 0.0, completion=hit, cached=True)
                return hit
        try:
            completion = self._call(request, started, response_format)
        except Exception as exc:  # every API/transport problem becomes a key-free LLMError
            if getattr(exc, "kind", None) == "stopped":
                raise  # refused before any call: the run is ending; nothing to record
            error = exc if isinstance(exc, LLMError) else to_llm_error(exc, self.timeout)
            error.reason = self.redact(error.reason)
            kind = fatal_kind(exc)
            if kind is not None:
                error = LLMError(fatal_reason(kind, error.reason), kind, error.status)
                if self.limiter is not None:
                    self.limiter.stop(error.reason, kind)
            self._log(sink, tags, request, started_at, time.perf_counter() - started,
                      error=error.reason)
            raise LLMError(error.reason, error.kind, error.status) from None
        self._log(sink, tags, request, started_at, completion.latency_s, completion=completion)
        if cache is not None and key is not None:
            cache.put(key, completion)
        return completion

    def _call(self, request: dict, started: float, response_format: dict | None) -> Completion:
        """One logical call: attempts through the limiter until an answer, or the error that
        is not to be retried (or the last one)."""
        retries = 0
        while True:
            limiter = self.limiter
            if limiter is not None:
                limiter.acquire()
            try:
                response = self._client.chat.completions.create(**request)
            except Exception as exc:
                if limiter is not None:
                    limiter.release(ok=False)
                delay = retry_delay(exc, retries)
                if not self.retry_read_timeouts and _read_timeout(exc):
                    delay = None  # the server was generating: the same request runs as long
                shared = is_rate_limit(exc) and limiter is not None
                if shared and delay is not None and limiter is not None:
                    limiter.rate_limited(delay)  # every worker waits, not only this one
                if delay is None or retries >= self.max_retries:
                    raise
                retries += 1
                if not shared and delay > 0:
                    time.sleep(delay)
                continue
            if limiter is not None:
                limiter.release(ok=True)
            return completion_from(response, time.perf_counter() - started, response_format)

    def _log(self, sink: CallSink | None, tags: CallTags | None, request: dict,
             started_at: str, latency_s: float, *, completion: Completion | None = None,
             error: str | None = None, cached: bool = False) -> None:
        if sink is None:
            return
        sink.record(make_record(
            model=self.model_id, provider=self.provider, endpoint=self.endpoint.safe_url,
            local=self.endpoint.is_local, tags=tags, request=request, started_at=started_at,
            latency_s=latency_s, completion=completion, error=error, cached=cached))


def _read_timeout(exc: BaseException) -> bool:
    """Whether `exc` is a timeout while waiting for the answer (not while connecting)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx2.ReadTimeout):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _with_parsed(completion: Completion) -> Completion:
    """A cached answer with its JSON decoded again (the cache keeps the text only)."""
    try:
        parsed = json.loads(completion.text or "")
    except ValueError as exc:
        return replace(completion, parse_error=f"not valid JSON: {exc}"[:MAX_REASON_CHARS])
    return replace(completion, parsed=parsed)


def completion_from(response: Any, latency_s: float, response_format: dict | None
                    ) -> Completion:
    """A `Completion` from an SDK chat completion (a live answer, or a batch output line)."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise LLMError("the API returned no choices", "no_choices")
    choice = choices[0]
    message = choice.message
    text = getattr(message, "content", None)
    usage = getattr(response, "usage", None)
    parsed = parse_error = None
    if wants_json(response_format) and text is not None and choice.finish_reason != "length":
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            parse_error = f"not valid JSON: {exc}"[:MAX_REASON_CHARS]
    return Completion(
        text=text,
        finish_reason=choice.finish_reason,
        input_tokens=getattr(usage, "prompt_tokens", None),
        output_tokens=getattr(usage, "completion_tokens", None),
        latency_s=latency_s,
        response_id=getattr(response, "id", None),
        refusal=getattr(message, "refusal", None),
        parsed=parsed,
        parse_error=parse_error,
    )
