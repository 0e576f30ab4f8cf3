"""The model catalog — limits, prices, training availability — read from ``data/models.json``.

One entry per fine-tunable model: its tokenizer encoding, per-example token limit, training
and inference prices, and whether (and until when) it can still be trained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from .tokens import encoding_for_model_info


@dataclass(frozen=True)
class ModelInfo:
    id: str
    encoding: str
    max_tokens_per_example: int
    training_per_1m: float | None
    inference_per_1m: dict = field(default_factory=dict)
    trainable: bool = False
    trainable_until: str | None = None
    shutdown: str | None = None
    aliases: tuple[str, ...] = ()
    limit_note: str | None = None

    def availability(self, today: date | None = None) -> str:
        """One line saying whether this model can still be trained."""
        today = today or date.today()
        until = self.trainable_until
        if self.trainable and until and date.fromisoformat(until) >= today:
            return f"trainable until {until} (eligible orgs only); shutdown {self.shutdown}"
        if until:
            return f"training closed ({until}); shutdown {self.shutdown}"
        return f"training no longer offered; shutdown {self.shutdown}"

    def can_train(self, today: date | None = None) -> bool:
        today = today or date.today()
        return bool(self.trainable and self.trainable_until
                    and date.fromisoformat(self.trainable_until) >= today)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "encoding": self.encoding,
            "max_tokens_per_example": self.max_tokens_per_example,
            "training_per_1m": self.training_per_1m,
            "inference_per_1m": dict(self.inference_per_1m),
            "trainable": self.trainable, "trainable_until": self.trainable_until,
            "shutdown": self.shutdown,
        }


def _load() -> tuple[dict[str, Any], dict[str, ModelInfo]]:
    raw = json.loads(resources.files("reviewer").joinpath("data/models.json").read_text("utf-8"))
    table: dict[str, ModelInfo] = {}
    for model_id, spec in raw["models"].items():
        table[model_id] = ModelInfo(
            id=model_id,
            encoding=spec["encoding"],
            max_tokens_per_example=int(spec["max_tokens_per_example"]),
            training_per_1m=spec.get("training_per_1m"),
            inference_per_1m=dict(spec.get("inference_per_1m") or {}),
            trainable=bool(spec.get("trainable")),
            trainable_until=spec.get("trainable_until"),
            shutdown=spec.get("shutdown"),
            aliases=tuple(spec.get("aliases") or ()),
            limit_note=spec.get("limit_note"),
        )
    meta = {k: v for k, v in raw.items() if k != "models"}
    return meta, table


TABLE_META, MODELS = _load()
SOURCE: str = TABLE_META["source"]
SOURCE_DATE: str = TABLE_META["source_date"]
DEFAULT_MODEL: str = TABLE_META["default_model"]

_ALIASES = {alias: m.id for m in MODELS.values() for alias in m.aliases}


def base_model_id(model: str) -> str:
    """Strip an ``ft:<base>:<org>:<suffix>:<id>`` wrapper (and ``:ckpt-step-N``)."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name


def lookup_model(model: str | None) -> ModelInfo | None:
    """The table entry for a model id, snapshot, alias or ``ft:`` id; None when unknown."""
    name = base_model_id(model or DEFAULT_MODEL)
    if name in MODELS:
        return MODELS[name]
    if name in _ALIASES:
        return MODELS[_ALIASES[name]]
    # ft:gpt-4o-mini-2024-07-18 is handled above; also accept an unknown dated snapshot of a
    # known family by its longest matching alias (e.g. "gpt-4o-mini-2099-01-01").
    best = None
    for alias, model_id in _ALIASES.items():
        if name.startswith(alias + "-") and (best is None or len(alias) > len(best[0])):
            best = (alias, model_id)
    return MODELS[best[1]] if best else None


def resolve_model(model: str | None) -> tuple[str, ModelInfo | None, str, bool]:
    """``(model id as given or default, table entry or None, encoding, encoding_known)``."""
    name = model or DEFAULT_MODEL
    info = lookup_model(name)
    if info is not None:
        return name, info, info.encoding, True
    encoding, known = encoding_for_model_info(name)
    return name, None, encoding, known
