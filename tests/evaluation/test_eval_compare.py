"""Base vs tuned: flips across the threshold, mean differences, refusal of unlike runs."""

from __future__ import annotations

import pytest
from eval_samples import ITEMS, with_answers

from reviewer.evaluation import HashingEmbedder, IncomparableRuns, compare_runs, score_items

# Tuned answers: en-2 and ko-2 now right, en-1 now wrong, ko-1 unchanged.
TUNED = {
    "en-1": "Invoices are sent at the end of each month.",
    "en-2": "Firmware 2.4 fixes the SPI timeout at 80 MHz.",
    "ko-2": "배송은 보통 영업일 기준 3일 정도 걸립니다.",
}


@pytest.fixture
def runs(hashing, lexical):
    base = score_items(ITEMS, hashing, lexical=lexical)
    tuned = score_items(with_answers(TUNED), hashing, lexical=lexical)
    return base, tuned


def test_flips_in_both_directions_and_the_rest_counted(runs):
    base, tuned = runs
    result = compare_runs(base, tuned, metric="cosine", threshold=0.5)
    assert {f.item_id for f in result.improved} == {"en-2", "ko-2"}
    assert [f.item_id for f in result.regressed] == ["en-1"]
    assert result.stayed_good == 1 and result.stayed_weak == 0
    flip = result.regressed[0]
    assert flip.base >= 0.5 > flip.tuned and flip.change < 0
    assert flip.question == "How do I reset the router?"
    assert all(f.change > 0 for f in result.improved)
    assert result.improved[0].change >= result.improved[1].change


def test_mean_differences_are_tuned_minus_base_with_intervals(runs):
    base, tuned = runs
    result = compare_runs(base, tuned)
    assert set(result.deltas) == {"cosine", "chrf", "bleu", "rouge_l"}
    for metric, delta in result.deltas.items():
        expected = tuned.values(metric).mean() - base.values(metric).mean()
        assert delta.mean == pytest.approx(expected), metric
        assert delta.low <= delta.mean <= delta.high and delta.n == 4


def test_a_run_compared_with_itself_changes_nothing(runs):
    base, _ = runs
    result = compare_runs(base, base, metric="chrf", threshold=30)
    assert result.improved == [] and result.regressed == []
    assert result.stayed_good + result.stayed_weak == 4
    assert all(d.mean == d.low == d.high == 0 for d in result.deltas.values())


def test_runs_over_different_items_are_refused(runs, hashing, lexical):
    base, _ = runs
    fewer = score_items(ITEMS[:3], hashing, lexical=lexical)
    with pytest.raises(IncomparableRuns, match="different items"):
        compare_runs(base, fewer)


def test_runs_scored_with_different_embedders_are_refused(runs, lexical):
    base, _ = runs
    other = score_items(ITEMS, HashingEmbedder(dim=64), lexical=lexical)
    with pytest.raises(IncomparableRuns, match="embedder"):
        compare_runs(base, other)


def test_unknown_metric_is_refused(runs):
    with pytest.raises(ValueError, match="unknown metric"):
        compare_runs(*runs, metric="bertscore")
