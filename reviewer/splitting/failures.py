"""Why a conversation failed to split, as a short code a run can count.

A failed split's reason is stored as ``"<code>: <what happened>"`` (in
``conversations.split_error`` and the run's failures), so the code survives in the database
and `failure_code` can read it back for a summary. The codes name what really happened, not
the symptom the server showed: a context overflow is not an output-limit truncation, and a
runaway repetition is not a timeout.
"""

from __future__ import annotations

import re

from ..llm.base import LLMError
from ..llm.errors import MAX_REASON_CHARS

TIMEOUT = "timeout"  # no answer within the time limit
OUTPUT_LIMIT = "output_limit"  # finish_reason "length" at the output bound
CONTEXT_OVERFLOW = "context_overflow"  # prompt + output do not fit the model's context
REPETITION = "repetition"  # the answer loops on one sentence or phrase
WRONG_LANGUAGE = "wrong_language"  # every pair came back in the other language
INVALID_JSON = "invalid_json"  # not JSON, or not the schema
REFUSAL = "refusal"  # the model refused, or the provider's filter withheld the answer
NO_PAIRS = "no_pairs"  # a well-formed answer without a single usable pair
RATE_LIMIT = "rate_limit"  # HTTP 429 after the retries
CONNECTION = "connection"  # the server could not be reached
API_ERROR = "api_error"  # any other error status or unreadable response
SPLITTER_ERROR = "splitter_error"  # a bug: the splitter or model raised

FAILURE_CODES: tuple[str, ...] = (
    TIMEOUT, OUTPUT_LIMIT, CONTEXT_OVERFLOW, REPETITION, WRONG_LANGUAGE, INVALID_JSON, REFUSAL,
    NO_PAIRS, RATE_LIMIT, CONNECTION, API_ERROR, SPLITTER_ERROR,
)
OTHER = "other"  # a reason written before the codes existed, or by another splitter

# What OpenAI, Azure, vLLM, llama.cpp (llama-server and llama-cpp-python), Ollama, TGI and
# LM Studio say when the prompt and the requested output do not fit the context.
_CONTEXT_WORDS = re.compile(
    r"context[_ ]length[_ ]exceeded|maximum context length|context length"
    r"|exceeds? (?:the )?(?:available )?context|exceed_context_size|context (?:size|window)"
    r"|max_model_len|too many tokens|prompt is too long|input (?:is )?too long"
    r"|(?:tokens|length) (?:\+ `?max_new_tokens`? )?must be <= \d+"
    r"|requested \d+ tokens|exceed(?:s|ed)? (?:the )?(?:model'?s? )?(?:maximum )?(?:token )?limit",
    re.IGNORECASE)


def reason(code: str, detail: str) -> str:
    """The stored form of a failure: ``"<code>: <detail>"``, cut to the reason limit."""
    return f"{code}: {detail}"[:MAX_REASON_CHARS]


def failure_code(text: str | None) -> str:
    """The code a stored reason starts with (`OTHER` when it has none)."""
    if not text:
        return OTHER
    head = text.split(":", 1)[0].strip()
    return head if head in FAILURE_CODES else OTHER


def is_context_overflow(error: LLMError) -> bool:
    """Whether a server error says the request does not fit the model's context."""
    if error.kind != "http_status" or error.status not in (400, 413, 422, 500):
        return False
    return _CONTEXT_WORDS.search(error.reason) is not None


def code_for_error(error: LLMError) -> str:
    """The failure code for an error the model layer raised."""
    if error.kind == "timeout":
        return TIMEOUT
    if is_context_overflow(error):
        return CONTEXT_OVERFLOW
    if error.kind == "rate_limit":
        return RATE_LIMIT
    if error.kind == "connection":
        return CONNECTION
    return API_ERROR
