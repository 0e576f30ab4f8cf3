"""The README's seed recipes end to end on the sample files: import with a preset, review
through the pairs store, export through the CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.review import store
from reviewer.review.filters import PairFilter


def reviewer(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def approve_all(db_path) -> int:
    with opened(db_path) as db:
        return store.bulk_set_status(db, PairFilter(statuses=("pending",)), "approved",
                                     who="reviewer")


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_seed_000_korquad_quiz_with_a_holdout(tmp_path, samples):
    db = tmp_path / "quiz.db"
    assert reviewer(db, "import", "--preset", "squad",
                    str(samples / "korquad_sample.json")).exit_code == 1  # one bad question
    assert approve_all(db) == 18
    out = tmp_path / "quiz.jsonl"
    result = reviewer(db, "export", str(out), "--holdout", "3")  # 500/100, scaled down
    assert result.exit_code == 0, result.output
    train, valid = lines(tmp_path / "quiz.train.jsonl"), lines(tmp_path / "quiz.valid.jsonl")
    assert (len(train), len(valid)) == (15, 3)
    example = train[0]["messages"]
    assert [m["role"] for m in example] == ["system", "user", "assistant"]
    assert example[0]["content"] == "You are the best quiz generator."
    assert example[1]["content"].endswith("<sep>generate question with context")
    assert example[2]["content"].startswith("question : ")
    # a paragraph's questions stay on one side
    contexts = {m["messages"][1]["content"] for m in valid}
    assert len(contexts) == 1 and not contexts & {m["messages"][1]["content"] for m in train}


def test_seed_001_docs_tiny_set_is_refused_by_the_gate(tmp_path, samples):
    db = tmp_path / "docs.db"
    reviewer(db, "import", "--preset", "doc-json", str(samples / "docs_sample.json"))
    assert approve_all(db) == 4
    result = reviewer(db, "export", str(tmp_path / "docs.jsonl"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["message"]) for f in errors] == [
        ("too_few_examples", "4 example(s); openai needs at least 10")]
    assert not (tmp_path / "docs.jsonl").exists()


def test_seed_002_dialect_folders_to_an_export(tmp_path, samples):
    db = tmp_path / "dialect.db"
    result = reviewer(db, "import", "--preset", "aihub-dialect", "--json",
                      str(samples / "dialect"))
    report = json.loads(result.output)
    assert (report["files"], report["pairs"], report["rejected"]) == (14, 12, 2)
    assert approve_all(db) == 12
    out = tmp_path / "dialect.jsonl"
    assert reviewer(db, "export", str(out)).exit_code == 0
    exported = {(m["messages"][1]["content"], m["messages"][2]["content"]) for m in lines(out)}
    assert ("삼춘도 초신 멘드라 봐쑤꽈", "할아버지도 짚신 만들어 봤습니까") in exported
    assert len(exported) == 12


def test_seed_004_prompt_completion_reviewed_and_exported_back(tmp_path, samples):
    db = tmp_path / "legacy.db"
    reviewer(db, "import", "--preset", "prompt-completion",
             str(samples / "prompt_completion.jsonl"))
    with opened(db) as conn:
        rows = store.page(conn, PairFilter(statuses=("pending",)), offset=0, limit=20)
        first, second = rows[0], rows[1]
        assert store.update_pair(conn, first["id"], {"answer": "Hold RSTn low for 500 us."},
                                 expected_version=first["version"], who="reviewer") == "ok"
        assert store.update_pair(conn, second["id"], {"status": "rejected"},
                                 expected_version=second["version"], who="reviewer") == "ok"
    assert approve_all(db) == 11
    out = tmp_path / "legacy.jsonl"
    result = reviewer(db, "export", str(out), "--target", "prompt-completion")
    assert result.exit_code == 0, result.output
    exported = lines(out)
    assert len(exported) == 11
    assert {"prompt": "How do I reset the HN5500?\n\n###\n\n",
            "completion": " Hold RSTn low for 500 us. END"} in exported
    assert not any(e["prompt"].startswith("Which port does HTTPS") for e in exported)
