"""Only one split runs per database, across processes; a dead run's lease goes stale."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fakes.openai_server import Reply
from splitting_samples import EN_TURNS

from reviewer.cli import cli
from reviewer.db import connect
from reviewer.splitting import SplitBusy, make_splitter, split_pending
from reviewer.splitting.lease import STALE_AFTER
from reviewer.splitting.llm import LLMSplitter


def test_second_split_is_refused_while_one_runs(db_path, add_conversation, fake_openai):
    add_conversation(EN_TURNS)
    release = threading.Event()
    fake_openai.chooser = lambda body: (release.wait(10), Reply.correct())[1]
    outcome: dict = {}
    first = threading.Thread(target=lambda: outcome.setdefault(
        "report", split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url))))
    first.start()
    try:
        for _ in range(200):  # until the first run has claimed the database
            if fake_openai.chat_requests():
                break
            threading.Event().wait(0.05)
        with pytest.raises(SplitBusy):
            split_pending(db_path, make_splitter("rules"))
        result = CliRunner().invoke(cli, ["--db", str(db_path), "split"])
        assert result.exit_code == 3 and "another split" in result.output
    finally:
        release.set()
        first.join(10)
    assert outcome["report"].split == 1
    db = connect(db_path)
    statuses = [r[0] for r in db.execute("SELECT status FROM runs ORDER BY id")]
    db.close()
    assert statuses == ["done", "refused", "refused"]
    # Nothing was split twice: one set of pairs.
    assert split_pending(db_path, make_splitter("rules")).processed == 0


def test_a_dead_runs_stale_lease_does_not_block(db_path, add_conversation):
    add_conversation(EN_TURNS)
    db = connect(db_path)
    old = (datetime.now(UTC) - STALE_AFTER - timedelta(seconds=5)).isoformat()
    db.execute("INSERT INTO runs (kind, started_at, status, heartbeat_at) "
               "VALUES ('split', ?, 'running', ?)", [old, old])
    db.close()
    assert split_pending(db_path, make_splitter("rules")).split == 1
