"""The Overview page follows the loop past export: train the export, evaluate the tuned
model, then review the pairs an evaluation sent back (and stops asking once they are
touched)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from reviewer.evaluation import HashingEmbedder
from reviewer.evaluation.heldout import HeldOutItem
from reviewer.evaluation.runner import run_eval
from reviewer.evaluation.sendback import send_back
from reviewer.llm.fake import FakeModel
from reviewer.presenters.overview import loop_state
from reviewer.review import PairFilter, store

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MODEL = "gpt-4o-mini-2024-07-18"


def overview() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["reviewer_name"] = "tester"
    return at.run()


def steps(at: AppTest) -> dict[str, str]:
    return {b.key: b.label for b in at.button if b.key and b.key.startswith("ov_next_")}


def test_overview_leads_from_export_to_training_evaluation_and_back(db, exported, provider,
                                                                    train):
    db.execute("UPDATE conversations SET split_status = 'split'")
    at = overview()
    assert not at.exception
    assert steps(at) == {"ov_next_train": "Train"}  # everything approved is exported
    assert any("has not been trained on yet" in i.value for i in at.info)

    job = json.loads(train("start", str(exported), "--provider", "box", "--model", MODEL,
                           "--suffix", "loop", "--json").stdout)
    train("follow", str(job["id"]), "--every", "0.01")
    tuned = f"ft:{MODEL}:org-fake:loop:1"
    at = overview()
    assert steps(at) == {"ov_next_evaluate": "Evaluate"}
    assert any(tuned in i.value and "not evaluated yet" in i.value for i in at.info)

    pairs = store.page(db, PairFilter.of("approved", ""), offset=0, limit=3)
    items = [HeldOutItem(f"pair {p['id']}", p["id"], p["system"], p["question"], p["answer"])
             for p in pairs]
    answers = [pairs[0]["answer"], "Please contact sales.", pairs[2]["answer"]]
    run = run_eval(db, items, FakeModel(*answers, model_id=tuned), HashingEmbedder(),
                   name="tuned", source="v.jsonl", who="t", concurrency=1)
    at = overview()
    assert run.run_id and steps(at) == {}  # nothing left to do
    lines = [t.value for t in at.text]
    assert f"Fine-tuning job #{job['id']} at box: succeeded → {tuned}" in " ".join(lines)
    assert any(line.startswith(f"Evaluation run #{run.run_id} (single) of {tuned}: 3 items, "
                               "mean cosine ") for line in lines)

    (flagged,) = send_back(db, run.run_id, [f"pair {pairs[1]['id']}"], who="t")
    assert loop_state(db).weak_waiting == 1
    at = overview()
    assert steps(at) == {"ov_next_weak": "Review weak pairs"}
    at.button(key="ov_next_weak").click().run()
    assert not at.exception
    assert at.session_state["_setup_done"] == "Review"
    assert at.session_state["rv_flag"] == "weak_in_eval"
    assert at.session_state["rv_status"] == "all"

    pair = store.get_pair(db, flagged)
    assert store.update_pair(db, flagged, {"answer": pair["answer"] + " Fixed."},
                             expected_version=pair["version"], who="t") == "ok"
    assert loop_state(db).weak_waiting == 0  # touched since it came back: no longer waiting
    assert steps(overview()) == {"ov_next_export": "Export"}  # the pair changed
