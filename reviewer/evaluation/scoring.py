"""Score a model's answers against reference answers, item by item and for the whole run.

An item is ``(item id, question, reference answer, model answer)``. Every item gets the
cosine of reference and answer embeddings plus chrF, BLEU and ROUGE-L (METEOR when
available), each with the tokenizer it used. The run gets a mean with a confidence
interval per metric, corpus chrF and BLEU, a cosine histogram, and the metadata that
decides whether it may be compared with another run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .embedder import Embedder
from .language import KOREAN_MIN_HANGUL_SHARE, Language, detect_language
from .lexical import LexicalScorer
from .metadata import scoring_metadata
from .similarity import cosine_scores
from .stats import (
    CI_METHOD,
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    HistogramBin,
    MeanCI,
    cosine_histogram,
    mean_ci,
)

METRICS = ("cosine", "chrf", "bleu", "rouge_l", "meteor")
# Display ranges: cosine -1..1; chrF and BLEU 0..100 (sacrebleu); ROUGE-L, METEOR 0..1.
METRIC_RANGES = {"cosine": (-1.0, 1.0), "chrf": (0.0, 100.0), "bleu": (0.0, 100.0),
                 "rouge_l": (0.0, 1.0), "meteor": (0.0, 1.0)}


@dataclass(frozen=True)
class EvalItem:
    item_id: str
    question: str
    reference: str
    answer: str


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    question: str
    language: Language
    cosine: float
    chrf: float
    bleu: float
    rouge_l: float
    meteor: float | None
    tokenizers: dict[str, str | None] = field(default_factory=dict)

    def value(self, metric: str) -> float | None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
        return getattr(self, metric)


@dataclass(frozen=True)
class RunSummary:
    n: int
    languages: dict[str, int]
    means: dict[str, MeanCI]  # only metrics with at least one value
    corpus: dict[str, dict[str, float]]  # {"all" | "ko" | "en": {"chrf", "bleu"}}
    cosine_histogram: list[HistogramBin]
    ci_method: str
    confidence: float


@dataclass(frozen=True)
class ScoredRun:
    items: list[ItemScore]
    summary: RunSummary
    metadata: dict[str, Any]

    def by_id(self) -> dict[str, ItemScore]:
        return {item.item_id: item for item in self.items}

    def values(self, metric: str) -> np.ndarray:
        return metric_values(self.items, metric)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (for storing a run next to its eval job)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoredRun:
        s = data["summary"]
        summary = RunSummary(
            n=s["n"], languages=dict(s["languages"]),
            means={k: MeanCI(**v) for k, v in s["means"].items()},
            corpus={k: dict(v) for k, v in s["corpus"].items()},
            cosine_histogram=[HistogramBin(**b) for b in s["cosine_histogram"]],
            ci_method=s["ci_method"], confidence=s["confidence"],
        )
        return cls([ItemScore(**item) for item in data["items"]], summary, data["metadata"])


def metric_values(items: Iterable[ItemScore], metric: str) -> np.ndarray:
    """The metric over the items that have it, in item order."""
    found = [v for item in items if (v := item.value(metric)) is not None]
    return np.asarray(found, dtype=np.float64)


def as_item(item: EvalItem | Sequence[str]) -> EvalItem:
    if isinstance(item, EvalItem):
        return item
    item_id, question, reference, answer = item
    return EvalItem(str(item_id), question or "", reference or "", answer or "")


def score_items(
    items: Iterable[EvalItem | Sequence[str]],
    embedder: Embedder,
    *,
    lexical: LexicalScorer | None = None,
    korean_min_hangul_share: float = KOREAN_MIN_HANGUL_SHARE,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> ScoredRun:
    """Score every item; item ids must be unique. Blank answers score 0 on every metric."""
    evals = [as_item(item) for item in items]
    duplicates = [i for i, count in Counter(e.item_id for e in evals).items() if count > 1]
    if duplicates:
        raise ValueError(f"item ids must be unique; repeated: {duplicates[:5]}")
    lexical = lexical or LexicalScorer()
    languages: list[Language] = [
        detect_language(e.reference if e.reference.strip() else e.answer, korean_min_hangul_share)
        for e in evals
    ]
    references, answers = [e.reference for e in evals], [e.answer for e in evals]
    cosines = cosine_scores(embedder, references, answers)
    lexical_run = lexical.score_all(references, answers, languages)
    scored = []
    for e, language, cosine, lex in zip(evals, languages, cosines, lexical_run.items, strict=True):
        scored.append(ItemScore(
            item_id=e.item_id, question=e.question, language=language, cosine=float(cosine),
            chrf=lex.chrf, bleu=lex.bleu, rouge_l=lex.rouge_l, meteor=lex.meteor,
            tokenizers={"cosine": embedder.name, **lexical.item_tokenizers(language)},
        ))
    metadata = scoring_metadata(embedder, lexical,
                                korean_min_hangul_share=korean_min_hangul_share)
    means = {}
    for metric in METRICS:
        values = metric_values(scored, metric)
        ci = mean_ci(values, confidence=confidence, resamples=resamples, seed=seed)
        if ci is not None:
            means[metric] = ci
    summary = RunSummary(
        n=len(scored), languages=dict(Counter(languages)), means=means, corpus=lexical_run.corpus,
        cosine_histogram=cosine_histogram(cosines), ci_method=CI_METHOD, confidence=confidence,
    )
    return ScoredRun(scored, summary, metadata)
