"""Picking the weakly answered items of a run: below a threshold, or the lowest share."""

from __future__ import annotations

import math

from .scoring import METRICS, ItemScore, ScoredRun


def select_weak(
    run: ScoredRun,
    *,
    metric: str = "cosine",
    threshold: float | None = None,
    lowest_fraction: float | None = None,
) -> list[ItemScore]:
    """Weak items, weakest first (ties by item id). Give exactly one of the two rules.

    ``threshold``: every item scoring below it. ``lowest_fraction``: the lowest
    ``ceil(fraction * n)`` items (0 < fraction <= 1). Items without the metric are skipped.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    if (threshold is None) == (lowest_fraction is None):
        raise ValueError("give either a threshold or a lowest fraction")
    scored = [(value, item) for item in run.items if (value := item.value(metric)) is not None]
    scored.sort(key=lambda pair: (pair[0], pair[1].item_id))
    if threshold is not None:
        return [item for value, item in scored if value < threshold]
    assert lowest_fraction is not None
    if not 0 < lowest_fraction <= 1:
        raise ValueError("lowest fraction must be in (0, 1]")
    # Rounded first so that e.g. 0.1 * 30 (3.0000000000000004) takes 3 items, not 4.
    count = math.ceil(round(lowest_fraction * len(scored), 9))
    return [item for _, item in scored[:count]]
