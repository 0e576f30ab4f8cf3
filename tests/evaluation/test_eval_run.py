"""The loop after export: held-out questions asked through the model layer (fake server),
scored offline, base vs tuned compared, weak items flagged back into review."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fakes import Reply
from loop_samples import answer_by_model, seed_and_export

from reviewer.cli import cli
from reviewer.review import PairFilter, store


def test_base_vs_tuned_and_weak_items_back_to_review(db, db_path, tmp_path, fake_openai):
    valid = seed_and_export(db, tmp_path)
    lines = [json.loads(x) for x in valid.read_text("utf-8").splitlines()]
    references = {m["messages"][1]["content"]: m["messages"][2]["content"] for m in lines}
    fake_openai.chooser = answer_by_model(references)

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), "eval", *args])

    common = ["--base-url", fake_openai.base_url, "--embedder", "hash", "--json"]
    base = invoke("run", str(valid), "--model", "base", "--name", "base", *common)
    assert base.exit_code == 0, base.output
    tuned = invoke("run", str(valid), "--model", "tuned", "--name", "tuned", *common)
    base_run, tuned_run = json.loads(base.stdout), json.loads(tuned.stdout)
    assert base_run["items"] == tuned_run["items"] == len(lines) == 2
    assert tuned_run["summary"]["means"]["cosine"]["mean"] > 0.99
    assert base_run["summary"]["means"]["cosine"]["mean"] < 0.6
    # Every question went through the model layer and was logged (never a key).
    calls = db.execute("SELECT count(*) FROM llm_calls WHERE purpose = 'eval'").fetchone()[0]
    assert calls == 4

    compared = json.loads(invoke("compare", str(base_run["run_id"]), str(tuned_run["run_id"]),
                                 "--json").stdout)
    assert len(compared["improved"]) == 2 and compared["regressed"] == []
    assert compared["differences"]["cosine"]["mean"] > 0.4

    shown = invoke("show", str(base_run["run_id"]), "--embedder", "hash")
    assert shown.exit_code == 0 and "weak (cosine < 0.5): 2" in shown.output

    sent = json.loads(invoke("send-back", str(base_run["run_id"]), "--json").stdout)
    flagged = sent["flagged_pairs"]
    assert len(flagged) == 2
    assert store.count(db, PairFilter().narrowed(flag="weak_in_eval")) == 2
    pair = store.get_pair(db, flagged[0])
    (flag,) = [f for f in json.loads(pair["flags"]) if f["code"] == "weak_in_eval"]
    assert "The model said: I am not sure" in flag["detail"]
    # A reviewer's fix of the reference keeps the flag (it came from outside the text).
    store.update_pair(db, flagged[0], {"answer": pair["answer"] + " Reboot after."},
                      expected_version=int(pair["version"]), who="kim")
    codes = [f["code"] for f in json.loads(store.get_pair(db, flagged[0])["flags"])]
    assert "weak_in_eval" in codes


def test_a_run_with_an_unreachable_item_keeps_its_error(db, db_path, tmp_path, fake_openai):
    valid = seed_and_export(db, tmp_path)
    fake_openai.queue(Reply.error(400, message="bad request"))
    fake_openai.default = Reply.content_of("Hold the reset button.")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "run", str(valid),
                                      "--model", "m", "--base-url", fake_openai.base_url,
                                      "--embedder", "hash", "--concurrency", "1"])
    assert result.exit_code == 1
    assert "2 items, 1 without an answer" in result.output
    errors = db.execute("SELECT error FROM eval_items WHERE error IS NOT NULL").fetchall()
    assert len(errors) == 1 and "HTTP 400" in errors[0][0]
