"""A split run against the fake server under rate limits, refused keys, an empty quota
and a spending ceiling: one retry layer, one shared pause, one clear stop."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fakes import Reply
from splitting_samples import store_conversation

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.llm.base import Completion
from reviewer.llm.fake import FakeModel
from reviewer.splitting import split_pending
from reviewer.splitting.cost import CostRefused
from reviewer.splitting.llm import LLMSplitter


def store_many(db_path, n: int) -> list[str]:
    return [store_conversation(db_path, [
        ("customer", f"Board {i}: the W5500 loses its DHCP lease after a day."),
        ("engineer", f"Keep calling the DHCP client every second on board {i}.")],
        locator=f"line {i}") for i in range(n)]


def statuses(db_path) -> dict[str, int]:
    with opened(db_path) as db:
        return dict(db.execute("SELECT split_status, count(*) FROM conversations"
                               " GROUP BY split_status").fetchall())


def splitter(server, **kwargs) -> LLMSplitter:
    return LLMSplitter("fake-model", base_url=server.base_url, timeout=10,
                       **{"max_retries": 3, **kwargs})


def test_sdk_does_not_retry_the_model_does(fake_openai):
    s = splitter(fake_openai)
    assert s.llm._client.max_retries == 0 and s.llm.max_retries == 3


def test_429_with_retry_after_pauses_every_worker_and_lowers_concurrency(db_path, fake_openai):
    store_many(db_path, 12)
    fake_openai.queue(Reply.error(429, retry_after=0.4, message="slow down"))
    report = split_pending(db_path, splitter(fake_openai), concurrency=4)
    assert (report.split, report.failed) == (12, 0)
    limits = report.rate_limit
    assert limits["rate_limited"] == 1 and limits["paused_s"] >= 0.4 - 1e-3
    assert limits["lowest_concurrency"] == 2 and limits["max_concurrency"] == 4
    requests = fake_openai.chat_requests()
    assert len(requests) == 13  # one retry, made by this layer
    first, later = requests[0], requests[1:]
    # The retried conversation's next request came only after Retry-After had passed.
    retried = [r for r in later if r.messages[-1] == first.messages[-1]]
    assert len(retried) == 1 and retried[0].at - first.at >= 0.4 - 1e-3
    assert any("rate limited 1 time(s)" in line for line in report.lines())


def test_retry_after_ms_is_honoured(db_path, fake_openai):
    store_many(db_path, 1)
    fake_openai.queue(Reply.error(503, message="busy", headers={"retry-after-ms": "300"}))
    report = split_pending(db_path, splitter(fake_openai), concurrency=1)
    assert report.split == 1
    first, second = fake_openai.chat_requests()
    assert second.at - first.at >= 0.3 - 1e-3


def test_a_retry_after_over_two_minutes_is_not_waited_for(db_path, fake_openai):
    store_many(db_path, 1)
    fake_openai.queue(Reply.error(429, retry_after=600, message="come back later"))
    report = split_pending(db_path, splitter(fake_openai), concurrency=1)
    assert report.failed == 1 and "rate limited: HTTP 429" in report.failures[0][1]
    assert len(fake_openai.chat_requests()) == 1


@pytest.mark.parametrize(("reply", "words"), [
    (Reply.error(429, message="You exceeded your current quota", code="insufficient_quota"),
     "no quota left"),
    (Reply.error(401, message="Incorrect API key provided"), "refused the API key"),
    (Reply.error(403, message="not allowed"), "refused the API key"),
])
def test_quota_and_auth_errors_stop_the_run_at_once(db_path, fake_openai, reply, words):
    ids = store_many(db_path, 10)
    fake_openai.default = reply
    report = split_pending(db_path, splitter(fake_openai), concurrency=2)
    assert report.stopped is not None and words in report.stopped
    assert report.failed == 0 and report.failures == []  # not ten failed conversations
    assert report.remaining == 10 and statuses(db_path) == {"pending": 10}
    assert len(fake_openai.chat_requests()) <= 2  # the calls already in flight, no retries
    with opened(db_path) as db:
        run = db.execute("SELECT status, message FROM runs WHERE id = ?",
                         [report.run_id]).fetchone()
    assert run[0] == "stopped" and words in run[1]
    assert ids  # the conversations are still there for the next run


def test_cli_prints_one_clear_message_for_a_refused_key(db_path, fake_openai):
    store_many(db_path, 6)
    fake_openai.default = Reply.error(401, message="Incorrect API key provided")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "split", "--splitter", "llm",
                                      "--base-url", fake_openai.base_url, "--concurrency", "3"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "refused the API key" in errors[0]
    assert "6 conversation(s) remain" in errors[0]
    assert "failed " not in result.stdout


def prices(tmp_path, monkeypatch, model="fake-model", input_=1.0, output=1.0):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({model: {"input": input_, "output": output}}))
    monkeypatch.setenv("REVIEWER_PRICES", str(path))


def test_estimate_and_actual_cost_in_the_report(db_path, fake_openai, tmp_path, monkeypatch):
    prices(tmp_path, monkeypatch)
    store_many(db_path, 4)
    fake_openai.usage = (1_000, 200)
    report = split_pending(db_path, splitter(fake_openai), estimate=True)
    assert report.estimate is not None and report.estimate.conversations == 4
    assert report.estimate.input_tokens > 4 * 100 and report.estimate.cost_usd > 0
    assert report.cost_usd == pytest.approx(4 * 1_200 / 1e6)
    text = "\n".join(report.lines())
    assert "estimated cost: $" in text and "actual cost: $0.0048 for 4 call(s)" in text


def test_max_cost_refuses_a_run_estimated_over_it(db_path, fake_openai, tmp_path, monkeypatch):
    prices(tmp_path, monkeypatch, input_=100.0, output=100.0)
    store_many(db_path, 5)
    with pytest.raises(CostRefused, match="exceeds --max-cost"):
        split_pending(db_path, splitter(fake_openai), max_cost=0.01)
    assert fake_openai.chat_requests() == [] and statuses(db_path) == {"pending": 5}
    result = CliRunner().invoke(cli, ["--db", str(db_path), "split", "--splitter", "llm",
                                      "--model", "fake-model", "--base-url",
                                      fake_openai.base_url, "--max-cost", "0.01"])
    assert result.exit_code == 2 and "exceeds --max-cost $0.0100" in result.stderr


def test_unknown_price_is_said_and_refuses_a_max_cost(db_path):
    store_many(db_path, 2)
    reply = Completion(json.dumps({"system": "s", "pairs": []}), "stop", 10, 10)
    unknown = LLMSplitter(llm=FakeModel(reply, default=reply, model_id="mystery-model",
                                        local=False))
    report = split_pending(db_path, unknown, estimate=True)
    assert report.estimate.cost_usd is None
    assert any(line.startswith("estimated cost: unknown (no price for model 'mystery-model'")
               for line in report.lines())
    assert any(line.startswith("actual cost: unknown") for line in report.lines())
    with opened(db_path) as db:
        db.execute("UPDATE conversations SET split_status = 'pending'")
        db.conn.commit()
    with pytest.raises(CostRefused, match="cannot be checked"):
        split_pending(db_path, unknown, max_cost=1.0)


def test_max_cost_stops_the_run_when_the_spend_reaches_it(db_path, fake_openai, tmp_path,
                                                          monkeypatch):
    prices(tmp_path, monkeypatch)
    store_many(db_path, 10)
    fake_openai.usage = (100_000, 1_000)  # each call costs $0.101
    result = CliRunner().invoke(cli, ["--db", str(db_path), "split", "--splitter", "llm",
                                      "--model", "fake-model", "--base-url",
                                      fake_openai.base_url, "--concurrency", "1",
                                      "--max-cost", "0.25"])
    assert result.exit_code == 1, result.output
    assert "spend reached --max-cost $0.2500" in result.stderr
    assert "7 conversation(s) remain" in result.stderr
    assert statuses(db_path) == {"split": 3, "pending": 7}
    assert len(fake_openai.chat_requests()) == 3
    assert "actual cost: $0.3030 for 3 call(s)" in result.stdout
