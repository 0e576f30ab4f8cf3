"""Batch API splits against the fake server's files and batches routes, through the real
SDK: submission, sharding, polling, per-line errors, missing ids, failed and expired
batches, resubmission, and no retried create."""

from __future__ import annotations

import json

import pytest
from fakes.batches import FakeBatches
from splitting_samples import store_conversation

from reviewer.db import opened
from reviewer.jobs import store as jobs
from reviewer.llm.batch import BatchAPIError, BatchClient, BatchLimits
from reviewer.llm.endpoint import Endpoint
from reviewer.splitting import split_pending
from reviewer.splitting.batch import custom_id, submit_batch
from reviewer.splitting.batch_poll import poll_batch
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.prompt import PROMPT_VERSION


@pytest.fixture
def batches(fake_openai) -> FakeBatches:
    return FakeBatches(fake_openai)


def store_many(db_path, n: int) -> list[str]:
    out = []
    for i in range(n):
        turns = ([("customer", f"보드 {i}번의 DHCP 임대가 갱신되지 않습니다."),
                  ("engineer", f"{i}번 보드에서 DHCP 클라이언트를 1초마다 호출하세요.")]
                 if i % 2 else
                 [("customer", f"Board {i}: the W5500 loses its DHCP lease after a day."),
                  ("engineer", f"Keep calling the DHCP client every second on board {i}.")])
        out.append(store_conversation(db_path, turns, locator=f"line {i}"))
    return out


def splitter(server) -> LLMSplitter:
    return LLMSplitter("fake-model", base_url=server.base_url, max_retries=0, timeout=10)


def states(db_path) -> dict[str, str]:
    with opened(db_path) as db:
        return dict(db.execute("SELECT id, split_status FROM conversations").fetchall())


def poll_until_done(db_path, job_id, limit=10):
    results = []
    for _ in range(limit):
        results.append(poll_batch(db_path, job_id))
        if results[-1].status not in jobs.ACTIVE:
            return results
    raise AssertionError(f"job {job_id} still active after {limit} polls")


def test_happy_path_lines_match_the_live_request_and_results_are_stored(db_path, fake_openai,
                                                                        batches):
    ids = store_many(db_path, 4)
    submission = submit_batch(db_path, splitter(fake_openai))
    assert submission.conversations == 4 and len(submission.shards) == 1
    (upload,) = [r for r in fake_openai.requests if r.path == "/v1/files"]
    (file_id,) = batches.files
    assert batches.files[file_id]["purpose"] == "batch"
    lines = [json.loads(x) for x in batches.contents[file_id].decode().splitlines()]
    assert [x["custom_id"] for x in lines] == [custom_id(c) for c in ids]
    assert lines[0]["custom_id"] == f"{ids[0]}:{PROMPT_VERSION}"
    assert {x["url"] for x in lines} == {"/v1/chat/completions"}
    # The body is the very request the live path sends for the same conversation.
    live_db = db_path.with_name("live.db")
    store_many(live_db, 1)
    split_pending(live_db, splitter(fake_openai), use_cache=False)
    assert lines[0]["body"] == fake_openai.chat_requests()[0].body
    assert lines[0]["body"]["response_format"]["type"] == "json_schema"
    # While out, the conversations are left out of live splits.
    assert split_pending(db_path, splitter(fake_openai)).processed == 0

    first = poll_batch(db_path, submission.job_id)  # validating -> in_progress
    assert first.status == jobs.RUNNING and first.report is None
    assert first.shards[0]["status"] == "in_progress"
    second = poll_batch(db_path, submission.job_id)  # completed: answers stored
    assert second.status == jobs.SUCCEEDED
    assert (second.report.split, second.report.failed) == (4, 0)
    assert second.items == {"done": 4} and set(states(db_path).values()) == {"split"}
    with opened(db_path) as db:
        origins = {r[0] for r in db.execute("SELECT origin FROM pairs")}
        calls = list(db.query("SELECT purpose, subject, run_id, prompt_version FROM llm_calls"))
        (version,) = [r[0] for r in db.execute("SELECT id FROM prompt_versions")]
    assert origins == {"llm:fake-model"}
    assert {c["prompt_version"] for c in calls} == {f"{PROMPT_VERSION}#{version}"}
    assert sorted(c["subject"] for c in calls) == sorted(ids)
    assert {c["purpose"] for c in calls} == {"split"}
    with opened(db_path) as db:
        job = jobs.get(db, submission.job_id)
    assert job.status == jobs.SUCCEEDED and job.done == job.total == 4
    assert job.external_id == submission.shards[0]["batch_id"]
    # Polling again changes nothing and stores nothing twice.
    again = poll_batch(db_path, submission.job_id)
    assert again.report is None and again.items == {"done": 4}


