"""Two stored runs side by side, the "did fine-tuning help?" view: each run's means with
their intervals, the paired difference per metric with its interval, both cosine
histograms over the same bins, and the items that flipped between good and weak.

Intervals: percentile bootstrap (2,000 resamples, fixed seed). A run's mean resamples its
items; the difference resamples the per-item differences (tuned minus base on the same
item), so the interval reflects the pairing and is narrower than two separate intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from . import store
from .compare import DEFAULT_GOOD_COSINE, RunComparison, compare_runs
from .stats import CI_METHOD, MeanCI

DIFFERENCE_CI_METHOD = "paired percentile bootstrap over items (tuned minus base)"


@dataclass(frozen=True)
class MetricRow:
    metric: str
    base: MeanCI | None
    tuned: MeanCI | None
    difference: MeanCI | None


@dataclass(frozen=True)
class HistogramRow:
    low: float
    high: float
    base: int
    tuned: int


@dataclass(frozen=True)
class SideBySide:
    base: dict[str, Any]  # the stored run rows
    tuned: dict[str, Any]
    comparison: RunComparison
    metrics: list[MetricRow]
    histogram: list[HistogramRow]
    mean_ci_method: str = CI_METHOD
    difference_ci_method: str = DIFFERENCE_CI_METHOD

    @property
    def items(self) -> int:
        return int(self.base["items"])

    def to_dict(self) -> dict[str, Any]:
        c = self.comparison

        def ci(value: MeanCI | None) -> dict | None:
            return value.to_dict() if value is not None else None

        return {
            "base": self.base["id"], "tuned": self.tuned["id"], "items": self.items,
            "metric": c.metric, "threshold": c.threshold,
            "means": {r.metric: {"base": ci(r.base), "tuned": ci(r.tuned),
                                 "difference": ci(r.difference)} for r in self.metrics},
            "ci_method": {"means": self.mean_ci_method,
                          "difference": self.difference_ci_method},
            "histogram": [h.__dict__ for h in self.histogram],
            "improved": [f.__dict__ for f in c.improved],
            "regressed": [f.__dict__ for f in c.regressed],
            "stayed_good": c.stayed_good, "stayed_weak": c.stayed_weak,
        }


def _means(run: dict[str, Any]) -> dict[str, MeanCI]:
    return {k: MeanCI(**v) for k, v in (run["summary"].get("means") or {}).items()}


def side_by_side(db: Database, base_id: int, tuned_id: int, *,
                 threshold: float = DEFAULT_GOOD_COSINE) -> SideBySide:
    """Raises KeyError for an unknown run, `IncomparableRuns` for runs scored differently
    or over different items."""
    base, tuned = store.get_run(db, base_id), store.get_run(db, tuned_id)
    if base is None:
        raise KeyError(base_id)
    if tuned is None:
        raise KeyError(tuned_id)
    comparison = compare_runs(store.scored_run(db, base_id), store.scored_run(db, tuned_id),
                              threshold=threshold)
    base_means, tuned_means = _means(base), _means(tuned)
    metrics = [MetricRow(m, base_means.get(m), tuned_means.get(m), comparison.deltas.get(m))
               for m in ("cosine", "chrf", "bleu", "rouge_l", "meteor")
               if m in base_means or m in tuned_means]
    bins_base = base["summary"].get("cosine_histogram") or []
    bins_tuned = tuned["summary"].get("cosine_histogram") or []
    histogram = [HistogramRow(float(b["low"]), float(b["high"]), int(b["count"]),
                              int(t["count"]))
                 for b, t in zip(bins_base, bins_tuned, strict=False)]
    return SideBySide(base, tuned, comparison, metrics, histogram)
