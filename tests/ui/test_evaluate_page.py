"""Evaluate page: base vs tuned side by side (means with intervals, both histograms, flips),
items sortable by score, weak clusters each with its own send-back button, the Review focus
view showing the model's answer, and an evaluation started from the page as a job."""

from __future__ import annotations

from ui_helpers import open_page, seed

from reviewer.evaluation import HashingEmbedder
from reviewer.evaluation import store as evals
from reviewer.evaluation.heldout import HeldOutItem
from reviewer.evaluation.runner import run_eval
from reviewer.jobs import EXECUTOR
from reviewer.jobs import store as jobs
from reviewer.llm.fake import FakeModel
from reviewer.review import PairFilter, store

QUESTIONS = ["How do I reset the X200 router?", "How do I reset the X300 router?",
             "배터리가 빨리 닳아요.", "Which SPI clock is supported?"]
REFERENCES = ["Hold the reset button for ten seconds.", "Hold reset for ten seconds.",
              "절전 모드를 켜 주세요.", "Up to 80 MHz."]


def seed_pair_of_runs(db) -> tuple[list[int], int, int]:
    """Base answers badly except the SPI item; tuned answers the middle two well."""
    ids = seed(db, 4, text=lambda i: ("Support.", QUESTIONS[i], REFERENCES[i]))
    items = [HeldOutItem(f"pair {pid}", pid, "Support.", q, r)
             for pid, q, r in zip(ids, QUESTIONS, REFERENCES, strict=True)]
    base = run_eval(db, items, FakeModel("No idea.", "Call sales.", "재고가 없습니다.",
                                         "Up to 80 MHz.", model_id="base-model"),
                    HashingEmbedder(), name="base", source="v.jsonl", who="t", concurrency=1)
    tuned = run_eval(db, items, FakeModel("Our shop opens at nine.",
                                          "Hold reset for ten seconds.", "절전 모드를 켜 주세요.",
                                          "Ask the distributor.",
                                          model_id="ft:base-model:org:x:1"),
                     HashingEmbedder(), name="tuned", source="v.jsonl", who="t", concurrency=1)
    evals.link_pair(db, base.run_id, tuned.run_id)
    return ids, base.run_id, tuned.run_id


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_base_vs_tuned_side_by_side(db):
    _, base_id, tuned_id = seed_pair_of_runs(db)
    at = open_page("evaluate.py")
    assert not at.exception
    assert at.session_state["ev_run"] == tuned_id  # the newest run
    assert "Base vs tuned: did fine-tuning help?" in [s.value for s in at.subheader]
    means = frame_with(at, "tuned − base")
    assert means["metric"].tolist()[0] == "Cosine"
    assert means["tuned − base"].tolist()[0].startswith("+")
    flips = frame_with(at, "flip")
    assert sorted(flips["flip"].tolist()) == ["good → weak", "weak → good", "weak → good"]
    texts = [t.value for t in at.text]
    assert any("Weak → good: 2; good → weak: 1; stayed good: 0; stayed weak: 1." in t
               for t in texts)
    assert any("paired percentile bootstrap" in c.value for c in at.caption)
    # one sentence says whether tuning helped before the table of intervals
    assert at.info[0].value.startswith(("Fine-tuning helped", "Not sure yet", "Mixed",
                                        "Fine-tuning made it worse"))
    runs = frame_with(at, "compared with")
    assert runs["compared with"].tolist() == [base_id, tuned_id]


def test_items_sort_by_any_score_and_mark_the_weak_tail(db):
    seed_pair_of_runs(db)
    at = open_page("evaluate.py")
    items = frame_with(at, "model answer")
    assert items["cosine"].tolist() == sorted(items["cosine"].tolist())
    assert items["weak"].tolist()[0] == "⚑"
    at.radio(key="ev_order").set_value("strongest first").run()
    items = frame_with(at, "model answer")
    assert items["cosine"].tolist() == sorted(items["cosine"].tolist(), reverse=True)
    at.selectbox(key="ev_sort_by").set_value("chrF").run()
    items = frame_with(at, "model answer")
    assert items["chrF"].tolist() == sorted(items["chrF"].tolist(), reverse=True)
    at.radio(key="ev_weak_mode").set_value("the lowest share").run()
    at.slider(key="ev_lowest").set_value(25).run()
    assert not at.exception
    assert frame_with(at, "model answer")["weak"].tolist().count("⚑") == 1


