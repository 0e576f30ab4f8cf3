"""Means with confidence intervals, and the cosine histogram.

Intervals are percentile bootstrap intervals: resample the items with replacement, take
the mean of each resample, read off the middle ``confidence`` share. The metrics are
bounded and often skewed (many items near the top, a tail of weak ones), where a normal
approximation can run past the bounds; the bootstrap cannot. The seed is fixed, so the
same scores always give the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

CI_METHOD = "percentile bootstrap over items"
DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 0
# First bin holds every negative cosine, then tenths up to 1.0 (inclusive).
COSINE_BIN_EDGES = (-1.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class MeanCI:
    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class HistogramBin:
    low: float
    high: float
    count: int

    def to_dict(self) -> dict:
        return asdict(self)


def mean_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> MeanCI | None:
    """Mean and bootstrap interval of the values; None when there are none."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return None
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    mean = float(data.mean())
    if data.size == 1:
        return MeanCI(mean, mean, mean, 1)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)
    # Resample in blocks so memory stays small for large runs.
    block = max(1, 2_000_000 // data.size)
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        picks = rng.integers(0, data.size, size=(stop - start, data.size))
        means[start:stop] = data[picks].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return MeanCI(mean, float(min(low, mean)), float(max(high, mean)), int(data.size))


def cosine_histogram(cosines: Sequence[float] | np.ndarray) -> list[HistogramBin]:
    data = np.clip(np.asarray(cosines, dtype=np.float64), -1.0, 1.0)
    counts, _ = np.histogram(data, bins=np.asarray(COSINE_BIN_EDGES))
    return [
        HistogramBin(low, high, int(count))
        for low, high, count in zip(COSINE_BIN_EDGES, COSINE_BIN_EDGES[1:], counts, strict=False)
    ]
