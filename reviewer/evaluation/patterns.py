"""Grouping weak items' questions into patterns by meaning.

Average-linkage agglomerative clustering on cosine similarity, in numpy: start with one
group per question and keep merging the two groups whose questions are, on average, most
alike, until no two groups are at least ``min_similarity`` alike. No cluster count has to
be guessed, and a question like no other stays on its own, which is what separates a
systemic weakness (a big group) from a one-off.

Each merge only re-scans the rows whose best partner was one of the merged groups: the
average similarity to a merged group never exceeds the larger of the two it came from, so
every other row's best partner stays valid. Memory is one n×n matrix (8 MB at n = 1,000).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embedder import Embedder
from .scoring import ItemScore

# USE-multilingual cosines: same-meaning questions land around 0.7, same topic lower.
DEFAULT_MIN_SIMILARITY = 0.5


@dataclass(frozen=True)
class Pattern:
    size: int
    representative_id: str  # the member nearest the group's centroid
    representative_question: str
    item_ids: list[str]
    cohesion: float  # mean cosine of the members to their centroid


def group_patterns(
    items: Sequence[ItemScore],
    embedder: Embedder,
    *,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
) -> list[Pattern]:
    """Patterns among the items' questions, largest first (ties: representative id)."""
    if not items:
        return []
    vectors = np.asarray(embedder.embed([item.question for item in items]), dtype=np.float64)
    groups = cluster(vectors, min_similarity)
    patterns = [_pattern(items, vectors, members) for members in groups]
    return sorted(patterns, key=lambda p: (-p.size, p.representative_id))


def cluster(vectors: np.ndarray, min_similarity: float) -> list[list[int]]:
    """Average-linkage groups of row indexes of unit-length ``vectors``."""
    n = len(vectors)
    members: list[list[int]] = [[i] for i in range(n)]
    if n < 2:
        return members
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    best = sim.argmax(axis=1)
    best_sim = sim[np.arange(n), best]
    while True:
        i = int(best_sim.argmax())
        if not best_sim[i] >= min_similarity:
            break
        j = int(best[i])
        merged = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sim[i], sim[:, i] = merged, merged
        sim[j], sim[:, j] = -np.inf, -np.inf
        sim[i, i] = -np.inf
        sizes[i] += sizes[j]
        members[i] += members[j]
        members[j] = []
        best_sim[j] = -np.inf
        stale = np.flatnonzero(((best == i) | (best == j)) & (best_sim > -np.inf))
        stale = np.union1d(stale, [i])
        best[stale] = sim[stale].argmax(axis=1)
        best_sim[stale] = sim[stale, best[stale]]
    return [group for group in members if group]


def _pattern(items: Sequence[ItemScore], vectors: np.ndarray, members: list[int]) -> Pattern:
    rows = vectors[members]
    centroid = rows.mean(axis=0)
    norm = np.linalg.norm(centroid)
    closeness = rows @ (centroid / norm) if norm > 0 else np.zeros(len(members))
    # Nearest the centroid; among equals, the smallest item id.
    order = sorted(range(len(members)), key=lambda k: (-round(float(closeness[k]), 9),
                                                        items[members[k]].item_id))
    representative = items[members[order[0]]]
    return Pattern(
        size=len(members),
        representative_id=representative.item_id,
        representative_question=representative.question,
        item_ids=sorted(items[m].item_id for m in members),
        cohesion=float(closeness.mean()),
    )
