"""Offline scoring of a model's answers against reference answers (English and Korean).

`LexicalScorer`: chrF, BLEU and ROUGE-L with Korean morpheme tokenisation.

Embedders: `UseEmbedder` (default, bundled weights, no network), `ApiEmbedder` (any
OpenAI-compatible ``/v1/embeddings``), `HashingEmbedder` (deterministic, for tests).
"""

from .api_embedder import ApiEmbedder, EmbeddingError
from .embedder import Embedder
from .hash_embedder import HashingEmbedder
from .language import detect_language, hangul_share
from .lexical import LexicalScorer
from .use_embedder import UseEmbedder

__all__ = [
    "ApiEmbedder",
    "Embedder",
    "EmbeddingError",
    "HashingEmbedder",
    "LexicalScorer",
    "UseEmbedder",
    "detect_language",
    "hangul_share",
]
