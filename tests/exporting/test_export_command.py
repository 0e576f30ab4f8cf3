import json

from click.testing import CliRunner

from reviewer.cli import cli


def run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), "export", *map(str, args)])


def test_success_prints_summary_and_exits_0(db, db_path, seed, tmp_path):
    seed(db, 12)
    out = tmp_path / "o.jsonl"
    result = run(db_path, out, "--epochs", "3")
    assert result.exit_code == 0, result.output
    assert "Exported 12 example(s)" in result.output
    assert str(out) in result.output and "o.manifest.json" in result.output
    assert "Tokens:" in result.output and "estimated cost $" in result.output
    assert "Epochs: 3 (chosen)" in result.output
    assert "Findings: 0 error(s)" in result.output
    assert len(out.read_text("utf-8").splitlines()) == 12


def test_refusal_exits_1_and_lists_errors_with_pair_ids(db, db_path, seed, pairs_adder,
                                                        tmp_path):
    seed(db, 12)
    [bad] = pairs_adder(db, "conv-bad", [("Where is the manual?", "")])
    out = tmp_path / "o.jsonl"
    result = run(db_path, out)
    assert result.exit_code == 1, result.output
    assert "Export refused" in result.output
    assert f"pair {bad}" in result.output
    assert list(tmp_path.glob("o*")) == []


def test_fewer_than_ten_exits_1(db, db_path, seed, tmp_path):
    seed(db, 4)
    result = run(db_path, tmp_path / "few.jsonl", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False and payload["files"] == []
    assert any(f["severity"] == "error" for f in payload["findings"])
    assert not (tmp_path / "few.jsonl").exists()


def test_json_output(db, db_path, seed, tmp_path):
    seed(db, 14)
    result = run(db_path, tmp_path / "j.jsonl", "--json", "--validation-split", "3", "--seed",
                 "9")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["ok"] is True
    assert payload["files"] == [str(tmp_path / "j.train.jsonl"), str(tmp_path / "j.valid.jsonl")]
    assert payload["manifest"] == str(tmp_path / "j.manifest.json")
    assert payload["counts"]["valid_examples"] == 3
    assert set(payload["summary"]) >= {"examples", "errors", "warnings", "total_tokens",
                                       "billed_tokens", "epochs", "estimated_cost_usd"}


def test_holdout_is_an_alias_of_validation_split(db, db_path, seed, tmp_path):
    seed(db, 14)
    old = run(db_path, tmp_path / "old" / "h.jsonl", "--validation-split", "0.25", "--seed", "4")
    new = run(db_path, tmp_path / "new" / "h.jsonl", "--holdout", "0.25", "--seed", "4")
    assert old.exit_code == new.exit_code == 0, old.output + new.output
    assert "Holdout: 10 train / 4 validation example(s)" in new.output
    for name in ("h.train.jsonl", "h.valid.jsonl"):
        assert (tmp_path / "old" / name).read_bytes() == (tmp_path / "new" / name).read_bytes()
    assert run(db_path, tmp_path / "b.jsonl", "--holdout", "0").exit_code == 2


def test_multi_turn_flag(db, db_path, seed, tmp_path):
    seed(db, 10, pairs_per_conversation=2)
    result = run(db_path, tmp_path / "m.jsonl", "--multi-turn")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "m.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 10 and len(json.loads(lines[0])["messages"]) == 5


def test_usage_and_io_problems_exit_2(db, db_path, seed, tmp_path):
    seed(db, 12)
    assert run(db_path, tmp_path / "a.jsonl", "--validation-split", "1.5").exit_code == 2
    assert run(db_path, tmp_path / "a.jsonl", "--validation-split", "x").exit_code == 2
    unknown = run(db_path, tmp_path / "a.jsonl", "--target", "nope")
    assert unknown.exit_code == 2 and "unknown target" in unknown.output
    missing = run(db_path, tmp_path / "a.jsonl", "--few-shot", tmp_path / "none.jsonl")
    assert missing.exit_code == 2 and "few-shot" in missing.output
    (tmp_path / "blocked").write_text("a file where a directory should be")
    blocked = run(db_path, tmp_path / "blocked" / "a.jsonl")
    assert blocked.exit_code == 2 and "cannot write" in blocked.output
    assert not list(tmp_path.glob("a*"))


def test_bad_database_exits_2(tmp_path):
    (tmp_path / "dir.db").mkdir()
    result = run(tmp_path / "dir.db", tmp_path / "a.jsonl")
    assert result.exit_code == 2


def test_check_template_uses_the_managed_set(db, db_path, seed, pairs_adder, tmp_path):
    from test_export_service import _set_with_one_example

    seed(db, 12)
    [marker] = pairs_adder(db, "conv-m", [("Q) Is there a Linux driver?", "A) Yes, in the SDK.")])
    assert run(db_path, tmp_path / "free.jsonl").exit_code == 0  # no template check asked
    _set_with_one_example(db, tmp_path)
    result = run(db_path, tmp_path / "o.jsonl", "--check-template", "--json")
    assert result.exit_code == 1, result.output
    assert f"pair {marker}" in result.output or str(marker) in result.output
    assert "template_marker" in result.output
