"""How an export is made: one checked object shared by the CLI, the Export page and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..validation import PROFILES
from .holdout import Holdout, HoldoutError, parse_holdout

MAX_EPOCHS = 50


class ExportOptionError(ValueError):
    """Options that cannot work whatever the data (unknown target, bad holdout, ...)."""


@dataclass(frozen=True)
class ExportOptions:
    """Export settings, checked when built: an instance that exists can be exported.

    `holdout` is a fraction (0<F<1) or a count of examples kept for a validation file;
    `few_shot` is a file whose template every line must follow (`few_shot_set`: the managed
    set's template instead, when the set is not empty); `epochs` None means the
    cookbook heuristic; `per_conversation_system` says whether system lines differ by design.
    Raises `ExportOptionError` for values that can never work.
    """

    target: str = "openai"
    model: str | None = None
    holdout: Holdout | None = None
    seed: int = 42
    multi_turn: bool = False
    few_shot: Path | None = None
    epochs: int | None = None
    # None: decided by the data (pairs from split conversations carry one system line per
    # conversation by design, so differing system lines are not a warning for them).
    per_conversation_system: bool | None = None
    # Train on conversations an earlier export held out for evaluation (normally refused).
    include_held_out: bool = False
    # Check the template the LLM splitter uses: the managed few-shot set when it is not
    # empty, else the `few_shot` file (if any).
    few_shot_set: bool = False

    def __post_init__(self) -> None:
        if self.target not in PROFILES:
            known = ", ".join(sorted(PROFILES))
            raise ExportOptionError(f"unknown target {self.target!r} (known: {known})")
        try:
            holdout = parse_holdout(self.holdout)
        except HoldoutError as exc:
            raise ExportOptionError(str(exc)) from None
        epochs = self.epochs
        if epochs is not None and (isinstance(epochs, bool) or not 1 <= int(epochs) <= MAX_EPOCHS):
            raise ExportOptionError(f"epochs must be between 1 and {MAX_EPOCHS}, got {epochs}")
        # Normalised in place (frozen, so through object.__setattr__): "" model → None, a
        # string path → Path, numbers as ints.
        object.__setattr__(self, "model", self.model or None)
        object.__setattr__(self, "holdout", holdout)
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "multi_turn", bool(self.multi_turn))
        object.__setattr__(self, "few_shot", Path(self.few_shot) if self.few_shot else None)
        object.__setattr__(self, "few_shot_set", bool(self.few_shot_set))
        object.__setattr__(self, "epochs", int(epochs) if epochs is not None else None)

    def to_dict(self) -> dict[str, Any]:
        """The settings as recorded in the manifest and the run row."""
        return {
            "target": self.target,
            "model": self.model,
            "holdout": self.holdout,
            "validation_split": self.holdout,  # the key manifests had before "holdout"
            "seed": self.seed,
            "multi_turn": self.multi_turn,
            "few_shot": str(self.few_shot) if self.few_shot else None,
            "epochs": self.epochs,
            "per_conversation_system": self.per_conversation_system,
            "include_held_out": self.include_held_out,
            "few_shot_set": self.few_shot_set,
        }
