"""What a job leaves behind at an OpenAI-shaped provider, through the real SDK against the
fake: checkpoints, the metrics (result) file, estimated against actual trained tokens and
cost, where to call the tuned model, and deleting it."""

from __future__ import annotations

import json

from reviewer.jobs import store as jobs
from reviewer.tokens import get_encoding
from reviewer.training.metrics import load_metrics

MODEL = "gpt-4o-mini-2024-07-18"  # priced at $3.00 per 1M training tokens in the table


def started(train, exported, *extra: str) -> dict:
    result = train("start", str(exported), "--provider", "box", "--model", MODEL,
                   "--suffix", "support", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def finished(train, exported, *extra: str) -> dict:
    job = started(train, exported, *extra)
    followed = train("follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 0, followed.output
    return job


def chat_tokens(path) -> int:
    """Cookbook count, written out: 3 per message, its role and content, 3 for priming."""
    enc = get_encoding("o200k_base")
    total = 0
    for line in path.read_text("utf-8").splitlines():
        messages = json.loads(line)["messages"]
        total += 3 + sum(3 + len(enc.encode(m["role"])) + len(enc.encode(m["content"]))
                         for m in messages)
    return total


def test_estimated_and_actual_tokens_and_cost(db, exported, provider, train):
    job = started(train, exported, "--epochs", "3")
    file_tokens = chat_tokens(exported.parent / "set.train.jsonl")
    estimate = job["settings"]["estimate"]
    assert estimate["examples"] == 10 and estimate["file_tokens"] == file_tokens
    assert estimate["tokens"] == 3 * file_tokens and estimate["epochs_source"] == "chosen"
    assert estimate["cost_usd"] == round(3 * file_tokens * 3.0 / 1e6, 4)
    assert job["costs"]["actual_tokens"] is None  # not known before the job ends

    train("follow", str(job["id"]), "--every", "0.01")
    status = train("status", str(job["id"]), "--json")
    costs = json.loads(status.stdout)["costs"]
    assert costs["actual_tokens"] == 1000 and costs["actual_cost_usd"] == 0.003
    assert costs["tokens_difference_pct"] == round(
        100 * (1000 - 3 * file_tokens) / (3 * file_tokens), 1)
    text = train("status", str(job["id"])).stdout
    assert (f"trained tokens: estimated {3 * file_tokens:,} (3 epochs (chosen)), "
            "actual 1,000") in text
    assert f"cost: estimated ${estimate['cost_usd']:,.4f}, actual $0.0030" in text


def test_without_epochs_the_estimate_uses_the_default_heuristic(db, exported, provider,
                                                               train):
    estimate = started(train, exported)["settings"]["estimate"]
    assert estimate["epochs"] == 10 and estimate["epochs_source"] == "default heuristic"


def test_where_to_call_the_tuned_model(db, exported, provider, train, fake_openai):
    job = finished(train, exported)
    text = train("status", str(job["id"])).stdout
    model = f"ft:{MODEL}:org-fake:support:1"
    assert f"call it at: {fake_openai.base_url}  model: {model}" in text
    serving = jobs.get(db, job["id"]).result["serving"]
    assert serving == {"base_url": fake_openai.base_url, "model": model,
                       "note": "Ready: call it through chat completions at this base URL.",
                       "needs_deployment": False}


def test_checkpoints_one_per_epoch_last_three(db, exported, provider, train):
    job = finished(train, exported, "--epochs", "4")
    result = train("checkpoints", str(job["id"]), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["step"] for r in rows] == [8, 12, 16]  # 4 steps an epoch, epochs 2–4 kept
    assert rows[-1]["model"] == f"ft:{MODEL}:org-fake:support:1:ckpt-step-16"
    assert rows[0]["train_loss"] == 0.25 and rows[0]["valid_loss"] == 0.275
    assert jobs.get(db, job["id"]).result["checkpoints"] == rows


def test_metrics_rows_from_the_result_file(db, exported, provider, train):
    job = finished(train, exported, "--epochs", "2")
    assert len(load_metrics(db, job["id"])) == 8  # `follow` fetched them when it succeeded
    result = train("metrics", str(job["id"]), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [r["step"] for r in rows] == list(range(1, 9))
    assert rows[0]["train_loss"] == 2.0 and rows[-1]["train_loss"] == 0.25
    assert rows[0]["valid_loss"] is None and rows[1]["valid_loss"] == 1.1
    assert rows[1]["valid_accuracy"] == 0.52 and rows[1]["train_accuracy"] == 0.42
    assert len(load_metrics(db, job["id"])) == 8  # kept for the page
    printed = train("metrics", str(job["id"]), "--cached").stdout.splitlines()
    assert printed[0].split()[:3] == ["step", "train_loss", "valid_loss"]
    assert len(printed) == 9
    assert "metrics: 8 steps" in train("status", str(job["id"])).stdout


def test_a_malformed_metrics_row_is_named_and_skipped(db, exported, provider, train):
    provider.malformed_metrics = True
    job = finished(train, exported, "--epochs", "1")
    result = train("metrics", str(job["id"]))
    assert result.exit_code == 1
    assert "skipped line 4: train_loss is not a number ('n/a')" in result.stderr
    assert [r.step for r in load_metrics(db, job["id"])] == [1, 2, 4]


def test_metrics_before_the_job_wrote_any(db, exported, provider, train):
    job = started(train, exported)
    result = train("metrics", str(job["id"]))  # one poll: still running, no result file
    assert result.exit_code == 0 and "no metrics yet" in result.stdout


def test_delete_a_tuned_model_only_when_confirmed(db, exported, provider, train,
                                                 fake_openai, box_key):
    finished(train, exported)
    model = f"ft:{MODEL}:org-fake:support:1"
    refused = train("delete-model", model, "--provider", "box")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert provider.deleted_models == []
    deleted = train("delete-model", model, "--provider", "box", "--yes")
    assert deleted.exit_code == 0 and f"{model} deleted at box" in deleted.stdout
    assert provider.deleted_models == [model]
    again = train("delete-model", model, "--provider", "box", "--yes")
    assert again.exit_code == 2 and "does not exist" in again.stderr
    assert set(fake_openai.authorizations()) == {f"Bearer {box_key}"}
