"""Weak items and the question patterns among them."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.evaluation import EvalItem, HashingEmbedder, group_patterns, score_items, select_weak
from reviewer.evaluation.patterns import cluster

REFERENCE = "Unplug the router, wait ten seconds and plug it back in."


@pytest.fixture
def run(hashing, lexical):
    answers = {  # item id -> answer; the closer to REFERENCE the higher the cosine
        "a": REFERENCE,
        "b": "Unplug the router, wait ten seconds and plug it in.",
        "c": "Unplug the router and wait.",
        "d": "Wait.",
        "e": "Invoices are sent monthly.",
    }
    items = [EvalItem(k, f"question {k}", REFERENCE, v) for k, v in answers.items()]
    return score_items(items, hashing, lexical=lexical)


def test_below_a_threshold_weakest_first(run):
    weak = select_weak(run, threshold=0.6)
    cosines = [item.cosine for item in weak]
    assert cosines == sorted(cosines) and all(c < 0.6 for c in cosines)
    assert {item.item_id for item in run.items if item.cosine < 0.6} == \
        {item.item_id for item in weak}
    assert "a" not in {item.item_id for item in weak}


def test_lowest_share_rounds_up_and_is_exact_for_round_numbers(run):
    assert [i.item_id for i in select_weak(run, lowest_fraction=0.2)] == \
        [select_weak(run, lowest_fraction=1.0)[0].item_id]
    assert len(select_weak(run, lowest_fraction=0.3)) == 2
    assert len(select_weak(run, lowest_fraction=0.4)) == 2
    assert len(select_weak(run, lowest_fraction=1.0)) == 5
    assert select_weak(run, lowest_fraction=1.0)[-1].item_id == "a"


def test_weak_by_another_metric(run):
    weakest = select_weak(run, metric="rouge_l", lowest_fraction=0.2)
    assert weakest[0].rouge_l == min(item.rouge_l for item in run.items)


@pytest.mark.parametrize("kwargs", [{}, {"threshold": 0.5, "lowest_fraction": 0.1},
                                    {"lowest_fraction": 0}, {"lowest_fraction": 1.5},
                                    {"threshold": 0.5, "metric": "nope"}])
def test_exactly_one_valid_rule(run, kwargs):
    with pytest.raises(ValueError):
        select_weak(run, **kwargs)


QUESTIONS = {
    "r1": "How do I reset the router to factory settings?",
    "r2": "How can I reset my router to its factory settings?",
    "r3": "How to reset the router back to factory settings",
    "p1": "비밀번호를 변경하는 방법을 알려주세요",
    "p2": "비밀번호를 변경하는 방법이 궁금합니다",
    "x1": "Why is my invoice higher this month?",
}


def test_weak_questions_group_into_patterns_largest_first(lexical):
    items = [EvalItem(k, q, "reference answer", "answer") for k, q in QUESTIONS.items()]
    run = score_items(items, HashingEmbedder(), lexical=lexical)
    patterns = group_patterns(run.items, HashingEmbedder(), min_similarity=0.4)
    assert [p.item_ids for p in patterns] == [["r1", "r2", "r3"], ["p1", "p2"], ["x1"]]
    assert [p.size for p in patterns] == [3, 2, 1]
    router = patterns[0]
    vectors = HashingEmbedder().embed([QUESTIONS[k] for k in router.item_ids]).astype(float)
    centroid = vectors.mean(axis=0)
    nearest = router.item_ids[int(np.argmax(vectors @ centroid))]
    assert router.representative_id == nearest
    assert router.representative_question == QUESTIONS[nearest]
    assert 0 < router.cohesion <= 1
    assert patterns[2].representative_id == "x1" and patterns[2].cohesion == pytest.approx(1.0)


def test_a_high_bar_leaves_every_question_alone(lexical):
    items = [EvalItem(k, q, "ref", "ans") for k, q in QUESTIONS.items()]
    run = score_items(items, HashingEmbedder(), lexical=lexical)
    assert [p.size for p in group_patterns(run.items, HashingEmbedder(), min_similarity=0.99)] \
        == [1] * 6
    assert group_patterns([], HashingEmbedder()) == []


def test_average_linkage_matches_a_brute_force_reference():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(4, 16))
    points = np.concatenate([c + rng.normal(scale=0.6, size=(6, 16)) for c in centres])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    for threshold in (0.2, 0.4, 0.6):
        got = sorted(sorted(g) for g in cluster(points, threshold))
        assert got == sorted(sorted(g) for g in _brute_force(points, threshold)), threshold


def _brute_force(points: np.ndarray, threshold: float) -> list[list[int]]:
    groups = [[i] for i in range(len(points))]
    sim = points @ points.T
    while len(groups) > 1:
        best, pair = -np.inf, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                value = sim[np.ix_(groups[a], groups[b])].mean()
                if value > best:
                    best, pair = value, (a, b)
        if best < threshold:
            break
        a, b = pair
        groups[a] += groups.pop(b)
    return groups
