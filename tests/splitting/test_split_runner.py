"""split_pending against a real SQLite file (and the fake server for the LLM runs)."""

import json
import threading

from fakes import Reply
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.db import opened
from reviewer.models import SplitResult
from reviewer.splitting import make_splitter, split_pending
from reviewer.splitting.llm import LLMSplitter


def rows(db_path, sql, params=()):
    with opened(db_path) as db:
        return list(db.query(sql, params))


def test_rules_run_writes_pairs_events_and_run(db_path, add_conversation):
    en = add_conversation(EN_TURNS)
    ko = add_conversation(KO_TURNS, locator="line 9")
    bad = add_conversation([("customer", "Is anyone there?")], locator="line 20")
    calls = []
    report = split_pending(db_path, make_splitter("rules"),
                           progress=lambda d, t: calls.append((d, t)), who="alice")
    assert (report.processed, report.split, report.failed, report.pairs_created) == (3, 2, 1, 3)
    assert report.failures == [(bad, "no engineer reply found after a customer question")]
    assert calls[-1] == (3, 3) and [d for d, _ in calls] == [1, 2, 3]

    pairs = rows(db_path, "SELECT * FROM pairs ORDER BY conversation_id, position")
    assert {p["conversation_id"] for p in pairs} == {en, ko}
    assert all(p["status"] == "pending" and p["touched"] == 0 and p["version"] == 1
               and p["origin"] == "rules" for p in pairs)
    assert [p["position"] for p in pairs if p["conversation_id"] == en] == [0, 1]
    convs = {c["id"]: c for c in rows(db_path, "SELECT * FROM conversations")}
    assert convs[en]["split_status"] == "split" and convs[en]["splitter"] == "rules"
    assert convs[bad]["split_status"] == "failed"
    assert "no engineer reply" in convs[bad]["split_error"]

    events = rows(db_path, "SELECT * FROM events ORDER BY id")
    assert len(events) == 3
    assert {e["action"] for e in events} == {"create"}
    assert {e["who"] for e in events} == {"splitter:rules"}
    assert {e["pair_id"] for e in events} == {p["id"] for p in pairs}
    assert all(e["run_id"] == report.run_id for e in events)
    (run,) = rows(db_path, "SELECT * FROM runs")
    assert run["kind"] == "split" and run["status"] == "done"
    assert json.loads(run["settings"])["started_by"] == "alice"
    assert json.loads(run["counts"])["pairs_created"] == 3


def test_second_run_skips_split_and_failed(db_path, add_conversation):
    add_conversation(EN_TURNS)
    add_conversation([("customer", "Hello?")], locator="line 5")
    split_pending(db_path, make_splitter("rules"))
    again = split_pending(db_path, make_splitter("rules"))
    assert (again.processed, again.skipped, again.pairs_created) == (0, 2, 0)


def test_redo_keeps_touched_pairs_and_supersedes_the_rest(db_path, add_conversation):
    cid = add_conversation(EN_TURNS)
    split_pending(db_path, make_splitter("rules"))
    first, second = rows(db_path, "SELECT * FROM pairs ORDER BY position")
    with opened(db_path) as db:  # a reviewer approved the first pair and edited nothing else
        db.execute("UPDATE pairs SET status='approved', touched=1, version=2 WHERE id=?",
                   [first["id"]])
        db.conn.commit()

    report = split_pending(db_path, make_splitter("rules"), redo=True)
    assert (report.pairs_kept, report.pairs_superseded, report.pairs_created) == (1, 1, 1)
    after = {p["id"]: p for p in rows(db_path, "SELECT * FROM pairs")}
    assert after[first["id"]]["status"] == "approved" and after[first["id"]]["version"] == 2
    assert after[second["id"]]["status"] == "deleted" and after[second["id"]]["version"] == 2
    live = [p for p in after.values() if p["status"] != "deleted"]
    # The identical first pair was not inserted again; the second is a fresh copy.
    assert sorted(p["question"] for p in live) == sorted([EN_TURNS[0][1], EN_TURNS[2][1]])
    assert len(after) == 3
    supersede = rows(db_path, "SELECT * FROM events WHERE action='supersede'")
    assert [(e["pair_id"], e["old"], e["new"], e["conversation_id"]) for e in supersede] == [
        (second["id"], "pending", "deleted", cid)]


def test_failed_redo_keeps_existing_pairs(db_path, add_conversation, fake_openai):
    add_conversation(EN_TURNS)
    split_pending(db_path, make_splitter("rules"))
    fake_openai.default = Reply.refusal("no")
    report = split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url), redo=True)
    assert report.failed == 1 and report.pairs_superseded == 0
    assert len(rows(db_path, "SELECT * FROM pairs WHERE status='pending'")) == 2