def test_input_over_the_limits_is_sharded(db_path, fake_openai, batches):
    store_many(db_path, 5)
    submission = submit_batch(db_path, splitter(fake_openai),
                              limits=BatchLimits(max_requests=2))
    assert [s["requests"] for s in submission.shards] == [2, 2, 1]
    assert len(batches.batches) == 3 and batches.creates == 3
    results = poll_until_done(db_path, submission.job_id)
    assert results[-1].items == {"done": 5}
    other = db_path.with_name("bytes.db")
    store_many(other, 3)
    size = len(batches.contents[next(iter(batches.files))].splitlines()[0]) + 1
    sharded = submit_batch(other, splitter(fake_openai),
                           limits=BatchLimits(max_bytes=int(size * 1.5)))
    assert [s["requests"] for s in sharded.shards] == [1, 1, 1]


def test_line_errors_fail_their_conversation_and_missing_ids_can_be_resubmitted(
        db_path, fake_openai, batches):
    ids = store_many(db_path, 6)
    batches.error_when = lambda c: c.startswith(ids[1])
    batches.missing_when = lambda c: c.startswith((ids[2], ids[4]))
    submission = submit_batch(db_path, splitter(fake_openai))
    final = poll_until_done(db_path, submission.job_id)[-1]
    assert final.status == jobs.SUCCEEDED
    assert final.items == {"done": 3, "failed": 1, "missing": 2}
    assert final.report.failures[0][0] == ids[1]
    assert "batch request failed (HTTP 500)" in final.report.failures[0][1]
    assert any("--resubmit-missing" in line for line in final.lines())
    now = states(db_path)
    assert now[ids[1]] == "failed" and now[ids[2]] == now[ids[4]] == "pending"

    batches.missing_when = lambda c: False
    again = submit_batch(db_path, splitter(fake_openai), resubmit_job=submission.job_id)
    assert again.conversations == 2
    sent = batches.contents[batches.batches[again.shards[0]["batch_id"]]["input_file_id"]]
    assert {json.loads(x)["custom_id"] for x in sent.decode().splitlines()} == {
        custom_id(ids[2]), custom_id(ids[4])}
    assert poll_until_done(db_path, again.job_id)[-1].items == {"done": 2}
    assert states(db_path)[ids[2]] == "split"
    # Resubmitting the same job again finds nothing left to send.
    assert submit_batch(db_path, splitter(fake_openai),
                        resubmit_job=submission.job_id).job_id is None


def test_a_failed_batch_leaves_its_conversations_for_a_resubmit(db_path, fake_openai, batches):
    ids = store_many(db_path, 3)
    batches.fail_validation = True
    submission = submit_batch(db_path, splitter(fake_openai))
    final = poll_until_done(db_path, submission.job_id)[-1]
    assert final.status == jobs.FAILED and final.items == {"missing": 3}
    assert "model does not exist" in final.shards[0]["error"]
    assert set(states(db_path).values()) == {"pending"}
    batches.fail_validation = False
    again = submit_batch(db_path, splitter(fake_openai), resubmit_job=submission.job_id)
    assert poll_until_done(db_path, again.job_id)[-1].items == {"done": 3}
    assert set(states(db_path)[c] for c in ids) == {"split"}


def test_an_expired_batch_stores_what_was_answered(db_path, fake_openai, batches):
    store_many(db_path, 4)
    batches.expire = True
    submission = submit_batch(db_path, splitter(fake_openai))
    final = poll_until_done(db_path, submission.job_id)[-1]
    assert final.shards[0]["status"] == "expired"
    assert final.items == {"done": 2, "missing": 2}  # batch_expired lines are not failures
    assert sorted(states(db_path).values()) == ["pending", "pending", "split", "split"]


def test_batch_creation_is_never_retried(db_path, fake_openai, batches):
    store_many(db_path, 2)
    batches.create_status = 500
    with pytest.raises(BatchAPIError, match="could not create the batch"):
        submit_batch(db_path, splitter(fake_openai))
    assert batches.creates == 1  # the SDK would have tried three times
    with opened(db_path) as db:
        (job,) = jobs.recent(db, kind="split_batch")
        held = db.execute("SELECT count(*) FROM split_batch_items").fetchone()[0]
    assert job.status == jobs.FAILED and held == 0
    assert split_pending(db_path, splitter(fake_openai)).split == 2  # nothing is held back


