"""LLM splitter: any OpenAI-compatible chat endpoint through the `openai` SDK.

One client is shared by all worker threads (its HTTP pool is thread-safe and allows far
more than the run's concurrency). Every failure — API errors after the SDK's retries,
timeouts, truncated, refused or malformed answers — becomes a failed `SplitResult` with
a reason; nothing raises out of `split`.
"""

from __future__ import annotations

from pathlib import Path

import openai
from openai.types.chat import ChatCompletion

from ..llm.client import make_client
from ..llm.endpoint import CUSTOM, Endpoint, without_credentials
from ..llm.providers import OPENAI_BASE_URL
from ..models import Conversation, SplitResult
from .base import NotedResult, SplitterConfigError
from .checks import AnswerError, check_answer, parse_answer
from .fewshot import DEFAULT_FEW_SHOT, load_few_shot
from .prompt import PROMPT_VERSION, build_messages, prompt_prefix, response_format
from .settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

DEFAULT_MAX_OUTPUT_TOKENS = 4096
MAX_REASON_CHARS = 500


class LLMSplitter:
    """Splits with a chat model asked for strict JSON; checks every answer locally."""

    def __init__(
        self,
        model: str,
        *,
        endpoint: Endpoint | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        few_shot: Path | str | None = None,
        examples: list[list[dict]] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        temperature: float = 0.0,
    ) -> None:
        """`endpoint` comes from `reviewer.llm.resolve_endpoint`; `base_url` / `api_key` build
        one directly (code and tests that hold the key themselves)."""
        if not model:
            raise SplitterConfigError("no model given for the llm splitter")
        if endpoint is None:
            if not api_key and not base_url:
                raise SplitterConfigError(
                    "the llm splitter needs an endpoint: a provider, or a base URL")
            endpoint = Endpoint("openai" if not base_url else CUSTOM,
                                base_url or OPENAI_BASE_URL, None, api_key)
        self.model = model
        self.name = f"llm:{model}"
        self.endpoint = endpoint
        self.base_url = endpoint.base_url
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.max_output_tokens = int(max_output_tokens)
        self.temperature = temperature
        if examples is not None:
            self.few_shot_path: Path | None = None
            self.examples = examples
        else:
            path = Path(few_shot) if few_shot else DEFAULT_FEW_SHOT
            # The bundled default may be absent in an installed copy; a chosen file may not.
            if few_shot or path.exists():
                self.examples = load_few_shot(path)
                self.few_shot_path = path
            else:
                self.examples, self.few_shot_path = [], None
        self._prefix = prompt_prefix(self.examples)
        self._response_format = response_format()
        self._secret = endpoint.api_key or ""
        self._client = make_client(endpoint, timeout=self.timeout, max_retries=self.max_retries)

    def __repr__(self) -> str:  # never show the key
        return f"LLMSplitter(model={self.model!r}, base_url={self.endpoint.safe_url!r})"

    def settings(self) -> dict:
        """What a run records about this splitter. Contains no key."""
        return {
            "splitter": self.name,
            "model": self.model,
            "provider": self.endpoint.provider,
            "base_url": without_credentials(self.base_url),
            "key_env": self.endpoint.key_env,
            "prompt_version": PROMPT_VERSION,
            "few_shot": str(self.few_shot_path) if self.few_shot_path else None,
            "few_shot_examples": len(self.examples),
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "max_output_tokens": self.max_output_tokens,
        }

    def request_kwargs(self, conversation: Conversation) -> dict:
        kwargs: dict = {
            "model": self.model,
            "messages": build_messages(conversation, prefix=self._prefix),
            "response_format": self._response_format,
            "temperature": self.temperature,
        }
        # OpenAI's own API wants max_completion_tokens; local servers know max_tokens.
        limit_key = "max_completion_tokens" if self.endpoint.is_openai else "max_tokens"
        kwargs[limit_key] = self.max_output_tokens
        return kwargs

    def split(self, conversation: Conversation) -> SplitResult:
        if not conversation.turns:
            return SplitResult(error="empty conversation: no turns")
        try:
            # `post` sends the body as built: the typed `create` first walks every message
            # and the whole schema through its parameter transform, which costs more CPU
            # per call than everything else here and limits throughput at high concurrency.
            # Retries, timeouts and error classes are the same.
            response = self._client.post(
                "/chat/completions", body=self.request_kwargs(conversation),
                cast_to=ChatCompletion,
            )
        except Exception as exc:  # every API/transport problem fails this conversation only
            return SplitResult(error=self._redact(describe_error(exc, self.timeout)))
        return self._read(response, conversation)

    def _read(self, response, conversation: Conversation) -> SplitResult:
        choices = getattr(response, "choices", None) or []
        if not choices:
            return SplitResult(error="the API returned no choices")
        choice = choices[0]
        message = choice.message
        if choice.finish_reason == "length":
            return SplitResult(
                error="truncated: the answer hit the output token limit (finish_reason=length)"
            )
        if choice.finish_reason == "content_filter":
            return SplitResult(error="blocked by the provider's content filter")
        refusal = getattr(message, "refusal", None)
        if refusal:
            return SplitResult(error=self._redact(f"model refused: {refusal}"[:MAX_REASON_CHARS]))
        try:
            checked = check_answer(parse_answer(message.content), conversation)
        except AnswerError as exc:
            return SplitResult(error=self._redact(str(exc)[:MAX_REASON_CHARS]))
        return NotedResult(pairs=checked.pairs, notes=checked.dropped)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


def describe_error(exc: Exception, timeout: float) -> str:
    """A short, key-free reason for an exception raised by the SDK call."""
    if isinstance(exc, openai.APITimeoutError):
        return f"API timeout: no answer within {timeout:g} s (after retries)"
    if isinstance(exc, openai.APIConnectionError):
        return f"API connection error: {exc.__cause__ or exc}"[:MAX_REASON_CHARS]
    if isinstance(exc, openai.RateLimitError):
        code = f" ({exc.code})" if exc.code else ""
        return f"rate limited: HTTP 429{code} after retries: {_api_message(exc)}"
    if isinstance(exc, openai.APIStatusError):
        return f"API error HTTP {exc.status_code}: {_api_message(exc)}"
    if isinstance(exc, ValueError):  # the response body itself was not JSON
        return f"API returned an unreadable response: {exc}"[:MAX_REASON_CHARS]
    return f"unexpected error calling the API: {type(exc).__name__}: {exc}"[:MAX_REASON_CHARS]


def _api_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:MAX_REASON_CHARS]
    return str(exc.message)[:MAX_REASON_CHARS]