def test_retry_failed(db_path, add_conversation, fake_openai):
    cid = add_conversation(EN_TURNS)
    llm = LLMSplitter("m", base_url=fake_openai.base_url, max_retries=0)
    fake_openai.queue(Reply.error(500, message="down"))
    first = split_pending(db_path, llm)
    assert first.failures == [(cid, "api_error: API error HTTP 500: down")]
    assert split_pending(db_path, llm).processed == 0  # failed ones wait for --retry-failed
    retried = split_pending(db_path, llm, retry_failed=True)
    assert (retried.split, retried.pairs_created) == (1, 2)
    (conv,) = rows(db_path, "SELECT * FROM conversations")
    assert conv["split_status"] == "split" and conv["split_error"] is None
    assert conv["splitter"] == "llm:m"
    assert {p["origin"] for p in rows(db_path, "SELECT origin FROM pairs")} == {"llm:m"}


def test_llm_calls_overlap_with_concurrency(db_path, add_conversation, fake_openai):
    for n in range(8):
        add_conversation([("customer", f"Question {n} about the W5500?"),
                          ("engineer", f"Answer {n}: reset the W5500.")], locator=f"line {n}")
    fake_openai.default = Reply.correct(delay=1.0)  # long enough to overlap on a busy box
    report = split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url),
                           concurrency=4)
    assert report.split == 8
    # The server saw several requests in flight at once (serial would never exceed 1), and
    # never more than the concurrency asked for.
    assert 2 <= fake_openai.max_in_flight <= 4


def test_mixed_outcomes_in_one_concurrent_run(db_path, add_conversation, fake_openai):
    ids = [add_conversation([("customer", f"Does the W5500 handle case {n}?"),
                             ("engineer", f"Yes, case {n} works on the W5500.")],
                            locator=f"line {n}") for n in range(12)]

    def choose(body):
        text = body["messages"][-1]["content"]
        if "case 3?" in text:
            return Reply.refusal("nope")
        if "case 7?" in text:
            return Reply.truncated()
        return None

    fake_openai.chooser = choose
    report = split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url),
                           concurrency=4)
    assert (report.split, report.failed) == (10, 2)
    reasons = dict(report.failures)
    assert reasons[ids[3]] == "refusal: model refused: nope"
    assert reasons[ids[7]].startswith("output_limit")


def test_splitter_exception_fails_only_that_conversation(db_path, add_conversation):
    add_conversation(EN_TURNS)
    add_conversation(KO_TURNS)

    class Flaky:
        name = "flaky"

        def split(self, conversation):
            if "W5500" in conversation.text:
                raise RuntimeError("boom")
            return SplitResult(error="nothing")

    report = split_pending(db_path, Flaky(), concurrency=2)
    assert report.failed == 2
    assert sorted(r for _, r in report.failures) == [
        "nothing", "splitter crashed: RuntimeError: boom"]


def test_progress_is_called_from_one_thread(db_path, add_conversation, fake_openai):
    for n in range(5):
        add_conversation([("customer", f"W5500 q{n}?"), ("engineer", f"W5500 a{n}.")],
                         locator=f"line {n}")
    threads = set()
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url), concurrency=5,
                  progress=lambda d, t: threads.add(threading.get_ident()))
    assert threads == {threading.get_ident()}


def test_api_key_never_reaches_the_database(db_path, add_conversation, fake_openai, monkeypatch):
    secret = "sk-" + "live-DO-NOT-STORE-9f8e7d"  # built at run time: no key-like literal in git
    monkeypatch.setenv("LOCAL_TEST_KEY", secret)  # named for this URL, so it is sent
    add_conversation(EN_TURNS)
    add_conversation([("customer", "W5500?")], locator="line 3")
    fake_openai.default = Reply.error(400, message=f"invalid key {secret}")
    llm = make_splitter("llm", base_url=fake_openai.base_url, api_key_env="LOCAL_TEST_KEY")
    first = split_pending(db_path, llm)  # failures whose server message echoes the key
    assert first.failed == 2 and all("***" in reason for _, reason in first.failures)
    fake_openai.default = Reply.correct()
    assert split_pending(db_path, llm, retry_failed=True).split == 1
    assert any(r.headers.get("authorization") == f"Bearer {secret}"
               for r in fake_openai.chat_requests())
    with opened(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in db_path.parent.glob(db_path.name + "*"):
        assert secret.encode() not in path.read_bytes(), path


def test_redo_never_brings_back_what_a_reviewer_edited_or_deleted(db_path, add_conversation):
    add_conversation(EN_TURNS)
    split_pending(db_path, make_splitter("rules"))
    first, second = rows(db_path, "SELECT * FROM pairs ORDER BY position")
    with opened(db_path) as db:  # the reviewer rewrote one answer and deleted the other pair
        db.execute("UPDATE pairs SET answer='Reviewed answer.', touched=1, version=2 WHERE id=?",
                   [first["id"]])
        db.execute("UPDATE pairs SET status='deleted', touched=1, version=2 WHERE id=?",
                   [second["id"]])
        db.conn.commit()

    report = split_pending(db_path, make_splitter("rules"), redo=True)
    assert (report.pairs_kept, report.pairs_superseded, report.pairs_created) == (2, 0, 0)
    after = rows(db_path, "SELECT id, status, answer FROM pairs ORDER BY id")
    assert [(p["id"], p["status"]) for p in after] == [(first["id"], "pending"),
                                                       (second["id"], "deleted")]
    assert after[0]["answer"] == "Reviewed answer."
