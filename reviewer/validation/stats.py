"""Token statistics, billed tokens, default epochs and cost (OpenAI cookbook method)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..catalog import MODELS, SOURCE_DATE, ModelInfo

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def default_epochs(n: int) -> int:
    """The cookbook's default epoch heuristic for ``n`` examples."""
    if n <= 0:
        return TARGET_EPOCHS
    if n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    if n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    return TARGET_EPOCHS


def distribution(values: np.ndarray) -> dict[str, Any] | None:
    if values.size == 0:
        return None
    return {"min": int(values.min()), "median": float(np.median(values)),
            "p90": float(np.percentile(values, 90)), "max": int(values.max()),
            "mean": round(float(values.mean()), 1)}


def billed(tokens: np.ndarray, limit: int) -> int:
    return int(np.minimum(tokens, limit).sum()) if tokens.size else 0


def cost(tokens: np.ndarray, info: ModelInfo, epochs: int) -> float | None:
    if info.training_per_1m is None:
        return None
    return round(billed(tokens, info.max_tokens_per_example) * epochs
                 * info.training_per_1m / 1_000_000, 4)


def token_summary(total: np.ndarray, assistant: np.ndarray, n_messages: np.ndarray, *,
                  info: ModelInfo | None, limit: int, epochs: int | None,
                  encoding: str) -> dict[str, Any]:
    n = int(total.size)
    chosen = epochs if epochs is not None else default_epochs(n)
    billed_tokens = billed(total, limit)
    out: dict[str, Any] = {
        "total_tokens": int(total.sum()) if n else 0,
        "billed_tokens": billed_tokens,
        "epochs": chosen,
        "epochs_source": "chosen" if epochs is not None else "default heuristic",
        "trained_tokens_estimate": billed_tokens * chosen,
        "max_tokens_per_example": limit,
        "examples_over_limit": int((total > limit).sum()) if n else 0,
        "tokens": {"total": distribution(total), "assistant": distribution(assistant),
                   "messages": distribution(n_messages)},
        "estimated_cost_usd": cost(total, info, chosen) if info else None,
        "training_availability": info.availability() if info else "model not in the table",
        "price_source_date": SOURCE_DATE,
    }
    # Cost for every model in the table counted with the same encoding (the counts are exact
    # only for that encoding), with training availability next to it.
    out["costs"] = [
        {"model": m.id, "estimated_cost_usd": cost(total, m, chosen),
         "training_per_1m": m.training_per_1m, "can_train": m.can_train(),
         "availability": m.availability()}
        for m in MODELS.values() if m.encoding == encoding and m.training_per_1m is not None
    ]
    return out
