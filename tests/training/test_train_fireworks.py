"""Fireworks through the same commands (provider training_api "fireworks"): the dataset in
three steps, the supervised fine-tuning job from start to tuned model, and the key kept to
the API host (never sent to the storage host behind signed URLs)."""

from __future__ import annotations

import json

import pytest

from reviewer.jobs import store as jobs
from reviewer.llm import load_providers, resolve_endpoint
from reviewer.training import TrainingError
from reviewer.training.fireworks import FireworksTrainer, rest_root
from reviewer.training.metrics import load_metrics

BASE = "accounts/fireworks/models/llama-v3p1-8b-instruct"


def test_fireworks_job_from_start_to_tuned_model(db, exported, fireworks, train, fake_openai,
                                                 fw_key):
    started = train("start", str(exported), "--provider", "fw", "--model", BASE, "--epochs",
                    "2", "--suffix", "support", "--json")
    assert started.exit_code == 0, started.output
    job = json.loads(started.stdout)
    created = fireworks.created[0]
    assert created["baseModel"] == BASE and created["epochs"] == 2
    assert created["displayName"] == "support"
    assert created["dataset"].startswith("accounts/acct-1/datasets/reviewer-")
    assert created["evaluationDataset"].startswith("accounts/acct-1/datasets/reviewer-")
    assert {d["exampleCount"] for d in fireworks.datasets.values()} == {"10", "2"}
    assert job["status"] == "queued" and job["result"]["raw_status"] == "JOB_STATE_CREATING"

    followed = train("follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 0, followed.output
    tuned = f"accounts/acct-1/models/tuned-{job['external_id']}"
    assert f"tuned model: {tuned}" in followed.stdout
    root = fake_openai.base_url.removesuffix("/v1")
    assert f"call it at: {root}/inference/v1  model: {tuned}" in followed.stdout
    assert "does not serve a tuned model until you deploy it" in followed.stdout
    assert jobs.get(db, job["id"]).result["raw_status"] == "JOB_STATE_COMPLETED"

    events = train("events", str(job["id"]))
    assert "JOB_STATE_COMPLETED · 100% done" in events.stdout
    metrics = train("metrics", str(job["id"]), "--json")
    assert metrics.exit_code == 0, metrics.output
    rows = json.loads(metrics.stdout)["rows"]
    assert [r["step"] for r in rows] == list(range(1, 9))
    assert rows[0]["train_loss"] == 1.5 and rows[3]["valid_loss"] == 0.4
    assert len(load_metrics(db, job["id"])) == 8
    listed = json.loads(train("list", "--json").stdout)
    assert [r["tuned_model"] for r in listed] == [tuned]

    deleted = train("delete-model", tuned, "--provider", "fw", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert fireworks.deleted_models == [f"tuned-{job['external_id']}"]

    # The key went to the API host only; the metrics link on the storage host got none.
    assert set(fake_openai.authorizations()) == {f"Bearer {fw_key}"}
    assert fireworks.storage.requests and set(fireworks.storage.authorizations()) == {None}
    assert not fireworks.storage.received(fw_key)


def test_a_failed_job_and_a_cancel(db, exported, fireworks, train):
    fireworks.fail_job = True
    job = json.loads(train("start", str(exported), "--provider", "fw", "--model", BASE,
                           "--json").stdout)
    followed = train("follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 1
    assert "error: line 2: messages must end with an assistant turn" in followed.stdout
    assert jobs.get(db, job["id"]).status == jobs.FAILED
    fireworks.fail_job = False
    second = json.loads(train("start", str(exported), "--provider", "fw", "--model", BASE,
                              "--json").stdout)
    assert len(fireworks.datasets) == 2  # the same files again: found, not uploaded twice
    cancelled = train("cancel", str(second["id"]))
    assert cancelled.exit_code == 0 and "JOB_STATE_CANCELLED" in cancelled.stdout
    assert jobs.get(db, second["id"]).status == jobs.CANCELLED


def trainer(**options) -> FireworksTrainer:
    endpoint = resolve_endpoint(provider="fw", providers=load_providers())
    return FireworksTrainer(endpoint, poll_every=0.01, **options)


def test_a_large_file_goes_through_a_signed_url_without_the_key(exported, fireworks, fw_key):
    data_file = exported.parent / "set.train.jsonl"
    name = trainer(direct_upload_limit=0).upload(data_file)
    dataset_id = name.rsplit("/", 1)[-1]
    assert fireworks.stored[dataset_id] == data_file.read_bytes()
    assert fireworks.datasets[dataset_id]["state"] == "READY"
    put = [r for r in fireworks.storage.requests if r.method == "PUT"]
    assert len(put) == 1 and put[0].authorization is None
    assert not fireworks.storage.received(fw_key)
    assert trainer(direct_upload_limit=0).upload(data_file) == name  # READY: reused
    assert len([r for r in fireworks.storage.requests if r.method == "PUT"]) == 1


def test_what_fireworks_does_not_take_is_refused_before_a_job(exported, fireworks, train,
                                                              monkeypatch):
    result = train("start", str(exported), "--provider", "fw", "--model", BASE,
                   "--lr-multiplier", "2")
    assert result.exit_code == 2 and "absolute learning rate" in result.stderr
    assert fireworks.jobs == {}
    monkeypatch.delenv("FIREWORKS_ACCOUNT_ID")
    missing = train("start", str(exported), "--provider", "fw", "--model", BASE)
    assert missing.exit_code == 2 and "FIREWORKS_ACCOUNT_ID" in missing.stderr


def test_an_account_the_key_cannot_use_is_reported(exported, fireworks):
    with pytest.raises(TrainingError, match="HTTP 403: permission denied"):
        trainer(account="someone-else").upload(exported.parent / "set.train.jsonl")


def test_rest_root_stays_on_the_same_host():
    assert rest_root("https://api.fireworks.ai/inference/v1") == "https://api.fireworks.ai/v1"
    assert rest_root("https://api.fireworks.ai/inference/v1/") == "https://api.fireworks.ai/v1"
    assert rest_root("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"


def test_the_builtin_fireworks_provider_keeps_its_key_to_its_host(monkeypatch):
    monkeypatch.setenv("FIREWORKS_API_KEY", "-".join(("fw", "builtin")))
    monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", "acct-1")
    endpoint = resolve_endpoint(provider="fireworks", providers=load_providers())
    assert endpoint.base_url == "https://api.fireworks.ai/inference/v1"
    assert endpoint.key_env == "FIREWORKS_API_KEY"
    built = FireworksTrainer(endpoint)
    assert str(built._client.base_url).rstrip("/") == "https://api.fireworks.ai/v1"