def test_a_cluster_goes_back_and_review_shows_the_model_answer(db):
    ids, base_id, _ = seed_pair_of_runs(db)
    at = open_page("evaluate.py")
    at.selectbox(key="ev_run").set_value(base_id).run()
    groups = frame_with(at, "representative question")
    assert groups["cluster"].tolist()[0] == 1 and groups["items"].tolist()[0] == 2
    assert "reset" in groups["representative question"].tolist()[0]
    at.button(key="ev_send_cluster_1").click().run()
    assert not at.exception
    flagged = store.count(db, PairFilter().narrowed(flag="weak_in_eval"))
    assert flagged == 2
    assert any("cluster 1: 2 pairs flagged" in s.value for s in at.success)
    at.button(key="ev_review").click().run()
    assert not at.exception
    assert at.session_state["rv_flag"] == "weak_in_eval"
    assert at.session_state["rv_current"] in ids[:2]
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"Model answer (eval run {base_id}, score ") for c in captions)
    texts = [t.value for t in at.text]
    assert {"No idea.", "Call sales."} & set(texts)


def test_review_shows_no_model_answer_for_an_unflagged_pair(db):
    seed_pair_of_runs(db)
    at = open_page("review.py")
    assert not at.exception
    assert not any(c.value.startswith("Model answer") for c in at.caption)


def test_an_evaluation_started_on_the_page_runs_as_a_job(db, db_path, tmp_path, fake_openai,
                                                        monkeypatch):
    from reviewer.exporting import ExportOptions
    from reviewer.exporting.service import export_dataset

    ids = seed(db, 12, text=lambda i: ("Support.", f"Question {i} about the X{i}00?",
                                       f"Answer {i}: restart the X{i}00."))
    db.execute("UPDATE pairs SET status = 'approved'")
    result = export_dataset(db, tmp_path / "set.jsonl", ExportOptions(holdout=2), who="t")
    assert result.ok and ids
    providers = tmp_path / "providers.toml"
    providers.write_text(f'[providers.box]\nbase_url = "{fake_openai.base_url}"\n',
                         encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(providers))
    at = open_page("evaluate.py")
    assert at.info[0].value.startswith("No evaluation runs yet")
    assert at.selectbox(key="ev_source").value.endswith("set.valid.jsonl")
    at.selectbox(key="ev_provider").set_value("box")
    at.text_input(key="ev_model").input("tuned")
    at.text_input(key="ev_base_model").input("base")
    at.checkbox(key="ev_quick").check().run()
    at.button(key="ev_start").click().run()
    assert not at.exception
    job = jobs.latest(db, "eval")
    assert job is not None and job.settings["base_model"] == "base"
    assert EXECUTOR.wait(db_path, job.id, timeout=60)
    at.run()
    assert not at.exception
    assert jobs.get(db, job.id).status == "succeeded"
    runs = evals.list_runs(db)
    assert sorted(r["role"] for r in runs) == ["base", "tuned"]
    assert "Base vs tuned: did fine-tuning help?" in [s.value for s in at.subheader]


def test_an_evaluation_whose_process_died_is_shown_interrupted(db):
    import subprocess
    import sys

    seed_pair_of_runs(db)
    job_id = jobs.create(db, "eval", settings={"model": "tuned", "base_model": "base"},
                         status="running")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    db.execute("UPDATE jobs SET pid = ?, pid_started = NULL WHERE id = ?",
               [int(gone.stdout), job_id])
    at = open_page("evaluate.py")
    assert not at.exception
    assert jobs.get(db, job_id).status == "interrupted"
    assert any(f"Evaluation job {job_id} (base → tuned) was interrupted" in w.value
               for w in at.warning)
