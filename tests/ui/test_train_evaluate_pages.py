"""Train and Evaluate pages: empty states, the job list, a run's scores and weak tail, and
sending the weak items back to review."""

from ui_helpers import open_page, seed

from reviewer.evaluation import HashingEmbedder
from reviewer.evaluation.heldout import HeldOutItem
from reviewer.evaluation.runner import run_eval
from reviewer.jobs import store as jobs
from reviewer.llm.fake import FakeModel
from reviewer.review import PairFilter, store


def test_empty_pages_say_what_to_do(db):
    for page, words in (("train.py", "No fine-tuning jobs yet"),
                        ("evaluate.py", "No evaluation runs yet")):
        at = open_page(page)
        assert not at.exception
        assert at.info[0].value.startswith(words)
        assert at.code  # the command to run, as plain text
    # nothing exported yet: Train offers a button to the step that comes first, as Review and
    # Export do; Evaluate names the command, since only the CLI exports a held-out file
    assert "--holdout" in at.code[0].value
    at = open_page("train.py")
    (go,) = [b for b in at.button if b.label == "Go to Export"]
    go.click().run()
    assert not at.exception
    assert at.session_state["_setup_done"] == "Export"


def test_train_page_lists_jobs(db):
    job_id = jobs.create(db, "fine-tune", provider="openai", external_id="ftjob-9",
                         status="succeeded", local=False, settings={"model": "gpt-4o-mini"})
    jobs.update(db, job_id, result={"raw_status": "succeeded", "trained_tokens": 1200,
                                    "fine_tuned_model": "ft:gpt-4o-mini:org:support:1"})
    at = open_page("train.py")
    table = at.dataframe[0].value
    assert table["tuned model"].tolist() == ["ft:gpt-4o-mini:org:support:1"]
    assert table["trained tokens"].tolist() == [1200]


def test_evaluate_page_shows_the_weak_tail_and_sends_it_back(db):
    ids = seed(db, 3)
    items = [HeldOutItem(f"pair {pid}", pid, "Summary.", f"Question number {n}?",
                         f"Answer number {n}.") for n, pid in enumerate(ids)]
    model = FakeModel("Answer number 0.", "Something unrelated entirely.", "Answer number 2.")
    outcome = run_eval(db, items, model, HashingEmbedder(), name="base", source="v.jsonl",
                       who="t", concurrency=1)
    at = open_page("evaluate.py")
    assert not at.exception
    means = next(d.value for d in at.dataframe if "95% interval" in d.value.columns)
    assert means["metric"].tolist() == ["Cosine", "chrF", "BLEU", "ROUGE-L"]
    table = next(d.value for d in at.dataframe if "model answer" in d.value.columns)
    assert table["weak"].tolist()[0] == "⚑"  # weakest first, marked
    assert table["model answer"].tolist()[0] == "Something unrelated entirely."
    # the weakest item is also shown in full below the table, answer beside its reference
    assert "Something unrelated entirely." in [c.value for c in at.code]
    assert "1 of 3 items are weak (cosine < 0.5), tinted and marked ⚑." in [
        t.value for t in at.text]
    at.button(key="ev_send_back").click().run()
    assert not at.exception
    assert store.count(db, PairFilter().narrowed(flag="weak_in_eval")) == 1
    assert outcome.items == 3
