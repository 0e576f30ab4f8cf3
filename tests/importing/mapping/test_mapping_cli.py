"""`reviewer import --preset/--mapping` and `reviewer mappings list|show` through click."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from reviewer.cli import cli


def invoke(tmp_path, *args):
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "cli.db"), *args])


def count(tmp_path, table: str) -> int:
    conn = sqlite3.connect(tmp_path / "cli.db")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_preset_import_reports_pairs_and_rejections(tmp_path, samples):
    result = invoke(tmp_path, "import", "--preset", "doc-json", str(samples / "docs_sample.json"))
    assert result.exit_code == 1  # one record was rejected; the good ones are in
    assert "Imported 4 conversations from 1 file" in result.output
    assert "Mapping doc-json: 4 ready pairs created (pending review, not split)." in result.output
    assert "docs_sample.json index 4: missing field 'body'" in result.output
    assert (count(tmp_path, "conversations"), count(tmp_path, "pairs")) == (4, 4)


def test_clean_import_exits_zero_and_json_has_the_pairs(tmp_path, samples):
    args = ["import", "--json", "--preset", "aihub-dialect", str(samples / "dialect" / "jeju")]
    first = invoke(tmp_path, *args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert (data["mapping"], data["output"], data["pairs"], data["files"]) == (
        "aihub-dialect", "pairs", 4, 4)
    again = json.loads(invoke(tmp_path, *args).output)
    assert (again["imported"], again["pairs"], again["duplicates"]) == (0, 0, 4)


def test_mapping_file_import(tmp_path, samples):
    mapping = tmp_path / "tweets.toml"
    mapping.write_text('join = " "\n[turns]\npath = "dialog.turns"\ntext = "sentences"\n'
                       '[roles]\nby = "flag"\nfield = "is_agent"\n', encoding="utf-8")
    result = invoke(tmp_path, "import", "--mapping", str(mapping),
                    str(samples / "tweetsumm_sample.jsonl"))
    assert result.exit_code == 1
    assert "Mapping tweets: conversations wait for a split." in result.output
    assert "tweetsumm_sample.jsonl line 3: missing field 'dialog.turns'" in result.output
    assert count(tmp_path, "conversations") == 2 and count(tmp_path, "pairs") == 0


def test_usage_errors_exit_two(tmp_path, samples):
    sample = str(samples / "docs_sample.json")
    bad = tmp_path / "bad.toml"
    bad.write_text('output = "pairs"\n[pair]\nquestion = "{title"\nanswer = "{body}"\n',
                   encoding="utf-8")
    cases = [
        (["--preset", "nope"], "no preset named 'nope'"),
        (["--preset", "doc-json", "--mapping", str(bad)], "not both"),
        (["--mapping", str(bad)], "bad.toml: [pair] question: template"),
        (["--option", "staff=a"], "--option needs --mapping or --preset"),
        (["--preset", "doc-json", "--option", "novalue"], "expected KEY=VALUE"),
    ]
    for args, message in cases:
        result = invoke(tmp_path, "import", *args, sample)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_a_preset_whose_reader_is_missing_is_refused_clearly(tmp_path):
    listed = json.loads(invoke(tmp_path, "mappings", "list", "--json").output)
    missing = [row for row in listed if not row["available"]]
    for row in missing:
        (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
        result = invoke(tmp_path, "import", "--preset", row["name"], str(tmp_path / "x.csv"))
        assert result.exit_code == 2
        assert "is not part of this installation" in result.output
    assert {row["name"] for row in listed} >= {"reply-graph-csv", "irc-log"}


def test_mappings_list_and_show(tmp_path):
    listed = invoke(tmp_path, "mappings", "list")
    assert listed.exit_code == 0
    assert listed.output.split()[:4] == ["name", "makes", "files", "available"]
    assert "squad" in listed.output and "turns-is-agent" in listed.output
    shown = invoke(tmp_path, "mappings", "show", "squad")
    assert shown.exit_code == 0
    assert 'records = "data[].paragraphs[]"' in shown.output
    assert "wrong choices are left empty" in shown.output
    data = json.loads(invoke(tmp_path, "mappings", "show", "chat-jsonl", "--json").output)
    assert data["kind"] == "chat" and "[turns]" in data["mapping"]
    missing = invoke(tmp_path, "mappings", "show", "nope")
    assert missing.exit_code == 2 and "no preset named 'nope'" in missing.output
