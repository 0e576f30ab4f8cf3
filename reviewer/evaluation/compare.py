"""Base model vs tuned model on the same held-out items: flips and mean differences.

The average can hide what tuning did: a run can gain on average while some questions
that were answered well are now answered badly. So besides the mean difference per
metric (tuned minus base, with a paired bootstrap interval over items), every item that
crossed the good/weak threshold is listed, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metadata import IncomparableRuns, ensure_comparable
from .scoring import METRICS, ScoredRun
from .stats import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, MeanCI, mean_ci

# USE-multilingual cosines: paraphrases land around 0.65-0.85, unrelated text near 0.
DEFAULT_GOOD_COSINE = 0.5


@dataclass(frozen=True)
class Flip:
    item_id: str
    question: str
    base: float
    tuned: float

    @property
    def change(self) -> float:
        return self.tuned - self.base


@dataclass(frozen=True)
class RunComparison:
    metric: str
    threshold: float
    improved: list[Flip]  # weak in base, good in tuned; largest gain first
    regressed: list[Flip]  # good in base, weak in tuned; largest loss first
    stayed_good: int
    stayed_weak: int
    deltas: dict[str, MeanCI]  # tuned minus base, per metric both runs have


def compare_runs(
    base: ScoredRun,
    tuned: ScoredRun,
    *,
    metric: str = "cosine",
    threshold: float = DEFAULT_GOOD_COSINE,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> RunComparison:
    """An item is good when its ``metric`` is at least ``threshold``, weak below it."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    ensure_comparable(base.metadata, tuned.metadata)
    base_items, tuned_items = base.by_id(), tuned.by_id()
    if base_items.keys() != tuned_items.keys():
        only_base = sorted(base_items.keys() - tuned_items.keys())[:5]
        only_tuned = sorted(tuned_items.keys() - base_items.keys())[:5]
        raise IncomparableRuns(
            f"runs cover different items (only in base: {only_base}, only in tuned: {only_tuned})"
        )
    ids = [item.item_id for item in base.items]
    improved: list[Flip] = []
    regressed: list[Flip] = []
    stayed_good = stayed_weak = 0
    for item_id in ids:
        before, after = base_items[item_id].value(metric), tuned_items[item_id].value(metric)
        if before is None or after is None:
            continue
        was_good, is_good = before >= threshold, after >= threshold
        if was_good and is_good:
            stayed_good += 1
        elif not was_good and not is_good:
            stayed_weak += 1
        else:
            flip = Flip(item_id, base_items[item_id].question, before, after)
            (improved if is_good else regressed).append(flip)
    improved.sort(key=lambda f: (-f.change, f.item_id))
    regressed.sort(key=lambda f: (f.change, f.item_id))
    deltas = {}
    for name in METRICS:
        pairs = [(b, t) for item_id in ids
                 if (b := base_items[item_id].value(name)) is not None
                 and (t := tuned_items[item_id].value(name)) is not None]
        differences = np.asarray([t - b for b, t in pairs], dtype=np.float64)
        ci = mean_ci(differences, confidence=confidence, resamples=resamples, seed=seed)
        if ci is not None:
            deltas[name] = ci
    return RunComparison(metric, threshold, improved, regressed, stayed_good, stayed_weak, deltas)
