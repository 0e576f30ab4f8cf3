"""The holdout: examples kept out of training for a validation file, grouped by
conversation and reproducible by seed.

(Not to be confused with splitting, which turns a conversation into question/answer pairs.)

A holdout (`--validation-split` / `--holdout` on the command line) is read as:
- a float strictly between 0 and 1: that fraction of the examples (rounded, at least one);
- an int of 1 or more: that number of examples.

Whole conversations are held out, so a conversation's pairs never land on both sides.
Conversations are visited in a seeded shuffled order and each is taken if it still fits
under the target, so the holdout never holds more than asked and falls short only by less
than the size of every conversation left out. When no single conversation fits, the
smallest one is taken. Both files keep the database order. With one pair per example
(the default) the count is exactly the number asked for.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import TypeVar

from .build import Example

T = TypeVar("T", bound=Example)

Holdout = float | int


class HoldoutError(ValueError):
    """The requested holdout cannot be made (bad value, or too few conversations)."""


def parse_holdout(value: str | float | int | None) -> Holdout | None:
    """Accept "0.2" (fraction) or "25" (count), as typed on the command line."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise HoldoutError("holdout must be a fraction or a count")
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed: Holdout = int(text)
        except ValueError:
            try:
                parsed = float(text)
            except ValueError:
                raise HoldoutError(
                    f"holdout {value!r} is neither a fraction (0<F<1) nor a count"
                ) from None
        value = parsed
    if isinstance(value, int):
        if value < 1:
            raise HoldoutError(f"holdout count must be 1 or more, got {value}")
        return value
    if isinstance(value, float):
        if value != value or not 0.0 < value < 1.0:
            raise HoldoutError(f"holdout fraction must be between 0 and 1, got {value}")
        return value
    raise HoldoutError(f"holdout must be a fraction or a count, got {value!r}")


def holdout_size(total: int, holdout: Holdout) -> int:
    """How many of `total` examples the validation side should hold."""
    if isinstance(holdout, int):
        return holdout
    return max(1, round(total * holdout))


def hold_out(
    examples: Sequence[T], holdout: Holdout, *, seed: int = 42,
    frozen: Iterable[str] = (),
) -> tuple[list[T], list[T]]:
    """(train, validation). Conversations in `frozen` (held out by an earlier export) are
    always on the validation side. Raises HoldoutError when either side would be empty."""
    wanted = parse_holdout(holdout)
    if wanted is None:
        raise HoldoutError("holdout must be a fraction or a count, got nothing")
    groups: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault(example.conversation_id, []).append(index)
    if len(groups) < 2:
        raise HoldoutError(
            f"a holdout needs approved pairs from at least 2 conversations, found {len(groups)}"
        )
    total = len(examples)
    target = holdout_size(total, wanted)
    if target >= total:
        raise HoldoutError(
            f"a holdout of {target} example(s) leaves nothing to train on"
            f" ({total} example(s) in all)"
        )
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    chosen: set[str] = {c for c in frozen if c in groups}
    taken = sum(len(groups[c]) for c in chosen)
    for conversation_id in order:
        if conversation_id in chosen or taken >= target:
            continue
        size = len(groups[conversation_id])
        if taken + size <= target:
            chosen.add(conversation_id)
            taken += size
            if taken == target:
                break
    if not chosen:
        smallest = min(order, key=lambda c: len(groups[c]))
        chosen.add(smallest)
    train = [e for e in examples if e.conversation_id not in chosen]
    valid = [e for e in examples if e.conversation_id in chosen]
    if not train:
        raise HoldoutError("the holdout took every conversation; nothing left to train on")
    return train, valid
