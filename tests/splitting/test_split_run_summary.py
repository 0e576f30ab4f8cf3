"""The run summary: what share of the model's pairs was stored, flagged, dropped per reason
and merged, in the report, the run record and the CLI output."""

import json

from click.testing import CliRunner
from fakes import Reply
from splitting_samples import EN_TURNS, store_conversation

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.review import store
from reviewer.splitting import split_pending
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.run_summary import SplitOutcome

Q1, A1, Q2, A2 = (t for _, t in EN_TURNS)


def pair(question, answer, q, a):
    return {"question": question, "answer": answer, "question_turns": [q],
            "answer_turns": [a]}


# The model repeats one pair twice more, passes the customer's words off as an answer, and
# copies a label: 6 proposed, 2 stored, 3 merged away... counted below one by one.
NOISY = {"system": "DHCP lease renewal on the W5500 and W7500P.", "pairs": [
    pair(Q1, A1, 1, 2),
    pair(Q1, A1, 1, 2),
    pair(" " + Q1.upper(), A1, 1, 2),
    pair(Q2, "Customer: " + Q2, 3, 3),
    pair("Customer: " + Q2, A2, 3, 4),
]}


def splitter(server) -> LLMSplitter:
    return LLMSplitter("small-local-model", base_url=server.base_url, timeout=5.0)


def test_the_report_counts_merged_dropped_repaired_and_flagged(db_path, fake_openai):
    cid = store_conversation(db_path, EN_TURNS)
    fake_openai.default = Reply.content_of(NOISY)
    report = split_pending(db_path, splitter(fake_openai))
    outcome = report.outcome
    assert (report.split, report.pairs_created) == (1, 2)
    assert outcome.proposed == 5 and outcome.stored == 2
    assert outcome.merged == 2 and outcome.dropped == {"answer_from_customer": 1}
    assert outcome.repaired == {"speaker_label": 1}
    assert report.pairs_dropped == 1
    lines = report.lines()
    assert ("model pairs: 5 proposed; dropped by checks: 1 (20%): answer_from_customer 1 "
            "(20%); duplicates merged: 2") in lines
    assert "repaired or noted: speaker_label 1" in lines
    assert any(line.startswith("pairs flagged: ") and "of 2 stored" in line for line in lines)
    # the run record keeps the same counts
    with opened(db_path) as db:
        (counts,) = [json.loads(r[0]) for r in db.execute(
            "SELECT counts FROM runs WHERE kind = 'split'")]
        stored = store.pairs_of_conversation(db, cid)
    assert counts["outcome"]["duplicates_merged"] == 2
    assert counts["outcome"]["dropped"] == {"answer_from_customer": 1}
    assert [p["question"] for p in stored] == [Q1, Q2]


def test_flagged_share_counts_each_stored_pair_once():
    outcome = SplitOutcome()
    outcome.add_stored([None, json.dumps([{"code": "greeting"}, {"code": "duplicate"}]),
                        json.dumps([{"code": "greeting"}]), "not json"])
    assert (outcome.stored, outcome.flagged) == (4, 2)
    assert outcome.flags == {"greeting": 2, "duplicate": 1}
    assert outcome.lines() == ["pairs flagged: 2 of 4 stored (50%): greeting 2, duplicate 1"]


def test_pairs_a_reviewed_pair_covers_are_counted_not_silently_skipped(db_path, fake_openai):
    cid = store_conversation(db_path, EN_TURNS)
    split_pending(db_path, splitter(fake_openai))
    with opened(db_path) as db:
        first = store.pairs_of_conversation(db, cid)[0]
        store.update_pair(db, first["id"], {"status": "approved"},
                          expected_version=first["version"], who="ana")
    report = split_pending(db_path, splitter(fake_openai), redo=True, use_cache=False)
    assert report.outcome.covered == 1 and report.pairs_kept == 1
    assert any(line.startswith("not stored: 1 pair(s) a reviewed pair already covers")
               for line in report.lines())


def test_the_cli_prints_the_summary_and_takes_the_context_settings(tmp_path, fake_openai):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    fake_openai.default = Reply.content_of(NOISY)
    base = ["--db", str(db_path), "split", "--splitter", "llm", "--model", "small-local-model",
            "--base-url", fake_openai.base_url]
    refused = CliRunner().invoke(cli, [*base, "--context-window", "1000", "--no-chunking"])
    assert refused.exit_code == 1
    assert "failed by reason: context_overflow 1" in refused.stdout
    assert "chunking is off" in refused.stdout
    assert fake_openai.chat_requests() == []
    done = CliRunner().invoke(cli, [*base, "--retry-failed", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["outcome"]["duplicates_merged"] == 2
    assert data["outcome"]["dropped"] == {"answer_from_customer": 1}
