"""SDK exceptions turned into short, key-free reasons."""

from __future__ import annotations

import openai

from .base import LLMError

MAX_REASON_CHARS = 500


def to_llm_error(exc: Exception, timeout: float) -> LLMError:
    """The `LLMError` for an exception raised by an SDK call (its reason not yet redacted)."""
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(f"API timeout: no answer within {timeout:g} s (after retries)", "timeout")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(f"API connection error: {exc.__cause__ or exc}"[:MAX_REASON_CHARS],
                        "connection")
    if isinstance(exc, openai.RateLimitError):
        code = f" ({exc.code})" if exc.code else ""
        return LLMError(f"rate limited: HTTP 429{code} after retries: {_api_message(exc)}",
                        "rate_limit")
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"API error HTTP {exc.status_code}: {_api_message(exc)}", "http_status",
                        exc.status_code)
    if isinstance(exc, ValueError):  # the response body itself was not JSON
        return LLMError(f"API returned an unreadable response: {exc}"[:MAX_REASON_CHARS],
                        "unreadable")
    return LLMError(
        f"unexpected error calling the API: {type(exc).__name__}: {exc}"[:MAX_REASON_CHARS])


def describe_error(exc: Exception, timeout: float) -> str:
    """A short, key-free reason for an exception raised by the SDK call."""
    return to_llm_error(exc, timeout).reason


def _api_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:MAX_REASON_CHARS]
    return str(exc.message)[:MAX_REASON_CHARS]
