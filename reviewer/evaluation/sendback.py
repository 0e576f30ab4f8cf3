"""From a stored run back to review: which items are weak, the question patterns among them
(numbered, so a command line and a page name the same cluster), flagging their source pairs,
and, for a flagged pair, the model's answer that earned the flag."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..review.flags import WEAK_IN_EVAL
from . import store
from .embedder import Embedder
from .hash_embedder import HashingEmbedder
from .patterns import DEFAULT_MIN_SIMILARITY, group_patterns
from .scoring import ItemScore
from .weak import select_weak

DEFAULT_BELOW = 0.5  # cosine; see compare.DEFAULT_GOOD_COSINE
FLAG_SEVERITY = "medium"


@dataclass(frozen=True)
class WeakRule:
    """Items below ``below`` on ``metric``, or the lowest ``lowest`` share of them."""

    metric: str = "cosine"
    below: float | None = DEFAULT_BELOW
    lowest: float | None = None

    def __post_init__(self) -> None:
        if self.lowest is not None:
            object.__setattr__(self, "below", None)

    def describe(self) -> str:
        if self.lowest is not None:
            return f"lowest {self.lowest:.0%} by {self.metric}"
        return f"{self.metric} < {self.below}"


@dataclass(frozen=True)
class Cluster:
    number: int  # 1 = the largest; the number `eval send-back --cluster N` takes
    size: int
    representative_id: str
    representative_question: str
    item_ids: list[str]
    mean_score: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def weak_items(db: Database, run_id: int, rule: WeakRule) -> list[ItemScore]:
    """The run's weak items, weakest first."""
    return select_weak(store.scored_run(db, run_id), metric=rule.metric,
                       threshold=rule.below, lowest_fraction=rule.lowest)


def embedder_for(metadata: dict[str, Any]) -> Embedder:
    """An embedder for grouping a run's questions: the hashing one for runs scored with it
    (tests, smoke runs), else the bundled sentence encoder (an API embedder's key is not
    kept with the run, so the offline model stands in)."""
    name = (metadata.get("embedder") or {}).get("name", "")
    if name == HashingEmbedder.name:
        return HashingEmbedder()
    from .use_embedder import UseEmbedder

    return UseEmbedder()


def clusters(db: Database, run_id: int, rule: WeakRule, *, embedder: Embedder | None = None,
             min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[Cluster]:
    """The weak items grouped by what their questions ask, largest group first."""
    run = store.get_run(db, run_id)
    if run is None:
        raise KeyError(run_id)
    weak = weak_items(db, run_id, rule)
    if not weak:
        return []
    patterns = group_patterns(weak, embedder or embedder_for(run["metadata"]),
                              min_similarity=min_similarity)
    scores = {item.item_id: item.value(rule.metric) or 0.0 for item in weak}
    return [Cluster(number, p.size, p.representative_id, p.representative_question,
                    p.item_ids, sum(scores[i] for i in p.item_ids) / p.size)
            for number, p in enumerate(patterns, 1)]


def send_back(db: Database, run_id: int, item_ids: list[str], *, who: str) -> list[int]:
    """Flag the source pair of each item ``weak_in_eval``, linked to this run and item (the
    Review page shows the model's answer beside the reference). Returns the pair ids;
    items without a known source pair are skipped."""
    from ..review import store as pairs

    wanted = set(item_ids)
    flagged = []
    for item in store.run_items(db, run_id):
        if item["item_id"] not in wanted or item["pair_id"] is None:
            continue
        answer = " ".join((item["answer"] or "(no answer)").split())
        detail = (f"eval run {run_id}: cosine {item['cosine']:.2f} against this answer. "
                  f"The model said: {answer[:300]}")
        link = {"eval_run": int(run_id), "eval_item": item["item_id"]}
        if pairs.add_flag(db, int(item["pair_id"]), WEAK_IN_EVAL, FLAG_SEVERITY, detail,
                          who=who, link=link):
            flagged.append(int(item["pair_id"]))
    return flagged


@dataclass(frozen=True)
class ModelAnswer:
    """What a model answered to a pair's question in the eval run that flagged it."""

    run_id: int
    item_id: str
    model: str
    cosine: float
    answer: str
    error: str | None


def model_answer_for(db: Database, flags_json: str | None) -> ModelAnswer | None:
    """The answer behind a pair's ``weak_in_eval`` flag, when the flag names its run."""
    try:
        flags = json.loads(flags_json or "[]")
    except ValueError:
        return None
    flag = next((f for f in flags if isinstance(f, dict) and f.get("code") == WEAK_IN_EVAL
                 and f.get("eval_run") is not None), None) if isinstance(flags, list) else None
    if flag is None:
        return None
    try:
        run_id = int(flag["eval_run"])
    except (TypeError, ValueError):
        return None
    item = store.get_item(db, run_id, str(flag.get("eval_item") or ""))
    run = store.get_run(db, run_id)
    if item is None or run is None:
        return None
    return ModelAnswer(run_id, item["item_id"], run["model"], float(item["cosine"] or 0.0),
                       item["answer"] or "", item["error"])
