"""When a failed call is tried again, how long to wait, and when a run must stop.

The SDK can retry by itself (``max_retries``), but each worker would then sleep on its own
and keep hammering a rate limit the others also hit. So the SDK client is built with
``max_retries=0`` and `OpenAICompatibleModel` owns retrying, with the SDK's rules: 408,
409, 429, 5xx, timeouts and connection errors are retried; ``x-should-retry`` overrides the
status; the server's ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date) is
honoured up to `MAX_HINT_S` (a longer hint is not retried), otherwise exponential backoff
with jitter. Unlike the SDK, a 429 saying ``insufficient_quota`` and a refused key (401,
403) are never retried: they stop the run.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

import openai

MAX_HINT_S = 120.0  # the SDK's own ceiling for a Retry-After it will wait for
RETRIED_STATUSES = frozenset({408, 409, 429})
QUOTA, AUTH = "quota", "auth"


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def retry_hint(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, then ``retry-after``)."""
    headers = _headers(exc)
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            if name == "retry-after":
                parsed = email.utils.parsedate_tz(value)
                if parsed is not None:
                    return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return None


def backoff(retries_taken: int) -> float:
    """The SDK's backoff: 0.5 s doubling up to 8 s, minus up to a quarter of jitter."""
    return min(0.5 * 2.0 ** retries_taken, 8.0) * (1 - 0.25 * random.random())


def _error_code(exc: openai.APIStatusError) -> str | None:
    if exc.code:
        return str(exc.code)
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner.get("code") or inner.get("type")
    return None


def fatal_kind(exc: BaseException) -> str | None:
    """`QUOTA` or `AUTH` for errors no retry can fix and that every later call would hit."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    if exc.status_code in (401, 403):
        return AUTH
    if exc.status_code == 429 and _error_code(exc) == "insufficient_quota":
        return QUOTA
    return None


def is_rate_limit(exc: BaseException) -> bool:
    return isinstance(exc, openai.APIStatusError) and exc.status_code == 429


def retry_delay(exc: BaseException, retries_taken: int) -> float | None:
    """Seconds to wait before trying again, or None when the error is not to be retried."""
    if fatal_kind(exc) is not None:
        return None
    if isinstance(exc, openai.APIStatusError):
        headers = _headers(exc)
        should = headers.get("x-should-retry") if headers is not None else None
        if should == "false":
            return None
        if should != "true" and not (exc.status_code in RETRIED_STATUSES
                                     or exc.status_code >= 500):
            return None
    elif not isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return None
    hint = retry_hint(exc)
    if hint is not None and hint > MAX_HINT_S:
        return None
    if hint is not None and hint >= 0:
        return hint
    return backoff(retries_taken)


def fatal_reason(kind: str, reason: str) -> str:
    """The one sentence a stopped run reports."""
    if kind == QUOTA:
        return f"stopped: the account has no quota left ({reason}); add credit and run again"
    return f"stopped: the endpoint refused the API key ({reason}); check the key and run again"
