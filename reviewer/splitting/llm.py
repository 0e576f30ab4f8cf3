"""LLM splitter: the split prompt and the checks on its answer, on top of `reviewer.llm`.

The model layer makes the call (and records it); this module builds the messages, asks for
strict JSON, and judges the answer. Every failure (API errors after the SDK's retries,
timeouts, truncated, refused, filtered, malformed or ungrounded answers) becomes a failed
`SplitResult` with a reason; nothing raises out of `split`.
"""

from __future__ import annotations

from pathlib import Path

from ..fewshot import DEFAULT_FEW_SHOT, load_few_shot
from ..llm.base import CallTags, ChatModel, Completion, LLMError
from ..llm.cache import ResponseCache
from ..llm.calls import CallSink
from ..llm.endpoint import CUSTOM, Endpoint
from ..llm.errors import MAX_REASON_CHARS
from ..llm.openai_compat import OpenAICompatibleModel
from ..llm.providers import OPENAI_BASE_URL
from ..llm.structured import (
    JSON_OBJECT_SCHEMA,
    JSON_SCHEMA,
    RUNG_CACHE,
    RUNGS,
    Schema,
    refused_format,
    rungs_from,
    schema_instruction,
)
from ..llm.structured import response_format as structured_format
from ..models import Conversation, SplitResult
from .base import NotedResult, SplitterConfigError
from .checks import AnswerError, check_answer, parse_answer
from .prompt import PROMPT_VERSION, SCHEMA_NAME, build_messages, prompt_prefix, response_schema
from .settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

DEFAULT_MAX_OUTPUT_TOKENS = 4096
PURPOSE = "split"
SPLIT_SCHEMA = Schema(SCHEMA_NAME, response_schema())


class LLMSplitter:
    """Splits with a chat model asked for strict JSON; checks every answer locally."""

    def __init__(
        self,
        model: str | None = None,
        *,
        llm: ChatModel | None = None,
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
        """Give a ready `llm`, or a model name with an `endpoint` (from
        `reviewer.llm.resolve_endpoint`) or with `base_url` / `api_key` (code and tests that
        hold the key themselves)."""
        if llm is None:
            if not model:
                raise SplitterConfigError("no model given for the llm splitter")
            if endpoint is None:
                if not api_key and not base_url:
                    raise SplitterConfigError(
                        "the llm splitter needs an endpoint: a provider, or a base URL")
                endpoint = Endpoint("openai" if not base_url else CUSTOM,
                                    base_url or OPENAI_BASE_URL, None, api_key)
            llm = OpenAICompatibleModel(model, endpoint, timeout=timeout,
                                        max_retries=max_retries, temperature=temperature)
        self.llm = llm
        self.model = llm.model_id
        self.name = f"llm:{self.model}"
        self.max_output_tokens = int(max_output_tokens)
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
        plain = prompt_prefix(self.examples)
        # Rungs without a schema in the request carry it in the system prompt instead.
        with_schema = [{**plain[0], "content": plain[0]["content"] + "\n\n"
                        + schema_instruction(SPLIT_SCHEMA)}, *plain[1:]]
        self._prefixes = {rung: plain if rung in (JSON_SCHEMA, JSON_OBJECT_SCHEMA)
                          else with_schema for rung in RUNGS}
        self.rung: str | None = None  # the structured-output form the server took

    def __repr__(self) -> str:  # never show the key
        return f"LLMSplitter({self.llm!r})"

    def settings(self) -> dict:
        """What a run records about this splitter. Contains no key."""
        model_settings: dict = getattr(self.llm, "settings", dict)()
        return {
            **model_settings,
            "splitter": self.name,
            "model": self.model,
            "provider": self.llm.provider,
            "prompt_version": PROMPT_VERSION,
            "few_shot": str(self.few_shot_path) if self.few_shot_path else None,
            "few_shot_examples": len(self.examples),
            "max_output_tokens": self.max_output_tokens,
            "structured_output": self.rung
            or RUNG_CACHE.get(self.llm.provider, self.model),
        }

    def record_calls_to(self, sink: CallSink | None) -> CallSink | None:
        """Send the model's call records to `sink`; returns the sink it replaces."""
        previous = getattr(self.llm, "call_log", None)
        self.llm.call_log = sink  # type: ignore[attr-defined]
        return previous

    def use_cache(self, cache: ResponseCache | None) -> ResponseCache | None:
        """Answer from (and store into) `cache`; returns the cache it replaces."""
        previous = getattr(self.llm, "cache", None)
        if hasattr(self.llm, "cache"):
            self.llm.cache = cache
        return previous

    def request_messages(self, conversation: Conversation, rung: str = JSON_SCHEMA) -> list:
        """The messages `split` sends for `conversation` on `rung` (cost estimates, batches)."""
        return build_messages(conversation, prefix=self._prefixes[rung])

    def judge(self, completion: Completion, conversation: Conversation) -> SplitResult:
        """The checks `split` applies to an answer, for answers that came another way
        (a batch's output file)."""
        return self._read(completion, conversation)

    def split(self, conversation: Conversation) -> SplitResult:
        if not conversation.turns:
            return SplitResult(error="empty conversation: no turns")
        subject = conversation.meta.get("id") or conversation.content_id()
        known = RUNG_CACHE.get(self.llm.provider, self.model)
        refused: list[str] = []
        for rung in rungs_from(known):
            try:
                completion = self.llm.complete(
                    build_messages(conversation, prefix=self._prefixes[rung]),
                    response_format=structured_format(rung, SPLIT_SCHEMA),
                    max_tokens=self.max_output_tokens,
                    tags=CallTags(PURPOSE, subject, PROMPT_VERSION))
            except LLMError as exc:
                if known is None and refused_format(exc):
                    refused.append(f"{rung}: {exc.reason}")
                    continue  # the server does not take this form; try the next one
                return SplitResult(error=exc.reason)
            except Exception as exc:  # a model bug fails this conversation only
                reason = f"unexpected error calling the model: {type(exc).__name__}: {exc}"
                return SplitResult(error=self.llm.redact(reason)[:MAX_REASON_CHARS])
            if known is None:
                RUNG_CACHE.set(self.llm.provider, self.model, rung)
            self.rung = rung
            return self._read(completion, conversation)
        return SplitResult(error=("the server took none of the structured-output forms "
                                  f"({'; '.join(refused)})")[:MAX_REASON_CHARS])

    def _read(self, completion: Completion, conversation: Conversation) -> SplitResult:
        if completion.truncated:
            return SplitResult(
                error="truncated: the answer hit the output token limit (finish_reason=length)"
            )
        if completion.finish_reason == "content_filter":
            return SplitResult(error="blocked by the provider's content filter")
        if completion.refusal:
            return SplitResult(error=self.llm.redact(
                f"model refused: {completion.refusal}")[:MAX_REASON_CHARS])
        try:
            checked = check_answer(parse_answer(completion.text), conversation)
        except AnswerError as exc:
            return SplitResult(error=self.llm.redact(str(exc))[:MAX_REASON_CHARS])
        return NotedResult(pairs=checked.pairs, notes=checked.dropped)
