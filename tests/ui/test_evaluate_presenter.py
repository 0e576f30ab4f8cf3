"""What the Evaluate page shows, computed without Streamlit: the weak tail on the histogram,
sorting by any score, and whether an interval says tuning helped."""

from __future__ import annotations

from types import SimpleNamespace

from reviewer.evaluation.stats import MeanCI
from reviewer.presenters import evaluate as view

SUMMARY = {"cosine_histogram": [{"low": -1.0, "high": 0.0, "count": 1},
                                {"low": 0.0, "high": 0.5, "count": 2},
                                {"low": 0.5, "high": 1.0, "count": 3}]}


def test_histogram_bands_in_the_weak_tail_are_marked():
    assert [r["part"] for r in view.histogram_rows(SUMMARY, 0.5)] == [
        "weak tail", "weak tail", "good"]
    assert "part" not in view.histogram_rows(SUMMARY)[0]
    assert view.weak_cut(None, [0.2, 0.31]) > 0.31
    assert view.weak_cut(0.4, [0.2]) == 0.4
    assert view.weak_cut(None, []) is None


def test_items_sort_by_a_score_either_way_ties_by_item_id():
    items = [{"item_id": "b", "cosine": 0.2, "chrf": 50.0},
             {"item_id": "a", "cosine": 0.2, "chrf": 10.0},
             {"item_id": "c", "cosine": 0.9, "chrf": None}]
    assert [i["item_id"] for i in view.sorted_items(items)] == ["a", "b", "c"]
    assert [i["item_id"] for i in view.sorted_items(items, "chrf", True)] == ["b", "a", "c"]
    rows = view.item_rows(items, weak_ids={"a"})
    assert [r["weak"] for r in rows] == ["", "⚑", ""]
    assert view.weak_row_style(rows[1])[0].startswith("background-color")
    assert view.weak_row_style(rows[0]) == [""] * len(rows[0])


def test_helped_only_when_the_whole_interval_is_on_one_side():
    def pair(low: float, high: float) -> SimpleNamespace:
        row = SimpleNamespace(metric="cosine", base=MeanCI(0.4, 0.3, 0.5, 9),
                              tuned=MeanCI(0.6, 0.5, 0.7, 9),
                              difference=MeanCI((low + high) / 2, low, high, 9))
        return SimpleNamespace(metrics=[row])

    assert view.pair_mean_rows(pair(0.05, 0.3))[0]["helped"] == "yes"
    assert view.pair_mean_rows(pair(-0.3, -0.05))[0]["helped"] == "worse"
    assert view.pair_mean_rows(pair(-0.1, 0.3))[0]["helped"] == "not sure"
    assert view.pair_mean_rows(pair(0.05, 0.3))[0]["tuned − base"] == "+0.175 [+0.050, +0.300]"
