"""Offline scoring of a model's answers against reference answers (English and Korean).

- `score_items`: per-item cosine, chrF, BLEU, ROUGE-L (METEOR when WordNet is on disk) and
  a run summary with confidence intervals, plus metadata naming every model and tokenizer.
- `ensure_comparable`: refuses two runs scored with different setups.

Embedders: `UseEmbedder` (default, bundled weights, no network), `ApiEmbedder` (any
OpenAI-compatible ``/v1/embeddings``), `HashingEmbedder` (deterministic, for tests).
"""

from .api_embedder import ApiEmbedder, EmbeddingError
from .embedder import Embedder
from .hash_embedder import HashingEmbedder
from .language import detect_language, hangul_share
from .lexical import LexicalScorer
from .metadata import IncomparableRuns, ensure_comparable
from .scoring import METRICS, EvalItem, ItemScore, RunSummary, ScoredRun, score_items
from .use_embedder import UseEmbedder

__all__ = [
    "METRICS",
    "ApiEmbedder",
    "Embedder",
    "EmbeddingError",
    "EvalItem",
    "HashingEmbedder",
    "IncomparableRuns",
    "ItemScore",
    "LexicalScorer",
    "RunSummary",
    "ScoredRun",
    "UseEmbedder",
    "detect_language",
    "ensure_comparable",
    "hangul_share",
    "score_items",
]
