"""`reviewer split --batch` and `reviewer jobs poll`: submitted from one process, followed
from another (a restart), resubmitting what got no answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes import fake_openai  # noqa: F401
from fakes.batches import FakeBatches

from reviewer.cli import cli
from reviewer.db import now_iso, opened
from reviewer.models import Conversation, Turn, turns_to_json


def store_many(db_path: Path, n: int) -> list[str]:
    ids = []
    with opened(db_path) as db:
        for i in range(n):
            turns = [Turn("customer", f"고객 {i}: W5500 링크가 끊어집니다. Board {i} drops."),
                     Turn("engineer", f"Update board {i} to firmware 2.{i}.")]
            c = Conversation("t.txt", f"line {i}", turns, "txt")
            db["conversations"].insert({
                "id": c.content_id(), "source": "t.txt", "locator": f"line {i}", "fmt": "txt",
                "title": "", "external_id": "", "text": c.text, "turns": turns_to_json(turns),
                "imported_at": now_iso(), "split_status": "pending"})
            ids.append(c.content_id())
    return ids


def run(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


@pytest.fixture
def batches(fake_openai):  # noqa: F811
    return FakeBatches(fake_openai)


def submit(db_path: Path, server, *extra: str):
    return run(db_path, "split", "--splitter", "llm", "--model", "fake-model", "--base-url",
               server.base_url, "--batch", *extra)


def test_batch_submit_then_poll_from_a_new_process(tmp_path, fake_openai, batches):  # noqa: F811
    db_path = tmp_path / "cli.db"
    store_many(db_path, 5)
    submitted = submit(db_path, fake_openai, "--batch-max-requests", "2", "--json")
    assert submitted.exit_code == 0, submitted.output
    data = json.loads(submitted.stdout)
    job_id = data["job_id"]
    assert data["conversations"] == 5 and len(data["shards"]) == 3
    assert data["estimate"]["batch"] is True
    listed = run(db_path, "jobs", "--kind", "split_batch")
    assert f"{job_id}" in listed.stdout and "running" in listed.stdout

    # A new process with its own connection follows the job to its end.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-m", "reviewer.cli", "--db", str(db_path), "jobs",
                           "poll", str(job_id), "--wait", "--interval", "0.01"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert f"batch job {job_id}: succeeded; conversations: 5 done" in done.stdout
    assert "processed: 5 conversation(s); split: 5; failed: 0" in done.stdout
    assert "actual cost: $0.0000" in done.stdout
    status = run(db_path, "status", "--json")
    assert json.loads(status.stdout)["conversations"]["split"] == 5


def test_missing_answers_exit_1_and_resubmit_missing(tmp_path, fake_openai, batches):  # noqa: F811
    db_path = tmp_path / "cli.db"
    ids = store_many(db_path, 3)
    batches.missing_when = lambda c: c.startswith(ids[0])
    job_id = json.loads(submit(db_path, fake_openai, "--json").stdout)["job_id"]
    polled = run(db_path, "jobs", "poll", "--wait", "--interval", "0.01")
    assert polled.exit_code == 1
    assert f"--resubmit-missing {job_id}" in polled.stdout
    batches.missing_when = lambda c: False
    again = run(db_path, "split", "--splitter", "llm", "--model", "fake-model", "--base-url",
                fake_openai.base_url, "--resubmit-missing", str(job_id))
    assert again.exit_code == 0, again.output
    assert "1 conversation(s) in 1 batch(es)" in again.stdout
    finished = run(db_path, "jobs", "poll", "--wait", "--interval", "0.01")
    assert finished.exit_code == 0, finished.output
    assert run(db_path, "jobs", "poll").stdout.strip() == "no batch split job is waiting"


def test_batch_needs_the_llm_splitter_and_a_failed_create_is_reported(tmp_path, fake_openai,  # noqa: F811
                                                                     batches):
    db_path = tmp_path / "cli.db"
    store_many(db_path, 1)
    rules = run(db_path, "split", "--batch")
    assert rules.exit_code == 2 and "--batch needs --splitter llm" in rules.stderr
    batches.create_status = 502
    failed = submit(db_path, fake_openai)
    assert failed.exit_code == 2 and "could not create the batch" in failed.stderr
    assert batches.creates == 1


def test_jobs_cancel_stops_the_batches_and_releases_the_conversations(
        tmp_path, fake_openai, batches):  # noqa: F811
    db_path = tmp_path / "cli.db"
    ids = store_many(db_path, 3)
    job_id = json.loads(submit(db_path, fake_openai, "--batch-max-requests", "2",
                               "--json").stdout)["job_id"]
    live = ["split", "--splitter", "llm", "--model", "fake-model", "--base-url",
            fake_openai.base_url, "--json"]
    assert json.loads(run(db_path, *live).stdout)["processed"] == 0  # all held by the batch
    result = run(db_path, "jobs", "cancel", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "cancelled" and data["released"] == 3
    assert len(data["cancelled"]) == 2 and data["errors"] == []
    cancels = [r for r in fake_openai.requests if r.method == "POST"
               and r.path.endswith("/cancel")]
    assert sorted(r.path.split("/")[3] for r in cancels) == sorted(data["cancelled"])
    assert {b["status"] for b in batches.batches.values()} == {"cancelling"}
    with opened(db_path) as db:
        job = db.execute("SELECT status, finished_at FROM jobs WHERE id = ?",
                         [job_id]).fetchone()
        states = {r[0] for r in db.execute("SELECT state FROM split_batch_items")}
    assert job[0] == "cancelled" and job[1] and states == {"cancelled"}
    # Released: a live split takes them now; polling the cancelled job stores nothing.
    assert json.loads(run(db_path, *live).stdout)["split"] == len(ids)
    polled = run(db_path, "jobs", "poll", str(job_id), "--json")
    assert json.loads(polled.stdout)[0]["report"] is None
    # Cancelling again, or another kind of job, is refused with a reason.
    again = run(db_path, "jobs", "cancel", str(job_id))
    assert again.exit_code == 2 and "already ended (cancelled)" in again.stderr
    with opened(db_path) as db:
        from reviewer.jobs import store as jobs

        other = jobs.create(db, "split", settings={})
    refused = run(db_path, "jobs", "cancel", str(other))
    assert refused.exit_code == 2 and "only batch split jobs" in refused.stderr
