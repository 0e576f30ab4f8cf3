"""`reviewer split` through click's CliRunner on a temp database."""

import json

from click.testing import CliRunner
from fakes import Reply
from splitting_samples import EN_TURNS, KO_TURNS, store_conversation

from reviewer.cli import cli
from reviewer.db import opened


def run(db_path, *args, env=None):
    return CliRunner().invoke(cli, ["--db", str(db_path), "split", *args], env=env)


def test_rules_split_prints_report_and_exits_0(tmp_path):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    store_conversation(db_path, KO_TURNS)
    result = run(db_path)
    assert result.exit_code == 0, result.output
    assert "processed: 2 conversation(s); split: 2; failed: 0" in result.stdout
    assert "pairs created: 3" in result.stdout
    assert "splitting" in result.stderr  # the progress bar goes to stderr
    with opened(db_path) as db:
        assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 3


def test_failures_exit_1_and_json_report(tmp_path):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    bad = store_conversation(db_path, [("customer", "Hello?")])
    result = run(db_path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["split"] == 1 and data["failed"] == 1
    assert data["failures"] == [{"conversation_id": bad,
                                 "reason": "no engineer reply found after a customer question"}]


def test_llm_split_against_fake_server(tmp_path, fake_openai):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    result = run(db_path, "--splitter", "llm", "--model", "tiny", "--base-url",
                 fake_openai.base_url, "--concurrency", "2", "--timeout", "5")
    assert result.exit_code == 0, result.output
    assert fake_openai.chat_requests()[0].body["model"] == "tiny"
    with opened(db_path) as db:
        assert {r["origin"] for r in db.query("SELECT origin FROM pairs")} == {"llm:tiny"}


def test_redo_and_retry_failed_flags(tmp_path, fake_openai):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    fake_openai.queue(*[Reply.error(500, retry_after=0.01, message="down")] * 3)  # + 2 retries
    args = ["--splitter", "llm", "--base-url", fake_openai.base_url]
    env = {"OPENAI_API_KEY": ""}
    first = run(db_path, *args, env=env)
    assert first.exit_code == 1 and "API error HTTP 500" in first.stdout
    retried = run(db_path, *args, "--retry-failed", env=env)
    assert retried.exit_code == 0 and "split: 1" in retried.stdout
    redone = run(db_path, "--redo")
    assert redone.exit_code == 0 and "superseded: 2" in redone.stdout


def test_bad_few_shot_file_exits_2_before_any_work(tmp_path, fake_openai):
    db_path = tmp_path / "cli.db"
    store_conversation(db_path, EN_TURNS)
    few = tmp_path / "few.jsonl"
    few.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n', encoding="utf-8")
    result = run(db_path, "--splitter", "llm", "--base-url", fake_openai.base_url,
                 "--few-shot", str(few))
    assert result.exit_code == 2
    assert f"{few}: line 1: the first message must be the system line" in result.stderr
    assert fake_openai.chat_requests() == []


def test_llm_without_key_or_url_exits_2(tmp_path):
    result = run(tmp_path / "cli.db", "--splitter", "llm")
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.stderr
