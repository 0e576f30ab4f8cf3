"""Conversations too long for the model's context: counted, cut into chunks, merged back.

Tokens are counted offline with tiktoken (`reviewer.tokens`; models it does not know are
counted with ``o200k_base``, close enough for a budget). A request must hold the prompt
(instructions and few-shot examples), the conversation and the answer, so the room for the
conversation is the context window minus the prompt minus the output bound that conversation
gets (`output_bound`: an answer restates the conversation at most, so it never needs much
more than its size).

A conversation over that room is cut on turn boundaries into chunks that overlap by a few
turns (a question at the end of one chunk is answered at the start of the next), each chunk
is split on its own, its turn numbers are shifted back to the conversation's, and the pairs
are merged: a pair found in two chunks (same source turns, or the same question once
whitespace and case are ignored) is kept once and counted as merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import tiktoken

from ..models import Conversation, QAPair, Turn, normalise_text
from ..tokens import TokenizerUnavailable, count_chat_tokens, encoding_name_for_model, get_encoding

# Output bound: an answer restates (part of) the conversation plus a little JSON per pair.
OUTPUT_PER_INPUT = 2
OUTPUT_BASE = 256
OVERLAP_TURNS = 4  # at most this many turns are repeated at the start of the next chunk
OVERLAP_SHARE = 3  # ... and at most 1/OVERLAP_SHARE of a chunk's room
WRAPPER_TOKENS = 24  # "Split this conversation." and the tags around the transcript

# Context windows of the hosted families (tokens); anything else gets the default, which a
# local server's own setting (Ollama num_ctx, llama.cpp -c, vLLM max_model_len) should
# replace through the splitter's `context_window`.
_WINDOWS = (("gpt-4.1", 1_047_576), ("gpt-5", 400_000), ("gpt-4o", 128_000),
            ("chatgpt-4o", 128_000), ("o1", 200_000), ("o3", 200_000), ("o4", 200_000),
            ("gpt-4-turbo", 128_000), ("gpt-3.5-turbo", 16_385), ("gpt-4", 8_192))
DEFAULT_CONTEXT_WINDOW = 8_192


def context_window_for(model: str) -> int:
    name = model.lower().removeprefix("ft:")
    for prefix, window in _WINDOWS:
        if name.startswith(prefix):
            return window
    return DEFAULT_CONTEXT_WINDOW


def output_bound(input_tokens: int, configured: int) -> int:
    """The output limit for a conversation of `input_tokens`: never above `configured`."""
    return max(1, min(int(configured), OUTPUT_PER_INPUT * int(input_tokens) + OUTPUT_BASE))


class TokenCounter:
    """Token counts for one model's encoding (falls back to a rough count without it)."""

    def __init__(self, model: str) -> None:
        self._enc: tiktoken.Encoding | None
        try:
            self._enc = get_encoding(encoding_name_for_model(model))
        except TokenizerUnavailable:
            self._enc = None

    def texts(self, texts: Sequence[str]) -> list[int]:
        if self._enc is None:  # about two characters a token covers Korean and English
            return [len(t) // 2 + 1 for t in texts]
        return [len(ids) for ids in self._enc.encode_ordinary_batch(list(texts))]

    def messages(self, messages: list[dict]) -> int:
        if self._enc is None:
            return sum(len(str(m.get("content", ""))) // 2 + 4 for m in messages)
        return count_chat_tokens(messages, self._enc)


@dataclass(frozen=True)
class Budget:
    """What a request may hold: the model's window, the prompt's share and the output bound."""

    context_window: int
    prompt_tokens: int
    max_output_tokens: int

    def fits(self, input_tokens: int) -> bool:
        need = (self.prompt_tokens + WRAPPER_TOKENS + input_tokens
                + output_bound(input_tokens, self.max_output_tokens))
        return need <= self.context_window

    def room(self) -> int:
        """The most conversation tokens one request can take (0: not even the prompt fits)."""
        low, high = 0, max(0, self.context_window)
        while low < high:  # the largest n that fits; fits() is monotonic in n
            middle = (low + high + 1) // 2
            if self.fits(middle):
                low = middle
            else:
                high = middle - 1
        return low

    def describe(self, input_tokens: int) -> str:
        return (f"{input_tokens:,} conversation tokens + {self.prompt_tokens:,} prompt tokens "
                f"+ {output_bound(input_tokens, self.max_output_tokens):,} output tokens "
                f"reserved > the context window of {self.context_window:,}")


class TurnTooLong(ValueError):
    """One turn alone is over the room a request has."""

    def __init__(self, index: int, tokens: int, room: int) -> None:
        super().__init__(f"turn {index + 1} alone is {tokens:,} tokens, over the "
                         f"{room:,} a request has room for")
        self.index = index


@dataclass(frozen=True)
class Chunk:
    """Turns ``start`` to ``end`` (exclusive) of a conversation, and their token count."""

    start: int
    end: int
    tokens: int


def plan_chunks(sizes: Sequence[int], room: int, *,
                starts_question: Callable[[int], bool] = lambda i: True) -> list[Chunk]:
    """Cut turns of the given token `sizes` into chunks of at most `room` tokens that overlap.

    The next chunk starts up to `OVERLAP_TURNS` turns before the previous one ended, at a
    turn for which `starts_question` holds when there is one (a customer's turn), so an
    exchange cut by the boundary is whole in the next chunk.
    """
    for index, size in enumerate(sizes):
        if size > room:
            raise TurnTooLong(index, size, room)
    chunks: list[Chunk] = []
    start, total = 0, len(sizes)
    while start < total:
        end, used = start, 0
        while end < total and used + sizes[end] <= room:
            used += sizes[end]
            end += 1
        chunks.append(Chunk(start, end, used))
        if end >= total:
            break
        start = _next_start(sizes, start, end, room, starts_question)
    return chunks


def _next_start(sizes: Sequence[int], start: int, end: int, room: int,
                starts_question: Callable[[int], bool]) -> int:
    limit = room // OVERLAP_SHARE
    candidates = []
    carried = 0
    for first in range(end - 1, max(start, end - OVERLAP_TURNS) - 1, -1):
        carried += sizes[first]
        if carried > limit or first <= start:
            break
        candidates.append(first)
    questions = [i for i in candidates if starts_question(i)]
    if questions:
        return min(questions)
    return min(candidates) if candidates else end


def part_of(conversation: Conversation, chunk: Chunk) -> Conversation:
    """The chunk's turns as a conversation of their own (numbered from 1 in its prompt)."""
    return replace(conversation, turns=list(conversation.turns[chunk.start:chunk.end]),
                   meta=dict(conversation.meta))


def shifted(pair: QAPair, offset: int) -> QAPair:
    """A pair from a chunk with its source turns counted in the whole conversation."""
    return replace(pair, question_turns=tuple(i + offset for i in pair.question_turns),
                   answer_turns=tuple(i + offset for i in pair.answer_turns))


def _same(a: QAPair, b: QAPair) -> bool:
    if (a.question_turns and a.answer_turns and set(a.question_turns) & set(b.question_turns)
            and set(a.answer_turns) & set(b.answer_turns)):
        return True
    # The same question twice is one pair (the store would keep only the first anyway).
    return normalise_text(a.question).casefold() == normalise_text(b.question).casefold()


def merge_pairs(pairs: Sequence[QAPair]) -> tuple[list[QAPair], int]:
    """Pairs without duplicates, in order of their first source turn, and how many merged.

    A pair is a duplicate when it matches any copy already seen. Of the copies, the one with
    more source turns (found whole, not cut at a chunk edge), then the longer answer, is kept.
    """
    groups: list[list[QAPair]] = []
    for pair in pairs:
        group = next((g for g in groups if any(_same(o, pair) or _same(pair, o) for o in g)),
                     None)
        if group is None:
            groups.append([pair])
        else:
            group.append(pair)
    kept = [max(g, key=_weight) for g in groups]  # max keeps the first of equals
    kept.sort(key=lambda p: min(p.question_turns, default=1 << 30))
    return kept, len(pairs) - len(groups)


def _weight(pair: QAPair) -> tuple[int, int]:
    return len(pair.question_turns) + len(pair.answer_turns), len(pair.answer)


def turn_lines(turns: Sequence[Turn], render: Callable[[list[Turn]], str]) -> list[str]:
    """Each turn as the prompt renders it (numbering aside), for counting."""
    return [render([turn]) for turn in turns]
