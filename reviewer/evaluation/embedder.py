"""What every embedder offers, and the one normalisation step they all share.

An embedder turns texts into L2-normalised rows, so the cosine of two texts is the dot
product of their rows. ``name`` and ``version`` go into every scored run's metadata: two
runs embedded by different models are never compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    name: str
    version: str

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dim)`` float32 array with unit-length rows (zero rows allowed)."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in float32; an all-zero row stays zero."""
    out = np.array(vectors, dtype=np.float32)  # a copy: the caller's array is left alone
    if out.ndim != 2:
        raise ValueError(f"expected a 2-D array of embeddings, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def batches(texts: Sequence[str], size: int) -> list[Sequence[str]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [texts[start:start + size] for start in range(0, len(texts), size)]
