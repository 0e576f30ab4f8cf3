"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint, via the ``openai`` SDK.

The key is an explicit argument: this class never looks in the environment for one, and
never shows it (not in ``repr``, not in error messages). Local servers that ignore keys
still need some non-empty placeholder. Floats are requested explicitly because several
local servers do not implement the SDK's default base64 encoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import openai

from .embedder import batches, l2_normalise

DEFAULT_BATCH_SIZE = 128  # inputs per request; the OpenAI API accepts up to 2,048
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2


class EmbeddingError(RuntimeError):
    """The endpoint failed or answered with something that is not a set of embeddings."""


class ApiEmbedder:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str,
        dimensions: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        if not base_url or not model:
            raise ValueError("an API embedder needs both a base URL and a model")
        if not api_key:
            raise ValueError("an API embedder needs an API key (any placeholder for local servers)")
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.model = model
        self.base_url = public_url(base_url)
        self.name = f"openai-compatible/{model}"
        # The same model name on another host may be another model: the host is part of it.
        self.version = f"{model}@{self.base_url}" + (f"/dim={dimensions}" if dimensions else "")
        self.dimensions = dimensions
        self.batch_size = batch_size
        self._dim = dimensions
        self._secret = api_key
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def __repr__(self) -> str:
        return f"ApiEmbedder(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def dim(self) -> int:
        """The vector size; asks the endpoint once (one tiny input) when not configured."""
        if self._dim is None:
            self.embed(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        blank = [i for i, text in enumerate(texts) if not text.strip()]
        if blank:  # the API rejects empty inputs; say which instead of a bare HTTP 400
            raise EmbeddingError(f"empty text at position {blank[0]} cannot be embedded")
        rows = [self._embed_batch(list(chunk)) for chunk in batches(texts, self.batch_size)]
        return l2_normalise(np.concatenate(rows))

    def close(self) -> None:
        self._client.close()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        kwargs: dict = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        try:
            response = self._client.embeddings.create(**kwargs)
        except openai.APIStatusError as exc:
            raise EmbeddingError(self._redact(
                f"embeddings endpoint answered HTTP {exc.status_code}: {exc.message}"
            )) from None
        except openai.APIError as exc:
            raise EmbeddingError(self._redact(f"embeddings request failed: {exc}")) from None
        data = sorted(response.data or [], key=lambda item: item.index)
        if [item.index for item in data] != list(range(len(texts))):
            raise EmbeddingError(
                f"asked for {len(texts)} embeddings, got indexes "
                f"{[item.index for item in data][:10]}"
            )
        sizes = {len(item.embedding) for item in data}
        if len(sizes) != 1 or (self._dim is not None and sizes != {self._dim}):
            raise EmbeddingError(f"embeddings of unexpected sizes {sorted(sizes)[:5]}")
        matrix = np.asarray([item.embedding for item in data], dtype=np.float32)
        self._dim = matrix.shape[1]
        return matrix

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***")


def public_url(url: str) -> str:
    """The URL without ``user:password@``, query or fragment: safe to record."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
