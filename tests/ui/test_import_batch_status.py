"""The Import page's block for a Batch API split: where the job stands, Check now, what
got no answer; the same facts as `reviewer jobs poll`."""

from __future__ import annotations

from fakes import fake_openai  # noqa: F401
from fakes.batches import FakeBatches
from ui_helpers import open_page

from reviewer.db import now_iso, opened
from reviewer.jobs import store as jobs
from reviewer.models import Conversation, Turn, turns_to_json
from reviewer.presenters.import_page import batch_status
from reviewer.splitting.batch import submit_batch
from reviewer.splitting.llm import LLMSplitter


def store_many(db_path, n: int) -> list[str]:
    ids = []
    with opened(db_path) as db:
        for i in range(n):
            turns = [Turn("customer", f"보드 {i}번이 재부팅됩니다. Board {i} reboots."),
                     Turn("engineer", f"Replace the regulator on board {i}.")]
            c = Conversation("t.txt", f"line {i}", turns, "txt")
            db["conversations"].insert({
                "id": c.content_id(), "source": "t.txt", "locator": f"line {i}", "fmt": "txt",
                "title": "", "external_id": "", "text": c.text, "turns": turns_to_json(turns),
                "imported_at": now_iso(), "split_status": "pending"})
            ids.append(c.content_id())
    return ids


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def test_presenter_without_a_job_shows_nothing():
    assert batch_status(None) is None


def test_batch_block_follows_the_job_with_check_now(db_path, fake_openai):  # noqa: F811
    fake = FakeBatches(fake_openai)
    ids = store_many(db_path, 3)
    fake.missing_when = lambda c: c.startswith(ids[0])
    submission = submit_batch(db_path, LLMSplitter("fake-model", base_url=fake_openai.base_url),
                              who="tester")
    at = open_page("import.py")
    assert not at.exception
    shown = texts(at)
    assert f"Batch job #{submission.job_id}, model fake-model" in shown
    assert any(t.startswith("Submitted ") and "3 conversations in 1 batch" in t for t in shown)
    assert any("0 of 3 answered so far" in t for t in shown)
    for _ in range(2):  # validating -> in_progress -> completed
        at.button(key="batch_poll").click().run()
        assert not at.exception
    shown = texts(at)
    assert any(t.startswith("Finished ") and "2 split, 0 failed, 1 without an answer" in t
               for t in shown)
    assert any(f"--resubmit-missing {submission.job_id}" in t for t in shown)
    assert not [b for b in at.button if b.key == "batch_poll"]  # nothing left to check
    with opened(db_path) as db:
        assert jobs.get(db, submission.job_id).status == jobs.SUCCEEDED


def test_a_stopped_live_split_says_why_in_the_last_split_block():
    from reviewer.jobs.store import Job
    from reviewer.presenters.import_page import last_split

    job = Job(id=4, kind="split", status="succeeded", provider=None, external_id=None,
              input_ref=None, output_ref=None, done=3, total=10, settings={"splitter": "llm:m"},
              result={"processed": 3, "split": 3, "remaining": 7,
                      "stopped": "stopped: spend reached --max-cost $0.2500 ($0.3030 spent)"},
              error=None, error_type=None, created_at="2026-01-01T00:00:00+00:00",
              updated_at="2026-01-01T00:00:00+00:00",
              finished_at="2026-01-01T00:01:00+00:00", host=None, pid=None)
    block = last_split(job)
    assert "It stopped early — stopped: spend reached --max-cost $0.2500" in block.timing
    assert block.timing.endswith("7 conversations remain.")


def test_a_cancelled_batch_says_its_conversations_were_released(db_path, fake_openai):  # noqa: F811
    from reviewer.splitting.batch_cancel import cancel_batch_job

    FakeBatches(fake_openai)
    store_many(db_path, 2)
    submission = submit_batch(db_path, LLMSplitter("fake-model", base_url=fake_openai.base_url))
    cancel_batch_job(db_path, submission.job_id)
    with opened(db_path) as db:
        status = batch_status(jobs.get(db, submission.job_id))
    assert status is not None and not status.active
    assert status.lines[1].startswith("Cancelled ")
    assert "2 conversations released by the cancel: live splits take them again." in status.lines
