"""Fine-tuning jobs through the real SDK against the fake server's files and job routes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.jobs import store as jobs


def train(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), "train", *args])


def test_start_follow_events_list(db, db_path, exported, provider, fake_openai, box_key):
    started = train(db_path, "start", str(exported), "--provider", "box", "--model",
                    "gpt-4o-mini-2024-07-18", "--epochs", "3", "--suffix", "support", "--json")
    assert started.exit_code == 0, started.output
    job = json.loads(started.stdout)
    assert job["kind"] == "fine-tune" and job["status"] == "queued"
    assert job["settings"]["hyperparameters"] == {"n_epochs": 3}
    assert job["settings"]["validation_file"] is not None  # the held-out file went along
    assert provider.creates == 1
    # The key went to its own provider only, and is stored nowhere.
    assert set(fake_openai.authorizations()) == {f"Bearer {box_key}"}
    followed = train(db_path, "follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 0, followed.output
    assert "tuned model: ft:gpt-4o-mini-2024-07-18:org-fake:support:1" in followed.stdout
    row = jobs.get(db, job["id"])
    assert row.status == jobs.SUCCEEDED and row.result["trained_tokens"] == 1000
    events = train(db_path, "events", str(job["id"]))
    assert "Created fine-tuning job" in events.stdout and "Job succeeded" in events.stdout
    listed = json.loads(train(db_path, "list", "--json").stdout)
    assert [r["tuned_model"] for r in listed] == [row.result["fine_tuned_model"]]
    with open(db_path, "rb") as handle:
        assert box_key.encode() not in handle.read()


def test_a_blocked_organisation_is_explained_and_nothing_is_recorded(
        db, db_path, exported, provider):
    provider.blocked = True
    result = train(db_path, "start", str(exported), "--provider", "box", "--model", "m")
    assert result.exit_code == 2
    assert "no new jobs after 2027-01-06" in result.stderr
    assert "Azure OpenAI" in result.stderr and "TRL" in result.stderr
    assert provider.creates == 1  # tried once, never retried
    assert jobs.recent(db, kind="fine-tune") == []


def test_a_job_that_fails_validation_and_a_cancel(db, db_path, exported, provider):
    provider.fail_validation = True
    job = json.loads(train(db_path, "start", str(exported), "--provider", "box", "--model",
                           "m", "--json").stdout)
    followed = train(db_path, "follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 1
    assert "error: line 3: missing assistant message" in followed.stdout
    provider.fail_validation = False
    second = json.loads(train(db_path, "start", str(exported), "--provider", "box",
                              "--model", "m", "--no-validation", "--json").stdout)
    assert second["settings"]["validation_file"] is None
    cancelled = train(db_path, "cancel", str(second["id"]))
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
    assert jobs.get(db, second["id"]).status == jobs.CANCELLED


def test_only_an_unchanged_export_that_passed_the_gate_trains(db_path, exported, provider):
    data_file = exported.parent / "set.train.jsonl"
    data_file.write_text(data_file.read_text("utf-8") + "\n", encoding="utf-8")
    result = train(db_path, "start", str(exported), "--provider", "box", "--model", "m")
    assert result.exit_code == 2 and "changed since it was exported" in result.stderr
    assert provider.creates == 0
