"""Weak items back to review: a threshold or the lowest share marks them, they are grouped
into numbered clusters, and one action flags one cluster's (or one item's) source pairs with
the flag linked to the run, so the Review page can show the model's answer."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.db import now_iso
from reviewer.evaluation import HashingEmbedder
from reviewer.evaluation.heldout import HeldOutItem
from reviewer.evaluation.runner import run_eval
from reviewer.evaluation.sendback import (
    WeakRule,
    clusters,
    model_answer_for,
    send_back,
    weak_items,
)
from reviewer.evaluation.sidebyside import side_by_side
from reviewer.llm.fake import FakeModel
from reviewer.review import PairFilter, store

# (question, reference, the model's answer): two weak patterns, one weak one-off, good ones.
ITEMS = [
    ("How do I reset the X200 router?", "Hold the reset button for ten seconds.",
     "Our office opens at nine."),
    ("How do I reset the X300 router?", "Hold reset for ten seconds, then release.",
     "Please call the sales team."),
    ("How can I reset my X200 router?", "Hold the reset button for ten seconds.",
     "I do not know."),
    ("배터리가 빨리 닳아요.", "화면 밝기를 낮추고 절전 모드를 켜 주세요.",
     "주문 번호를 알려 주세요."),
    ("배터리가 너무 빨리 닳아요.", "절전 모드를 켜고 화면 밝기를 낮춰 주세요.", "재고가 없습니다."),
    ("Where is the firmware download?", "On the downloads page under Gateways.",
     "Try turning it off and on."),
    ("Which SPI clock is supported?", "Up to 80 MHz; we recommend 33 MHz.",
     "Up to 80 MHz; we recommend 33 MHz."),
    ("How long is the warranty?", "Two years from the invoice date.",
     "Two years from the invoice date."),
]


@pytest.fixture
def weak_run(db):
    pair_ids = []
    for n, (question, reference, _) in enumerate(ITEMS):
        db.execute("INSERT INTO conversations (id, text, turns, imported_at) VALUES"
                   " (?, 'x', '[]', ?)", [f"c{n}", now_iso()])
        pair_ids += store.add_pairs(db, [store.NewPair(f"c{n}", "Support.", question, reference,
                                                       status="approved")], who="seed")
    items = [HeldOutItem(f"pair {pid}", pid, "Support.", q, r)
             for pid, (q, r, _) in zip(pair_ids, ITEMS, strict=True)]
    model = FakeModel(*[a for _, _, a in ITEMS], model_id="ft:tiny:org:support:1")
    outcome = run_eval(db, items, model, HashingEmbedder(), name="tuned", source="v.jsonl",
                       who="t", concurrency=1)
    return outcome.run_id, pair_ids


def test_weak_items_by_threshold_or_lowest_share(db, weak_run):
    run_id, _ = weak_run
    below = weak_items(db, run_id, WeakRule(below=0.5))
    assert len(below) == 6  # every item whose answer is off
    assert [w.cosine for w in below] == sorted(w.cosine for w in below)
    lowest = weak_items(db, run_id, WeakRule(lowest=0.25))
    assert [w.item_id for w in lowest] == [w.item_id for w in below[:2]]
    assert WeakRule(lowest=0.25).describe() == "lowest 25% by cosine"


def test_clusters_are_numbered_largest_first_with_a_representative(db, weak_run):
    run_id, pair_ids = weak_run
    groups = clusters(db, run_id, WeakRule(below=0.5))
    assert [(g.number, g.size) for g in groups] == [(1, 3), (2, 2), (3, 1)]
    assert groups[0].item_ids == sorted(f"pair {p}" for p in pair_ids[:3])
    assert "reset" in groups[0].representative_question
    assert "배터리" in groups[1].representative_question
    assert all(0 <= g.mean_score < 0.5 for g in groups)


def test_one_cluster_goes_back_with_the_flag_linked_to_the_run(db, db_path, weak_run):
    run_id, pair_ids = weak_run
    shown = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "show", str(run_id)])
    assert shown.exit_code == 0, shown.output
    assert "weak (cosine < 0.5): 6 in 3 cluster(s)" in shown.output
    assert "cluster 2: 2 item(s)" in shown.output
    sent = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "send-back", str(run_id),
                                    "--cluster", "2", "--json"])
    assert sent.exit_code == 0, sent.output
    assert sorted(json.loads(sent.stdout)["flagged_pairs"]) == pair_ids[3:5]
    assert store.count(db, PairFilter().narrowed(flag="weak_in_eval")) == 2
    pair = store.get_pair(db, pair_ids[3])
    (flag,) = [f for f in json.loads(pair["flags"]) if f["code"] == "weak_in_eval"]
    assert (flag["eval_run"], flag["eval_item"]) == (run_id, f"pair {pair_ids[3]}")
    found = model_answer_for(db, pair["flags"])
    assert found is not None and found.answer == "주문 번호를 알려 주세요."
    assert found.model == "ft:tiny:org:support:1" and found.cosine < 0.5
    # A pair nobody sent back has no model answer to show.
    assert model_answer_for(db, store.get_pair(db, pair_ids[0])["flags"]) is None
    too_far = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "send-back", str(run_id),
                                       "--cluster", "4"])
    assert too_far.exit_code == 2 and "has 3 cluster(s)" in too_far.stderr


def test_one_item_or_all_weak_items_go_back(db, db_path, weak_run):
    run_id, pair_ids = weak_run
    one = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "send-back", str(run_id),
                                   "--item", f"pair {pair_ids[5]}", "--json"])
    assert json.loads(one.stdout)["flagged_pairs"] == [pair_ids[5]]
    unknown = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "send-back", str(run_id),
                                       "--item", "pair 999"])
    assert unknown.exit_code == 2
    lowest = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "send-back", str(run_id),
                                      "--lowest-percent", "25", "--json"])
    assert len(json.loads(lowest.stdout)["flagged_pairs"]) == 2
    assert sorted(send_back(db, run_id, [w.item_id for w in weak_items(db, run_id,
                                                                       WeakRule())],
                            who="t")) == sorted(pair_ids[:6])


def test_side_by_side_of_a_run_with_itself_changes_nothing(db, weak_run):
    run_id, _ = weak_run
    pair = side_by_side(db, run_id, run_id)
    cosine = next(r for r in pair.metrics if r.metric == "cosine")
    assert cosine.base == cosine.tuned
    assert (cosine.difference.low, cosine.difference.mean, cosine.difference.high) == (0, 0, 0)
    assert pair.comparison.improved == pair.comparison.regressed == []
    assert [h.base for h in pair.histogram] == [h.tuned for h in pair.histogram]
    assert sum(h.base for h in pair.histogram) == len(ITEMS)
    with pytest.raises(KeyError):
        side_by_side(db, run_id, run_id + 1)
