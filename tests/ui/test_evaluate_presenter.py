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


def test_the_verdict_says_in_words_whether_tuning_helped():
    def pair(*intervals: tuple[float, float]) -> SimpleNamespace:
        rows = [SimpleNamespace(metric="cosine", base=None, tuned=None,
                                difference=MeanCI((low + high) / 2, low, high, 9))
                for low, high in intervals]
        return SimpleNamespace(metrics=rows, items=9)

    assert view.verdict(pair((0.1, 0.3), (-0.1, 0.2))).startswith(
        "Fine-tuning helped: the tuned model is clearly better on 1 of 2 metrics")
    assert view.verdict(pair((-0.3, -0.1))).startswith("Fine-tuning made it worse")
    assert view.verdict(pair((0.1, 0.3), (-0.3, -0.1))).startswith("Mixed")
    unsure = view.verdict(pair((-0.01, 0.6), (-0.2, 0.7)))
    assert unsure.startswith("Not sure yet: the tuned model scores higher on average")
    assert "with 9 items" in unsure


def test_histogram_spec_titles_its_axes_and_keeps_band_order():
    rows = view.histogram_rows(SUMMARY, 0.5)
    spec = view.histogram_spec(rows, "part", "How close")
    assert spec["encoding"]["x"]["sort"] == ["-1.0–0.0", "0.0–0.5", "0.5–1.0"]
    assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert "cosine" in spec["encoding"]["x"]["title"] and spec["encoding"]["y"]["title"]
    assert spec["encoding"]["color"]["scale"]["range"][0] == "#e4572e"  # weak tail first
    assert "xOffset" not in spec["encoding"]


def test_run_rows_read_as_words():
    rows = view.run_rows([{"id": 2, "name": "tuned", "model": "ft:m", "role": "tuned",
                           "paired_with": 1, "items": 9, "failed": 0, "job_id": 2,
                           "created_at": "2026-11-27T22:17:49.071767+00:00"}])
    assert rows == [{"run": 2, "model": "ft:m", "role": "tuned", "compared with": 1,
                     "items": 9, "without answer": 0, "scored": "2026-11-27 22:17 UTC"}]


def test_one_item_is_read_in_full_the_selected_or_the_first():
    items = [{"item_id": "a", "pair_id": 7, "cosine": 0.21, "question": "Q1", "reference": "R1",
              "answer": None, "error": "timeout"},
             {"item_id": "b", "pair_id": 8, "cosine": 0.9, "question": "Q2", "reference": "R2",
              "answer": "A2"}]
    assert view.picked_item(items, {"selection": {"rows": [1]}})["item_id"] == "b"
    assert view.picked_item(items, {"selection": {"rows": []}})["item_id"] == "a"
    assert view.picked_item(items, None)["item_id"] == "a"
    assert view.item_heading(items[0], {"a"}) == "pair 7 · weak ⚑ · cosine 0.210"
    assert view.item_texts(items[0])[2] == ("Model answer", "(no answer: timeout)")
