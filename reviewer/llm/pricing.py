"""What a call probably cost, from the model table's per-million-token prices.

The table (`reviewer.validation.lookup_model`) is the fine-tuning one: its inference prices
are those of fine-tuned models, so for a base model the figure is an upper estimate. A
model the table does not know costs None (unknown); a server on this machine costs 0.
"""

from __future__ import annotations


def estimate_cost(model: str, *, local: bool, input_tokens: int | None,
                  output_tokens: int | None) -> float | None:
    """US dollars for one call, or None when the price or the token counts are unknown."""
    if local:
        return 0.0
    if not model or input_tokens is None or output_tokens is None:
        return None
    from ..validation import lookup_model  # the table loads with the validation package

    info = lookup_model(model)
    prices = info.inference_per_1m if info is not None else {}
    if "input" not in prices or "output" not in prices:
        return None
    return (input_tokens * float(prices["input"]) + output_tokens * float(prices["output"])) / 1e6
