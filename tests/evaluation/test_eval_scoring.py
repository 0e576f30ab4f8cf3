"""score_items: per-item scores, the run summary, metadata and persistence."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from eval_samples import ITEMS

from reviewer.evaluation import (
    HashingEmbedder,
    IncomparableRuns,
    ScoredRun,
    ensure_comparable,
    score_items,
)
from reviewer.evaluation.similarity import cosine_scores
from reviewer.evaluation.stats import COSINE_BIN_EDGES, cosine_histogram, mean_ci


def test_every_item_gets_every_metric_with_its_tokenizers(hashing, lexical):
    run = score_items(ITEMS, hashing, lexical=lexical)
    assert [s.item_id for s in run.items] == ["en-1", "en-2", "ko-1", "ko-2"]
    assert [s.language for s in run.items] == ["en", "en", "ko", "ko"]
    good, bad = run.by_id()["ko-1"], run.by_id()["ko-2"]
    assert good.tokenizers == {"cosine": "hashing-char-ngrams", "chrf": "characters",
                               "bleu": "ko-mecab", "rouge_l": "ko-mecab+lowercase",
                               "meteor": None}
    assert run.by_id()["en-1"].tokenizers["bleu"] == "13a"
    for metric in ("cosine", "chrf", "bleu", "rouge_l"):
        assert good.value(metric) > bad.value(metric), metric
    assert good.meteor is None and good.question == "비밀번호를 어떻게 바꾸나요?"


def test_tuples_are_items_too(hashing, lexical):
    as_tuples = [(i.item_id, i.question, i.reference, i.answer) for i in ITEMS]
    assert score_items(as_tuples, hashing, lexical=lexical).items == \
        score_items(ITEMS, hashing, lexical=lexical).items


def test_item_ids_must_be_unique(hashing, lexical):
    with pytest.raises(ValueError, match="unique"):
        score_items([ITEMS[0], ITEMS[0]], hashing, lexical=lexical)


def test_blank_answer_scores_zero_everywhere(hashing, lexical):
    run = score_items([("x", "q?", "Restart the router.", "   ")], hashing, lexical=lexical)
    item = run.items[0]
    assert (item.cosine, item.chrf, item.bleu, item.rouge_l) == (0.0, 0.0, 0.0, 0.0)
    assert item.language == "en"


def test_summary_has_means_with_intervals_corpus_scores_and_a_histogram(hashing, lexical):
    run = score_items(ITEMS, hashing, lexical=lexical)
    summary = run.summary
    assert summary.n == 4 and summary.languages == {"en": 2, "ko": 2}
    assert set(summary.means) == {"cosine", "chrf", "bleu", "rouge_l"}  # no METEOR values
    for metric, ci in summary.means.items():
        assert ci.mean == pytest.approx(float(run.values(metric).mean()))
        assert ci.low <= ci.mean <= ci.high and ci.n == 4
    assert set(summary.corpus) == {"all", "en", "ko"}
    assert set(summary.corpus["ko"]) == {"chrf", "bleu"}
    assert sum(b.count for b in summary.cosine_histogram) == 4
    assert summary.ci_method == "percentile bootstrap over items"


def test_metadata_names_embedder_tokenizers_and_language_rule(hashing, lexical):
    meta = score_items(ITEMS, hashing, lexical=lexical).metadata
    assert meta["embedder"] == {"name": "hashing-char-ngrams", "version": hashing.version,
                                "dim": 256}
    assert meta["lexical"] == lexical.metadata()
    assert meta["language"]["korean_min_hangul_share"] == 0.2
    assert meta["scoring_version"] == 1


def test_a_run_survives_a_trip_through_json(hashing, lexical):
    run = score_items(ITEMS, hashing, lexical=lexical)
    again = ScoredRun.from_dict(json.loads(json.dumps(run.to_dict(), ensure_ascii=False)))
    assert again == run


def test_empty_input_gives_an_empty_run(hashing, lexical):
    run = score_items([], hashing, lexical=lexical)
    assert run.items == [] and run.summary.means == {} and run.summary.corpus == {}


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def embed(self, texts):
        self.calls.append(list(texts))
        return super().embed(texts)


def test_cosines_embed_each_distinct_text_once_in_one_call():
    embedder = CountingEmbedder()
    refs = ["same reference", "same reference", "other reference", ""]
    answers = ["an answer", "same reference", "an answer", "orphan answer"]
    scores = cosine_scores(embedder, refs, answers)
    assert embedder.calls == [["same reference", "other reference", "an answer",
                               "orphan answer"]]
    assert scores[1] == pytest.approx(1.0) and scores[3] == 0.0
    vectors = HashingEmbedder().embed(["same reference", "an answer"])
    assert scores[0] == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-6)


def test_bootstrap_interval_is_reproducible_and_close_to_the_normal_one():
    values = np.random.default_rng(7).normal(0.6, 0.2, size=400)
    first, second = mean_ci(values), mean_ci(values)
    assert first == second
    half_width = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert (first.high - first.low) / 2 == pytest.approx(half_width, rel=0.15)
    assert mean_ci([]) is None
    single = mean_ci([0.4])
    assert (single.mean, single.low, single.high, single.n) == (0.4, 0.4, 0.4, 1)


def test_histogram_puts_negatives_in_the_first_bin_and_one_in_the_last():
    bins = cosine_histogram([-0.3, 0.0, 0.05, 0.55, 1.0])
    assert [b.low for b in bins] == list(COSINE_BIN_EDGES[:-1])
    counts = {(b.low, b.high): b.count for b in bins}
    assert counts[(-1.0, 0.0)] == 1
    assert counts[(0.0, 0.1)] == 2
    assert counts[(0.5, 0.6)] == 1
    assert counts[(0.9, 1.0)] == 1


def test_runs_with_different_embedders_or_tokenizers_are_refused(hashing, lexical):
    run = score_items(ITEMS, hashing, lexical=lexical)
    ensure_comparable(run.metadata, score_items(ITEMS, HashingEmbedder(), lexical=lexical).metadata)
    other_embedder = score_items(ITEMS, HashingEmbedder(dim=128), lexical=lexical)
    with pytest.raises(IncomparableRuns, match=r"embedder\.dim: 256 != 128"):
        ensure_comparable(run.metadata, other_embedder.metadata)
    other_tokenizer = copy.deepcopy(run.metadata)
    other_tokenizer["lexical"]["tokenizers"]["ko"] = "ko-mecab-0.996/ko-0.9.3-KO"
    with pytest.raises(IncomparableRuns, match=r"lexical\.tokenizers\.ko"):
        ensure_comparable(run.metadata, other_tokenizer)
    other_rule = score_items(ITEMS, hashing, lexical=lexical, korean_min_hangul_share=0.5)
    with pytest.raises(IncomparableRuns, match="korean_min_hangul_share"):
        ensure_comparable(run.metadata, other_rule.metadata)