def test_an_endpoint_without_a_batch_api_says_so(db_path, fake_openai):
    store_many(db_path, 1)
    with pytest.raises(BatchAPIError, match="seems to offer no Batch API"):
        submit_batch(db_path, splitter(fake_openai))


def test_fake_batches_list_and_cancel_through_the_sdk(db_path, fake_openai, batches):
    store_many(db_path, 4)
    submission = submit_batch(db_path, splitter(fake_openai))
    client = BatchClient(Endpoint("custom", fake_openai.base_url))
    try:
        batch_id = submission.shards[0]["batch_id"]
        assert client.cancel(batch_id).status == "cancelling"
        listed = client._client.batches.list()
        assert [b.id for b in listed.data] == [batch_id]
    finally:
        client.close()
    final = poll_until_done(db_path, submission.job_id)[-1]
    assert final.shards[0]["status"] == "cancelled"
    assert final.items == {"done": 2, "missing": 2}  # answered before the cancel: kept


def test_the_key_goes_to_the_endpoint_and_nowhere_else(db_path, fake_openai, batches,
                                                      monkeypatch):
    secret = "sk-" + "batch-secret-27182"
    monkeypatch.setenv("BATCH_TEST_KEY", secret)
    store_many(db_path, 2)
    from reviewer.llm import load_providers, resolve_endpoint

    endpoint = resolve_endpoint(base_url=fake_openai.base_url, api_key_env="BATCH_TEST_KEY",
                                providers=load_providers())
    keyed = LLMSplitter("fake-model", endpoint=endpoint, max_retries=0, timeout=10)
    submission = submit_batch(db_path, keyed)
    poll_until_done(db_path, submission.job_id)  # the key is found again from its variable
    assert set(fake_openai.authorizations()) == {f"Bearer {secret}"}
    with opened(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        job = jobs.get(db, submission.job_id)
    assert job.settings["key_env"] == "BATCH_TEST_KEY"
    assert secret.encode() not in db_path.read_bytes()


def test_a_conversation_that_needs_chunks_is_left_out_and_named(db_path, fake_openai,
                                                                  batches):
    from test_split_chunking import long_korean, small_window

    short = store_many(db_path, 2)
    long_id = store_conversation(db_path, long_korean(), locator="line 90")
    splitter = small_window(fake_openai, room=400)
    submission = submit_batch(db_path, splitter)
    assert submission.conversations == 2 and submission.too_long == [long_id]
    text = "\n".join(submission.lines())
    assert f"left out {long_id}: too long for a batch line; split it live" in text
    (file_id,) = batches.files
    sent = [json.loads(x)["custom_id"] for x in batches.contents[file_id].decode().splitlines()]
    assert sent == [custom_id(c) for c in short]
    assert states(db_path)[long_id] == "pending"  # waiting for a live split
    # The live path takes it while the batch is out, in chunks.
    live = split_pending(db_path, small_window(fake_openai, room=400))
    assert live.processed == 1 and live.split == 1 and live.outcome.chunked == 1
    # Nothing left that fits: the submission says why nothing went.
    again = submit_batch(db_path, small_window(fake_openai, room=400), redo=True)
    assert again.job_id is None and again.too_long == [long_id]
    assert again.lines()[0] == "nothing to submit: no conversation else is pending"


def test_a_batch_whose_cancel_fails_keeps_its_conversations_and_the_job_open(
        db_path, fake_openai, batches):
    from reviewer.splitting.batch_cancel import cancel_batch_job

    store_many(db_path, 4)
    submission = submit_batch(db_path, splitter(fake_openai),
                              limits=BatchLimits(max_requests=2))
    first, second = (s["batch_id"] for s in submission.shards)
    del batches.batches[second]  # the provider no longer knows it: its cancel fails
    result = cancel_batch_job(db_path, submission.job_id)
    assert result.cancelled == [first] and result.released == 2 and len(result.errors) == 1
    assert result.status == jobs.RUNNING
    assert "stays open" in "\n".join(result.lines())
    with opened(db_path) as db:
        held = dict(db.execute("SELECT state, count(*) FROM split_batch_items GROUP BY state"
                               ).fetchall())
        assert jobs.get(db, submission.job_id).status == jobs.RUNNING
    assert held == {"cancelled": 2, "submitted": 2}
    # Only the released conversations go to a live split.
    assert split_pending(db_path, splitter(fake_openai)).processed == 2
