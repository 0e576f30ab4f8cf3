"""The Import and Overview presenters without Streamlit: split plans, the last split block,
per-file rows, next steps."""

from __future__ import annotations

from reviewer import jobs
from reviewer.presenters.import_page import (
    file_rows,
    last_split,
    shows_model_fields,
    split_plan,
    splitter_label,
)
from reviewer.presenters.overview import next_steps


def conversations(pending=0, split=0, failed=0) -> dict[str, int]:
    return {"pending": pending, "split": split, "failed": failed}


def test_split_plan_counts_what_the_options_add_and_says_why_not():
    assert split_plan(conversations(pending=3), retry_failed=False, redo=False).count == 3
    plan = split_plan(conversations(split=4, failed=2), retry_failed=False, redo=False)
    assert (plan.count, plan.retry_useful, plan.redo_useful) == (0, True, True)
    assert "“Retry failed conversations” to try the 2 failed again" in plan.reason
    assert "“Redo already split” to split the 4 split again" in plan.reason
    both = split_plan(conversations(pending=1, split=4, failed=2), retry_failed=True, redo=True)
    assert (both.count, both.reason, both.summary) == (7, "", "Split takes 7 conversations.")
    empty = split_plan(conversations(), retry_failed=True, redo=True)
    assert empty.reason.startswith("Nothing to split yet") and not empty.redo_useful


def test_model_fields_only_for_the_llm_splitter():
    assert shows_model_fields("llm") and not shows_model_fields("rules")
    assert splitter_label("llm:gpt-4o-mini") == "LLM splitter, model gpt-4o-mini"
    assert splitter_label("rules") == "rules splitter (offline)"


def test_last_split_block_for_finished_failed_and_running_jobs(db):
    job_id = jobs.store.create(db, "split", settings={"splitter": "llm:local", "who": "민지",
                                                      "redo": True})
    assert last_split(jobs.store.get(db, job_id)) is None  # queued: the progress bar shows it
    jobs.store.update(db, job_id, status=jobs.SUCCEEDED, result={
        "run_id": 7, "processed": 2, "split": 1, "failed": 1, "pairs_created": 3,
        "failures": [{"conversation_id": "c9", "reason": "bad JSON from the model"}]})
    block = last_split(jobs.store.get(db, job_id))
    assert block is not None
    assert block.heading == f"Job #{job_id} (run #7), LLM splitter, model local"
    assert " by 민지; finished " in block.timing and block.timing.endswith("(redoing already "
                                                                             "split).")
    assert dict(block.metrics)["Failed"] == 1 and block.pairs_created == 3
    assert block.failures == [{"conversation": "c9", "reason": "bad JSON from the model"}]
    other = jobs.store.create(db, "split", settings={"splitter": "rules"})
    jobs.store.update(db, other, status=jobs.FAILED, error="boom", error_type="RuntimeError")
    failed = last_split(jobs.store.get(db, other))
    assert failed is not None and failed.metrics == [] and "; failed " in failed.timing


def test_file_rows_describe_duplicates_by_kind():
    rows = file_rows({"per_file": [{
        "file": "b.txt", "encoding": "CP949", "imported": 1, "rejected": 0, "duplicates": 3,
        "duplicates_of_earlier_imports": 2, "duplicates_within_this_import": 1,
        "first_copies_earlier": [{"file": "a.txt", "locator": "line 1"},
                                 {"file": "a.txt", "locator": "line 9"}],
        "first_copies_here": [{"file": "b.txt", "locator": "line 4"}]}]})
    assert rows == [{"file": "b.txt", "encoding": "CP949", "imported": 1, "rejected": 0,
                     "duplicates": 3,
                     "duplicates of": "2 of an earlier import (first copy: a.txt line 1, "
                                      "line 9) · 1 within this upload (first copy: b.txt "
                                      "line 4)"}]


def test_next_steps_follow_the_workflow():
    (start,) = next_steps({}, conversations())
    assert start.message.startswith("Start by importing conversation dumps")
    steps = next_steps({"pending": 2, "approved": 1}, conversations(pending=1, split=1))
    assert [(s.action, s.page) for s in steps] == [
        ("Split conversations", "pages/import.py"), ("Review pairs", "pages/review.py"),
        ("Export", "pages/export.py")]
    assert next_steps({"rejected": 3}, conversations(split=1)) == []
