"""Turning approved pairs into training examples (chat messages), before any profile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from ..review.store import ApprovedPair


@dataclass(frozen=True, slots=True)
class Example:
    """One output line before rendering: chat messages plus where they came from."""

    messages: list[dict]
    pair_ids: tuple[int, ...]
    conversation_id: str


def pair_messages(pair: ApprovedPair) -> list[dict]:
    """[system, user, assistant]. An empty system is kept on purpose: validation flags it,
    so the reviewer fixes the pair instead of the export silently changing its shape."""
    return [
        {"role": "system", "content": pair.system},
        {"role": "user", "content": pair.question},
        {"role": "assistant", "content": pair.answer},
    ]


def build_examples(pairs: Iterable[ApprovedPair], *, multi_turn: bool = False) -> Iterator[Example]:
    """One example per pair, or with `multi_turn` one per conversation.

    A multi-turn example carries the system line of the conversation's first pair, then the
    pairs' questions and answers alternating. `pairs` must be ordered by conversation (as
    `review.store.iter_approved` yields them).
    """
    if not multi_turn:
        for pair in pairs:
            yield Example(pair_messages(pair), (pair.id,), pair.conversation_id)
        return
    for conversation_id, group in groupby(pairs, key=lambda p: p.conversation_id):
        members = list(group)
        messages = [{"role": "system", "content": members[0].system}]
        for pair in members:
            messages.append({"role": "user", "content": pair.question})
            messages.append({"role": "assistant", "content": pair.answer})
        yield Example(messages, tuple(p.id for p in members), conversation_id)
