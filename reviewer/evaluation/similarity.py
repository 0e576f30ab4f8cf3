"""Cosine similarity of each reference with its answer, embedding every distinct text once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .embedder import Embedder


def cosine_scores(
    embedder: Embedder, references: Sequence[str], answers: Sequence[str]
) -> np.ndarray:
    """Row-wise cosines. A blank reference or answer scores 0.0 and is not embedded.

    All distinct non-blank texts go to the embedder in one call, so it can batch them and
    a reference shared by many items (or an answer repeated verbatim) is embedded once.
    """
    if len(references) != len(answers):
        raise ValueError("references and answers must be the same length")
    slots: dict[str, int] = {}
    for text in (*references, *answers):
        if text.strip() and text not in slots:
            slots[text] = len(slots)
    scores = np.zeros(len(references), dtype=np.float64)
    if not slots:
        return scores
    vectors = embedder.embed(list(slots))
    if vectors.shape[0] != len(slots):
        raise ValueError(f"embedder returned {vectors.shape[0]} rows for {len(slots)} texts")
    both = [i for i, (r, a) in enumerate(zip(references, answers, strict=True))
            if r in slots and a in slots]
    if both:
        left = vectors[[slots[references[i]] for i in both]]
        right = vectors[[slots[answers[i]] for i in both]]
        scores[both] = np.clip(np.einsum("ij,ij->i", left, right), -1.0, 1.0)
    return scores
