"""Evaluation as a persisted job: base and tuned on the same items in one job, the runs
linked for comparison, progress in the jobs table, a killed job marked interrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from fakes import Reply
from loop_samples import answer_by_model, seed_and_export

from reviewer.cli import cli
from reviewer.evaluation import store as evals
from reviewer.evaluation.job import EvalSetupError, EvalSpec, start_eval_job
from reviewer.evaluation.sources import resolve_split
from reviewer.jobs import EXECUTOR, JobBusy
from reviewer.jobs import store as jobs


def invoke(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def references_of(valid):
    lines = [json.loads(x) for x in valid.read_text("utf-8").splitlines()]
    return {m["messages"][1]["content"]: m["messages"][2]["content"] for m in lines}


def test_one_job_evaluates_base_and_tuned_on_the_same_items(db, db_path, tmp_path,
                                                            fake_openai):
    valid = seed_and_export(db, tmp_path, holdout=4)
    fake_openai.chooser = answer_by_model(references_of(valid))
    result = invoke(db_path, "eval", "run", "--split", "valid", "--model", "tuned",
                    "--base-model", "base", "--base-url", fake_openai.base_url,
                    "--embedder", "hash", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    base_id, tuned_id = data["base_run_id"], data["run_id"]
    assert data["items"] == 4
    # One job, finished, with its progress persisted: four answers and one scoring per side.
    job = jobs.get(db, data["job_id"])
    assert job.kind == "eval" and job.status == "succeeded"
    assert (job.done, job.total) == (10, 10)
    assert job.result["runs"] == {"base": base_id, "tuned": tuned_id}
    assert "base_url" not in job.settings and job.settings["base_model"] == "base"
    # The two runs are linked, and made by that job.
    base, tuned = evals.get_run(db, base_id), evals.get_run(db, tuned_id)
    assert (base["role"], base["paired_with"], base["job_id"]) == ("base", tuned_id, job.id)
    assert (tuned["role"], tuned["paired_with"]) == ("tuned", base_id)
    assert {r["item_id"] for r in evals.run_items(db, base_id)} == {
        r["item_id"] for r in evals.run_items(db, tuned_id)}
    # Every answer went through the model layer: logged, and cached for the next run.
    logged = db.execute("SELECT model, count(*) FROM llm_calls WHERE purpose = 'eval'"
                        " GROUP BY model ORDER BY model").fetchall()
    assert logged == [("base", 4), ("tuned", 4)]
    asked = len(fake_openai.chat_requests())
    again = invoke(db_path, "eval", "run", "--split", "valid", "--model", "tuned",
                   "--base-model", "base", "--base-url", fake_openai.base_url,
                   "--embedder", "hash", "--json")
    assert again.exit_code == 0, again.output
    assert len(fake_openai.chat_requests()) == asked  # all eight from the cache
    # The side-by-side view: both means with intervals, the paired difference, flips.
    comparison = data["comparison"]
    cosine = comparison["means"]["cosine"]
    assert cosine["tuned"]["mean"] > 0.99 > 0.6 > cosine["base"]["mean"]
    assert cosine["difference"]["low"] <= cosine["difference"]["mean"] <= cosine[
        "difference"]["high"]
    assert cosine["difference"]["low"] > 0  # tuning helped, beyond the interval
    assert len(comparison["improved"]) == 4 and comparison["regressed"] == []
    assert sum(h["base"] for h in comparison["histogram"]) == 4
    assert sum(h["tuned"] for h in comparison["histogram"]) == 4
    # `reviewer jobs` follows it like any job.
    listed = json.loads(invoke(db_path, "jobs", "--kind", "eval", "--json").stdout)
    assert [r["status"] for r in listed] == ["succeeded", "succeeded"]
    assert listed[-1]["progress"] == "10/10"


def test_compare_with_one_id_uses_the_linked_run_and_prints_both_sides(db, db_path, tmp_path,
                                                                        fake_openai):
    valid = seed_and_export(db, tmp_path, holdout=4)
    references = references_of(valid)
    # The tuned model gets three right and one wrong; the base gets only that one right.
    wrong = sorted(references)[0]

    def choose(body):
        question = body["messages"][-1]["content"]
        right = (question != wrong) == (body["model"] == "tuned")
        return Reply.content_of(references[question] if right else "Please reboot it.")

    fake_openai.chooser = choose
    ran = json.loads(invoke(db_path, "eval", "run", str(valid), "--model", "tuned",
                            "--base-model", "base", "--base-url", fake_openai.base_url,
                            "--embedder", "hash", "--json").stdout)
    text = invoke(db_path, "eval", "compare", str(ran["base_run_id"]))
    assert text.exit_code == 0, text.output
    assert f"tuned {ran['run_id']} (tuned) vs base {ran['base_run_id']} (base)" in text.output
    assert "weak → good 3, good → weak 1" in text.output
    assert "paired percentile bootstrap" in text.output
    assert "cosine histogram (base / tuned):" in text.output
    data = json.loads(invoke(db_path, "eval", "compare", str(ran["run_id"]), "--json").stdout)
    assert (data["base"], data["tuned"]) == (ran["base_run_id"], ran["run_id"])
    assert [f["question"] for f in data["flips"]["regressed"]] == [wrong]
    alone = json.loads(invoke(db_path, "eval", "run", str(valid), "--model", "tuned",
                              "--base-url", fake_openai.base_url, "--embedder", "hash",
                              "--json").stdout)
    unlinked = invoke(db_path, "eval", "compare", str(alone["run_id"]))
    assert unlinked.exit_code == 2 and "no linked run" in unlinked.stderr


def test_setup_errors_are_refused_before_a_job_is_recorded(db, db_path, tmp_path):
    result = invoke(db_path, "eval", "run", "--model", "m", "--base-url",
                    "http://127.0.0.1:9/v1")
    assert result.exit_code == 2 and "no export with a held-out file yet" in result.stderr
    valid = seed_and_export(db, tmp_path)
    with pytest.raises(EvalSetupError, match="unknown provider|not configured|nowhere"):
        start_eval_job(db_path, EvalSpec(source=valid, model="m", provider="nowhere"))
    assert jobs.recent(db, kind="eval") == []


def test_split_names_the_latest_export_or_one_export(db, tmp_path):
    with pytest.raises(EvalSetupError):
        resolve_split(db, "valid")
    valid = seed_and_export(db, tmp_path)
    assert resolve_split(db, "valid") == valid
    assert resolve_split(db, str(tmp_path / "set.manifest.json")) == valid
    assert resolve_split(db, str(tmp_path / "set.jsonl")) == valid
    with pytest.raises(EvalSetupError, match="does not exist"):
        resolve_split(db, str(tmp_path / "other.valid.jsonl"))


def test_one_evaluation_at_a_time(db, db_path, tmp_path, fake_openai):
    valid = seed_and_export(db, tmp_path)
    fake_openai.default = Reply.hang(30)
    spec = EvalSpec(source=valid, model="m", base_url=fake_openai.base_url, embedder="hash",
                    concurrency=1)
    first = start_eval_job(db_path, spec)
    try:
        with pytest.raises(JobBusy):
            start_eval_job(db_path, spec)
    finally:
        fake_openai.stop()  # releases the hanging answer; the job ends with errors
        assert EXECUTOR.wait(db_path, first, timeout=60)
    assert jobs.get(db, first).status == "succeeded"
    assert evals.get_run(db, jobs.get(db, first).result["runs"]["run"])["failed"] == 2


def test_an_eval_job_whose_process_died_is_shown_interrupted(db, db_path, tmp_path,
                                                              fake_openai):
    valid = seed_and_export(db, tmp_path)
    fake_openai.default = Reply.hang(60)
    env = {**os.environ, "REVIEWER_DB": str(db_path)}
    proc = subprocess.Popen([sys.executable, "-m", "reviewer.cli", "eval", "run", str(valid),
                             "--model", "m", "--base-url", fake_openai.base_url,
                             "--embedder", "hash"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not fake_openai.chat_requests():  # the job is recorded and asking
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        running = jobs.latest(db, "eval")
        assert running is not None and running.status == "running"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    listed = json.loads(invoke(db_path, "jobs", "--kind", "eval", "--json").stdout)
    assert listed[0]["status"] == "interrupted"
    assert evals.list_runs(db) == []
