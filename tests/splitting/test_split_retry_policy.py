"""`--retry-failed` holds back failures the same settings would repeat."""

import json

from click.testing import CliRunner
from fakes import Reply
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.splitting import split_pending
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.retrying import HOLD_REASON, would_fail_again


def _splitter(fake_openai, **kwargs):
    return LLMSplitter("m", base_url=fake_openai.base_url, max_retries=0, examples=[], **kwargs)


def _fail_two(db_path, add_conversation, fake_openai):
    """One conversation overflows the context, the other meets a server error."""
    overflow = add_conversation(EN_TURNS)
    flaky = add_conversation(KO_TURNS, locator="line 9")
    fake_openai.queue(Reply.context_full(), Reply.error(500, message="down"))
    first = split_pending(db_path, _splitter(fake_openai), concurrency=1)
    codes = {cid: reason.split(":")[0] for cid, reason in first.failures}
    assert codes == {overflow: "context_overflow", flaky: "api_error"}
    return overflow, flaky


def test_retry_skips_what_would_fail_again_and_names_it(db_path, add_conversation, fake_openai):
    overflow, flaky = _fail_two(db_path, add_conversation, fake_openai)
    sent_before = len(fake_openai.chat_requests())
    report = split_pending(db_path, _splitter(fake_openai), retry_failed=True)
    assert report.split == 1 and report.processed == 1
    assert report.not_retried == [(overflow, "context_overflow")]
    assert len(fake_openai.chat_requests()) == sent_before + 1  # only the server error again
    text = "\n".join(report.lines())
    assert f"{HOLD_REASON}: 1 conversation(s) (context_overflow 1)" in text
    assert f"not retried {overflow}: context_overflow" in text
    assert report.to_dict()["not_retried"] == [{"conversation_id": overflow,
                                                "code": "context_overflow"}]
    with opened(db_path) as db:
        status, stored = db.execute("SELECT split_status, split_settings FROM conversations"
                                    " WHERE id = ?", [overflow]).fetchone()
    assert status == "failed" and json.loads(stored)["context_window"] == 8192


def test_changed_settings_or_force_send_it_again(db_path, add_conversation, fake_openai):
    overflow, _ = _fail_two(db_path, add_conversation, fake_openai)
    # A bigger context window is a setting that matters: the overflow is sent again.
    wider = split_pending(db_path, _splitter(fake_openai, context_window=32768),
                          retry_failed=True)
    assert wider.not_retried == [] and wider.split == 2
    assert overflow not in {cid for cid, _ in wider.failures}


def test_force_retry_sends_everything(db_path, add_conversation, fake_openai):
    overflow, _ = _fail_two(db_path, add_conversation, fake_openai)
    forced = split_pending(db_path, _splitter(fake_openai), retry_failed=True,
                           force_retry=True)
    assert forced.not_retried == [] and forced.processed == 2 and forced.split == 2


def test_failure_without_recorded_settings_is_retried(db_path, add_conversation, fake_openai):
    overflow, _ = _fail_two(db_path, add_conversation, fake_openai)
    with opened(db_path) as db:  # as stored before the settings were recorded
        db.execute("UPDATE conversations SET split_settings = NULL")
        db.conn.commit()
    report = split_pending(db_path, _splitter(fake_openai), retry_failed=True)
    assert report.not_retried == [] and report.processed == 2


def test_which_settings_matter():
    stored = {"model": "m", "context_window": 8192, "chunking": True, "max_output_tokens": 4096,
              "prompt_version_id": 3, "timeout": 60.0}
    assert would_fail_again("repetition", stored, dict(stored))
    assert not would_fail_again("repetition", stored, {**stored, "prompt_version_id": 4})
    assert not would_fail_again("output_limit", stored, {**stored, "max_output_tokens": 8192})
    assert not would_fail_again("context_overflow", stored, {**stored, "chunking": False})
    assert not would_fail_again("timeout", stored, {**stored, "timeout": 300.0})
    assert would_fail_again("repetition", stored, {**stored, "timeout": 300.0})
    assert not would_fail_again("api_error", stored, dict(stored))  # chance: always retried
    assert not would_fail_again("repetition", None, dict(stored))


def test_cli_reports_held_back_and_force_retry(db_path, add_conversation, fake_openai):
    overflow = add_conversation(EN_TURNS)
    add_conversation(KO_TURNS, locator="line 9")
    base = ["--db", str(db_path), "split", "--splitter", "llm", "--model", "m",
            "--base-url", fake_openai.base_url, "--concurrency", "1"]
    fake_openai.queue(Reply.context_full(), Reply.error(500, message="down"),
                      Reply.error(500, message="down"), Reply.error(500, message="down"))
    assert CliRunner().invoke(cli, base).exit_code == 1
    result = CliRunner().invoke(cli, [*base, "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert f"not retried {overflow}: context_overflow" in result.stdout
    assert "--force-retry" in result.stdout
    result = CliRunner().invoke(cli, [*base, "--force-retry", "--json"])
    data = json.loads(result.stdout)
    assert data["not_retried"] == [] and data["split"] == 1
