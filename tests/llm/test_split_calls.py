"""A split run records every model call in `llm_calls`; `reviewer llm-calls` and the Overview
page read them back."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fakes import Reply
from streamlit.testing.v1 import AppTest

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.llm import Completion
from reviewer.llm.fake import FakeModel
from reviewer.models import Conversation, Turn, turns_to_json
from reviewer.paths import APP_FILE
from reviewer.splitting import split_pending
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.prompt import PROMPT_VERSION


def store(db_path: Path, n: int) -> list[str]:
    ids = []
    with opened(db_path) as db:
        for i in range(n):
            korean = i % 2 == 1
            turns = ([Turn("customer", f"{i}번 보드의 W5500 링크가 끊깁니다."),
                      Turn("engineer", f"{i}번 보드의 펌웨어를 2.1로 올려 주세요.")] if korean else
                     [Turn("customer", f"Board {i}: the W5500 link drops."),
                      Turn("engineer", f"Update board {i} to firmware 2.1.")])
            conversation = Conversation("t.txt", f"line {i}", turns, "txt")
            cid = f"conv-{i:03d}"  # not the content hash: the subject must be the stored id
            db["conversations"].insert({
                "id": cid, "source": "t.txt", "locator": f"line {i}", "fmt": "txt",
                "text": conversation.text, "turns": turns_to_json(turns),
                "imported_at": f"2026-11-27T10:00:{i:02d}", "split_status": "pending"})
            ids.append(cid)
    return ids


def calls(db_path: Path) -> list[dict]:
    with opened(db_path) as db:
        return list(db.query("SELECT * FROM llm_calls ORDER BY id"))


def test_every_split_call_of_a_run_is_recorded(db_path, fake_openai):
    ids = store(db_path, 12)
    fake_openai.queue(Reply.correct(), Reply.error(400, message="bad input"))
    splitter = LLMSplitter("fake-model", base_url=fake_openai.base_url, max_retries=0,
                           timeout=10)
    report = split_pending(db_path, splitter, concurrency=4)
    assert (report.split, report.failed) == (11, 1)
    rows = calls(db_path)
    assert len(rows) == 12 == len(fake_openai.chat_requests())
    assert sorted(r["subject"] for r in rows) == ids
    assert {r["run_id"] for r in rows} == {report.run_id}
    # Each call names the wording and the recorded prompt version it sent.
    assert splitter.prompt_version_id is not None
    assert {(r["purpose"], r["model"], r["provider"], r["prompt_version"]) for r in rows} == {
        ("split", "fake-model", "custom", f"{PROMPT_VERSION}#{splitter.prompt_version_id}")}
    answered = [r for r in rows if r["error"] is None]
    assert len(answered) == 11
    assert all((r["input_tokens"], r["output_tokens"], r["finish_reason"]) == (10, 10, "stop")
               for r in answered)
    assert all(r["latency_ms"] > 0 and r["cost_usd"] == 0.0 for r in answered)
    assert all(r["response_id"].startswith("chatcmpl-fake-") for r in answered)
    (failed,) = [r for r in rows if r["error"] is not None]
    assert failed["error"] == "API error HTTP 400: bad input"
    assert failed["input_tokens"] is None and failed["finish_reason"] is None
    assert (failed["subject"], "api_error: " + failed["error"]) in [
        (cid, reason) for cid, reason in report.failures]
    # the splitter is detached from the run's log afterwards
    assert splitter.llm.call_log is None


def test_sdk_retries_are_one_call(db_path, fake_openai):
    store(db_path, 1)
    fake_openai.queue(Reply.error(503, retry_after=0.01, message="busy"))
    split_pending(db_path, LLMSplitter("fake-model", base_url=fake_openai.base_url,
                                       max_retries=2))
    assert len(fake_openai.chat_requests()) == 2
    (row,) = calls(db_path)
    assert row["error"] is None and row["finish_reason"] == "stop"


def test_rules_split_records_no_calls(db_path):
    from reviewer.splitting import make_splitter

    store(db_path, 2)
    split_pending(db_path, make_splitter("rules"))
    assert calls(db_path) == []


def priced_run(db_path: Path) -> int:
    store(db_path, 3)
    reply = Completion(json.dumps({"system": "W5500 link drops", "pairs": [
        {"question": "Board 0: the W5500 link drops.",
         "answer": "Update board 0 to firmware 2.1."}]}), "stop",
        input_tokens=2_000, output_tokens=500)
    model = FakeModel(reply, default=reply, model_id="gpt-4o-mini", provider="openai",
                      local=False)
    return split_pending(db_path, LLMSplitter(llm=model), concurrency=2).run_id


def test_llm_calls_command_lists_calls_and_spend(db_path):
    run_id = priced_run(db_path)
    runner = CliRunner()
    text = runner.invoke(cli, ["--db", str(db_path), "llm-calls", "--limit", "2"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert len([line for line in lines if " split " in line]) == 2
    assert "gpt-4o-mini (openai)" in lines[0] and "in=2000 out=500" in lines[0]
    # 3 calls x (2000 x 0.3 + 500 x 1.2) / 1e6 = 0.0036
    assert "total: 3 call(s), 6000 tokens in, 1500 out, estimated cost $0.0036" in text.output
    data = json.loads(runner.invoke(cli, ["--db", str(db_path), "llm-calls", "--json",
                                          "--run", str(run_id)]).output)
    assert len(data["calls"]) == 3 and data["summary"]["calls"] == 3
    assert data["summary"]["models"][0]["model"] == "gpt-4o-mini"
    other = json.loads(runner.invoke(cli, ["--db", str(db_path), "llm-calls", "--json",
                                           "--run", str(run_id + 1)]).output)
    assert other["calls"] == [] and other["summary"]["cost_usd"] is None


def test_llm_calls_command_on_an_empty_database(db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "llm-calls"])
    assert result.exit_code == 0 and result.output == "no model calls recorded\n"


def test_overview_shows_spend_and_tokens_per_model(db, db_path):
    at = AppTest.from_file(str(APP_FILE), default_timeout=30)
    at.run()
    assert "No model calls yet." in [t.value for t in at.text]
    priced_run(db_path)
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Calls"], metrics["Tokens in"], metrics["Tokens out"]) == ("3", "6000",
                                                                               "1500")
    assert metrics["Estimated cost"] == "$0.0036"
    table = at.dataframe[0].value
    assert table[["model", "provider", "calls", "tokens in", "tokens out",
                  "estimated cost"]].values.tolist() == [["gpt-4o-mini", "openai", 3, 6000,
                                                           1500, "$0.0036"]]
