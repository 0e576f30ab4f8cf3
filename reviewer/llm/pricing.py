"""What a call probably cost, from the model table's per-million-token prices.

The table (`reviewer.validation.lookup_model`) is the fine-tuning one: its inference prices
are those of fine-tuned models, so for a base model the figure is an upper estimate. A
model the table does not know costs None (unknown, never 0); a server on this machine costs
0. ``$REVIEWER_PRICES`` may name a JSON file ``{"model": {"input": USD, "output": USD}}`` (per
million tokens) whose prices win over both, e.g. for a gateway that charges back. The Batch
API bills half (`BATCH_DISCOUNT`).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

PRICES_ENV_VAR = "REVIEWER_PRICES"
BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1e6

    def discounted(self, factor: float) -> Prices:
        return Prices(self.input * factor, self.output * factor)


class PriceFileError(ValueError):
    """``$REVIEWER_PRICES`` names a file that cannot be read as a price table."""


_overrides_lock = threading.Lock()
_overrides_cache: dict[tuple[str, float], dict[str, Prices]] = {}


def price_overrides() -> dict[str, Prices]:
    """The prices from ``$REVIEWER_PRICES`` (re-read when the file changes)."""
    name = os.environ.get(PRICES_ENV_VAR)
    if not name:
        return {}
    path = Path(name)
    try:
        stamp = path.stat().st_mtime
    except OSError as exc:
        raise PriceFileError(f"{PRICES_ENV_VAR}: cannot read {path}: {exc}") from None
    key = (str(path), stamp)
    with _overrides_lock:
        if key not in _overrides_cache:
            _overrides_cache.clear()
            _overrides_cache[key] = _read_prices(path)
        return _overrides_cache[key]


def _read_prices(path: Path) -> dict[str, Prices]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(model): Prices(float(p["input"]), float(p["output"]))
                for model, p in data.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise PriceFileError(f"{PRICES_ENV_VAR}: {path} is not a price table "
                             f'({{"model": {{"input": USD, "output": USD}}}}): {exc}') from None


def model_prices(model: str, *, local: bool, batch: bool = False) -> Prices | None:
    """Per-million prices for `model` (None when unknown); halved for the Batch API."""
    found = price_overrides().get(model)
    if found is None:
        if local:
            return Prices(0.0, 0.0)
        if not model:
            return None
        from ..validation import lookup_model  # the table loads with the validation package

        info = lookup_model(model)
        prices = info.inference_per_1m if info is not None else {}
        if "input" not in prices or "output" not in prices:
            return None
        found = Prices(float(prices["input"]), float(prices["output"]))
    return found.discounted(BATCH_DISCOUNT) if batch else found


def estimate_cost(model: str, *, local: bool, input_tokens: int | None,
                  output_tokens: int | None, batch: bool = False) -> float | None:
    """US dollars for one call, or None when the price or the token counts are unknown."""
    try:
        prices = model_prices(model, local=local, batch=batch)
    except PriceFileError:
        prices = None  # a broken price file must not fail a call; the run start says why
    if prices is None:
        return None
    if prices.input == prices.output == 0.0:
        return 0.0
    if input_tokens is None or output_tokens is None:
        return None
    return prices.cost(input_tokens, output_tokens)
