"""Offline scoring of a model's answers against reference answers (English and Korean).

- `score_items`: per-item cosine, chrF, BLEU, ROUGE-L (METEOR when WordNet is on disk) and
  a run summary with confidence intervals, plus metadata naming every model and tokenizer.
- `compare_runs`: base vs tuned over the same items — flips across a threshold, mean
  differences; refuses runs scored with different setups.
- `select_weak` and `group_patterns`: the weak items and the question patterns among them.

Embedders: `UseEmbedder` (default, bundled weights, no network), `ApiEmbedder` (any
OpenAI-compatible ``/v1/embeddings``), `HashingEmbedder` (deterministic, for tests).
"""

from .api_embedder import ApiEmbedder, EmbeddingError
from .compare import DEFAULT_GOOD_COSINE, Flip, RunComparison, compare_runs
from .embedder import Embedder
from .hash_embedder import HashingEmbedder
from .language import detect_language, hangul_share
from .lexical import LexicalScorer
from .metadata import IncomparableRuns, ensure_comparable
from .patterns import Pattern, group_patterns
from .scoring import METRICS, EvalItem, ItemScore, RunSummary, ScoredRun, score_items
from .use_embedder import UseEmbedder
from .weak import select_weak

__all__ = [
    "DEFAULT_GOOD_COSINE",
    "METRICS",
    "ApiEmbedder",
    "Embedder",
    "EmbeddingError",
    "EvalItem",
    "Flip",
    "HashingEmbedder",
    "IncomparableRuns",
    "ItemScore",
    "LexicalScorer",
    "Pattern",
    "RunComparison",
    "RunSummary",
    "ScoredRun",
    "UseEmbedder",
    "compare_runs",
    "detect_language",
    "ensure_comparable",
    "group_patterns",
    "hangul_share",
    "score_items",
    "select_weak",
]
