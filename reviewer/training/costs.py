"""Trained tokens and cost: the estimate made before a job starts, and what the provider
reports after.

Estimate: the training file's chat tokens counted with tiktoken (cookbook method, each
example capped at the model's per-example limit), times the epochs, times the model's
training price per token from the model table. Actual: the job's ``trained_tokens`` (the
billed count) times the same price. A model the table does not price has an unknown cost;
its tokens are counted with the default encoding and marked approximate.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..catalog import lookup_model
from ..tokens import count_chat_tokens, encoding_for_model_info, get_encoding
from ..validation.stats import default_epochs


@dataclass(frozen=True)
class Estimate:
    examples: int
    file_tokens: int  # billed tokens of one pass over the file
    epochs: int
    epochs_source: str  # "chosen" | "provider" | "default heuristic"
    tokens: int  # file_tokens × epochs
    price_per_1m: float | None
    cost_usd: float | None
    encoding: str
    exact: bool  # False when the model's encoding is not known (count is approximate)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def training_price(model: str | None) -> float | None:
    """US dollars per million trained tokens, or None when the table does not know."""
    info = lookup_model(model) if model else None
    return info.training_per_1m if info is not None else None


def file_tokens(path: Path, model: str | None) -> tuple[int, int, str, bool]:
    """(examples, billed tokens, encoding, exact) of a chat JSONL training file."""
    encoding, known = encoding_for_model_info(model)
    enc = get_encoding(encoding)
    info = lookup_model(model) if model else None
    limit = info.max_tokens_per_example if info is not None else None
    examples = total = 0
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the export passed the gate; a stray line is not counted
            messages = record.get("messages") if isinstance(record, dict) else None
            if not isinstance(messages, list):
                continue
            count = count_chat_tokens(messages, enc)
            examples += 1
            total += min(count, limit) if limit else count
    return examples, total, encoding, known and info is not None


def estimate(path: Path, model: str | None, epochs: int | None,
             *, epochs_source: str = "chosen") -> Estimate:
    examples, tokens, encoding, exact = file_tokens(path, model)
    if epochs is None:
        epochs, epochs_source = default_epochs(examples), "default heuristic"
    price = training_price(model)
    trained = tokens * epochs
    return Estimate(examples, tokens, epochs, epochs_source, trained, price,
                    round(trained * price / 1e6, 4) if price is not None else None,
                    encoding, exact)


def actual_cost(trained_tokens: int | None, model: str | None) -> float | None:
    price = training_price(model)
    if trained_tokens is None or price is None:
        return None
    return round(int(trained_tokens) * price / 1e6, 4)


def comparison(settings: dict[str, Any], result: dict[str, Any] | None) -> dict[str, Any]:
    """Estimated against actual trained tokens and cost for a recorded job, with the
    difference in percent once both are known."""
    est = settings.get("estimate") or {}
    result = result or {}
    actual_tokens = result.get("trained_tokens")
    model = settings.get("model")
    out: dict[str, Any] = {
        "estimated_tokens": est.get("tokens"), "actual_tokens": actual_tokens,
        "estimated_cost_usd": est.get("cost_usd"),
        "actual_cost_usd": actual_cost(actual_tokens, model),
        "epochs": est.get("epochs"), "epochs_source": est.get("epochs_source"),
        "price_per_1m": est.get("price_per_1m", training_price(model)),
        "tokens_difference_pct": None,
    }
    if est.get("tokens") and actual_tokens is not None:
        out["tokens_difference_pct"] = round(
            100.0 * (int(actual_tokens) - int(est["tokens"])) / int(est["tokens"]), 1)
    return out
