"""LLM splitter: the split prompt and the checks on its answer, on top of `reviewer.llm`.

The model layer makes the call (and records it); this module sizes the request, asks for
strict JSON, and judges the answer. The conversation is counted first: one too long for the
context goes in overlapping chunks (`chunking`), and every request's output limit follows
the size of what it sends. Every failure becomes a failed `SplitResult` whose reason starts
with its code (`failures`): a timeout, the output limit, a context overflow, a loop, the
wrong language, malformed JSON, a refusal…; nothing raises out of `split`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..fewshot import DEFAULT_FEW_SHOT, load_few_shot_set
from ..importing.speakers import CUSTOMER
from ..llm.base import CallTags, ChatModel, Completion, LLMError
from ..llm.cache import ResponseCache
from ..llm.calls import CallSink
from ..llm.endpoint import CUSTOM, Endpoint
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
from ..models import Conversation, QAPair, SplitResult
from .base import NotedResult, SplitterConfigError
from .checks import AnswerError, check_answer, parse_answer
from .chunking import (
    Budget,
    Chunk,
    TokenCounter,
    TurnTooLong,
    context_window_for,
    merge_pairs,
    output_bound,
    part_of,
    plan_chunks,
    shifted,
    turn_lines,
)
from .failures import (
    API_ERROR,
    CONTEXT_OVERFLOW,
    NO_PAIRS,
    OUTPUT_LIMIT,
    REFUSAL,
    REPETITION,
    SPLITTER_ERROR,
    TIMEOUT,
    code_for_error,
    reason,
)
from .prompt import (
    PROMPT_VERSION,
    SCHEMA_NAME,
    FewShotExample,
    build_messages,
    prompt_prefix,
    render_transcript,
    response_schema,
)
from .repetition import describe, loop_in_answer
from .settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

DEFAULT_MAX_OUTPUT_TOKENS = 4096
PURPOSE = "split"
SPLIT_SCHEMA = Schema(SCHEMA_NAME, response_schema())


def prompt_tag(base: str | None, version_id: int | None) -> str | None:
    """What `llm_calls.prompt_version` records: the wording's version and the recorded
    prompt version's id (``split-v2#12``), or the wording alone before one is recorded."""
    if version_id is None:
        return base
    return f"{base or PROMPT_VERSION}#{version_id}"


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
        examples: list[FewShotExample | list[dict]] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        temperature: float = 0.0,
        context_window: int | None = None,
        chunking: bool = True,
    ) -> None:
        """Give a ready `llm`, or a model name with an `endpoint` (from
        `reviewer.llm.resolve_endpoint`) or with `base_url` / `api_key` (code and tests that
        hold the key themselves).

        `context_window`: the model's context in tokens (default: known for hosted model
        families, else `DEFAULT_CONTEXT_WINDOW`; set it to a local server's setting). A
        conversation too long for it is split in overlapping chunks, or refused as a context
        overflow with `chunking` off."""
        if llm is None:
            if not model:
                raise SplitterConfigError("no model given for the llm splitter")
            if endpoint is None:
                if not api_key and not base_url:
                    raise SplitterConfigError(
                        "the llm splitter needs an endpoint: a provider, or a base URL")
                endpoint = Endpoint("openai" if not base_url else CUSTOM,
                                    base_url or OPENAI_BASE_URL, None, api_key)
            # Every request's output is bounded by its conversation, so a generation still
            # running at the timeout would run as long again: it is not retried.
            llm = OpenAICompatibleModel(model, endpoint, timeout=timeout,
                                        max_retries=max_retries, temperature=temperature,
                                        retry_read_timeouts=False)
        self.llm = llm
        self.model = llm.model_id
        self.name = f"llm:{self.model}"
        self.max_output_tokens = int(max_output_tokens)
        self.chunking = bool(chunking)
        self._counter = TokenCounter(self.model)
        self._context_window = int(context_window or context_window_for(self.model))
        # A file or examples given here win over the database's few-shot set.
        self.few_shot_explicit = examples is not None or bool(few_shot)
        self.prompt_version_id: int | None = None  # set when the prompt is recorded
        self.few_shot_path: Path | None = None
        if examples is None:
            path = Path(few_shot) if few_shot else DEFAULT_FEW_SHOT
            # The bundled default may be absent in an installed copy; a chosen file may not.
            if few_shot or path.exists():
                examples, self.few_shot_path = load_few_shot_set(path), path
        self.use_examples(examples or [])
        self.rung: str | None = None  # the structured-output form the server took

    def use_examples(self, examples: list[FewShotExample | list[dict]]) -> None:
        """Carry these few-shot examples in every request from now on."""
        self.examples = list(examples)
        plain = prompt_prefix(self.examples)
        # Rungs without a schema in the request carry it in the system prompt instead.
        with_schema = [{**plain[0], "content": plain[0]["content"] + "\n\n"
                        + schema_instruction(SPLIT_SCHEMA)}, *plain[1:]]
        self._prefixes = {rung: plain if rung in (JSON_SCHEMA, JSON_OBJECT_SCHEMA)
                          else with_schema for rung in RUNGS}
        self.budget = Budget(
            self._context_window,
            max(self._counter.messages(prefix) for prefix in self._prefixes.values()),
            self.max_output_tokens)

    def prompt_messages(self) -> list[dict]:
        """The system message and few-shot messages every request starts with."""
        return list(self._prefixes[JSON_SCHEMA])

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
            "prompt_version_id": self.prompt_version_id,
            "few_shot": str(self.few_shot_path) if self.few_shot_path else None,
            "few_shot_examples": len(self.examples),
            "max_output_tokens": self.max_output_tokens,
            "context_window": self.budget.context_window,
            "prompt_tokens": self.budget.prompt_tokens,
            "chunking": self.chunking,
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

    def request_max_tokens(self, conversation: Conversation) -> int:
        """The output limit `split` asks for on `conversation` sent whole (batches)."""
        sizes = self._counter.texts(turn_lines(conversation.turns, render_transcript))
        return output_bound(sum(sizes), self.max_output_tokens)

    def fits_one_request(self, conversation: Conversation) -> bool:
        """Whether `conversation` goes in one request whole (no chunks needed)."""
        sizes = self._counter.texts(turn_lines(conversation.turns, render_transcript))
        return self.budget.fits(sum(sizes))

    def judge(self, completion: Completion, conversation: Conversation) -> SplitResult:
        """The checks `split` applies to an answer, for answers that came another way
        (a batch's output file)."""
        return self._read(completion, conversation, self.request_max_tokens(conversation))

    def split(self, conversation: Conversation) -> SplitResult:
        if not conversation.turns:
            return SplitResult(error="empty conversation: no turns")
        sizes = self._counter.texts(turn_lines(conversation.turns, render_transcript))
        total = sum(sizes)
        if self.budget.fits(total):
            return self._split_part(conversation, total)
        if not self.chunking:
            return SplitResult(error=reason(CONTEXT_OVERFLOW, (
                f"not sent: {self.budget.describe(total)}; chunking is off")))
        try:
            chunks = plan_chunks(sizes, self.budget.room(), starts_question=lambda i: (
                conversation.turns[i].role == CUSTOMER))
        except TurnTooLong as exc:
            return SplitResult(error=reason(CONTEXT_OVERFLOW, f"not sent: {exc}"))
        return self._split_chunks(conversation, chunks)

    def _split_chunks(self, conversation: Conversation, chunks: list[Chunk]) -> SplitResult:
        """Each chunk on its own, then the pairs merged. A chunk without pairs is noted; any
        other failure fails the conversation (its pairs would be a partial split)."""
        pairs: list[QAPair] = []
        notes: list[str] = []
        codes: list[str] = []
        remarks: list[str] = []
        system: str | None = None
        for number, chunk in enumerate(chunks, 1):
            where = f"chunk {number} of {len(chunks)} (turns {chunk.start + 1}–{chunk.end})"
            result = self._split_part(part_of(conversation, chunk), chunk.tokens)
            if result.error is not None:
                code, _, detail = result.error.partition(": ")
                if code == NO_PAIRS:
                    remarks.append(reason(NO_PAIRS, f"{where}: {detail}"))
                    continue
                return SplitResult(error=reason(code, f"{where}: {detail}"))
            system = system or (result.pairs[0].system if result.pairs else None)
            pairs.extend(shifted(p, chunk.start) for p in result.pairs)
            if isinstance(result, NotedResult):
                notes.extend(f"{where}: {n}" for n in result.notes)
                codes.extend(result.codes)
                for remark in result.remarks:
                    code, _, detail = remark.partition(": ")
                    remarks.append(reason(code, f"{where}: {detail}"))
        if not pairs:
            return SplitResult(error=reason(NO_PAIRS, "no usable pair in any chunk: "
                                            + "; ".join(remarks)))
        # One system line per conversation: the first chunk's, which saw how it began.
        merged, count = merge_pairs([replace(p, system=system or p.system) for p in pairs])
        return NotedResult(pairs=merged, notes=notes, codes=codes, remarks=remarks,
                           merged=count, chunks=len(chunks))

    def _split_part(self, conversation: Conversation, input_tokens: int) -> SplitResult:
        """One request (down the structured-output ladder when the form is not known yet)."""
        subject = conversation.meta.get("id") or conversation.content_id()
        max_tokens = output_bound(input_tokens, self.max_output_tokens)
        known = RUNG_CACHE.get(self.llm.provider, self.model)
        refused: list[str] = []
        for rung in rungs_from(known):
            try:
                completion = self.llm.complete(
                    build_messages(conversation, prefix=self._prefixes[rung]),
                    response_format=structured_format(rung, SPLIT_SCHEMA),
                    max_tokens=max_tokens,
                    tags=CallTags(PURPOSE, subject,
                                  prompt_tag(PROMPT_VERSION, self.prompt_version_id)))
            except LLMError as exc:
                code = code_for_error(exc)
                if code == API_ERROR and known is None and refused_format(exc):
                    refused.append(f"{rung}: {exc.reason}")
                    continue  # the server does not take this form; try the next one
                return SplitResult(error=reason(code, self._explain(code, exc, max_tokens)))
            except Exception as exc:  # a model bug fails this conversation only
                detail = f"unexpected error calling the model: {type(exc).__name__}: {exc}"
                return SplitResult(error=reason(SPLITTER_ERROR, self.llm.redact(detail)))
            if known is None:
                RUNG_CACHE.set(self.llm.provider, self.model, rung)
            self.rung = rung
            return self._read(completion, conversation, max_tokens)
        return SplitResult(error=reason(API_ERROR, (
            f"the server took none of the structured-output forms ({'; '.join(refused)})")))

    def _explain(self, code: str, error: LLMError, max_tokens: int) -> str:
        timeout = getattr(self.llm, "timeout", None)
        if code == TIMEOUT and getattr(self.llm, "retry_read_timeouts", True) is False:
            within = f" within {timeout:g} s" if timeout else ""
            return (f"no answer{within} with the output bounded at {max_tokens:,} tokens; "
                    "a generation that long is not sent again with the same settings")
        if code == TIMEOUT:
            return f"{error.reason} (output bounded at {max_tokens:,} tokens)"
        if code == CONTEXT_OVERFLOW:
            return f"the server says the request does not fit the context: {error.reason}"
        return error.reason

    def _read(self, completion: Completion, conversation: Conversation,
              max_tokens: int) -> SplitResult:
        source = "\n".join(t.text for t in conversation.turns)
        loop = loop_in_answer(completion.text, source, truncated=completion.truncated)
        if completion.truncated:
            if loop is not None:
                return SplitResult(error=reason(REPETITION, (
                    f"the answer repeats “{describe(loop)}” until the output limit of "
                    f"{max_tokens:,} tokens")))
            produced = completion.output_tokens
            if produced is not None and produced < max_tokens * 0.9:
                return SplitResult(error=reason(CONTEXT_OVERFLOW, (
                    f"the answer stopped at {produced:,} of {max_tokens:,} output tokens "
                    "(finish_reason=length): the prompt"
                    + (f" ({completion.input_tokens:,} tokens)" if completion.input_tokens
                       else "") + " left no room in the model's context")))
            return SplitResult(error=reason(OUTPUT_LIMIT, (
                f"the answer hit the output limit of {max_tokens:,} tokens "
                "(finish_reason=length)")))
        if completion.finish_reason == "content_filter":
            return SplitResult(error=reason(REFUSAL, "blocked by the provider's content filter"))
        if completion.refusal:
            return SplitResult(error=reason(REFUSAL, self.llm.redact(
                f"model refused: {completion.refusal}")))
        if loop is not None:
            return SplitResult(error=reason(REPETITION, f"the answer repeats “{describe(loop)}”"))
        try:
            checked = check_answer(parse_answer(completion.text), conversation)
        except AnswerError as exc:
            return SplitResult(error=reason(exc.code, self.llm.redact(str(exc))))
        pairs, merged = merge_pairs(checked.pairs)
        return NotedResult(pairs=pairs, notes=checked.dropped, codes=checked.codes,
                           remarks=checked.remarks, merged=merged)
