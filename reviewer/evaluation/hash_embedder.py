"""A deterministic stand-in embedder: character n-grams hashed into a fixed-size vector.

No model and no randomness: the same text gives the same vector in every process (the
hash is CRC-32, not Python's salted ``hash``). Texts that share many character n-grams
get a high cosine, so it behaves like a crude lexical similarity, which is what unit tests
of the scoring and clustering logic need. It says nothing about meaning.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .embedder import l2_normalise

DEFAULT_DIM = 256
NGRAM_SIZES = (2, 3)


class HashingEmbedder:
    name = "hashing-char-ngrams"

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        if dim < 1:
            raise ValueError("dim must be at least 1")
        self._dim = dim
        self.version = f"1/dim={dim}/n={','.join(map(str, NGRAM_SIZES))}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram in _ngrams(text):
                code = zlib.crc32(gram.encode("utf-8"))
                # The top bit picks the sign, so unrelated n-grams tend to cancel out.
                out[row, code % self._dim] += 1.0 if code & 0x80000000 else -1.0
        return l2_normalise(out)


def _ngrams(text: str) -> list[str]:
    padded = f" {' '.join(text.lower().split())} "
    if padded.strip() == "":
        return []
    return [padded[i:i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1)]
