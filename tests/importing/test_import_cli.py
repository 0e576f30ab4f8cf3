"""`reviewer import` through click's runner, against a real database file."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from reviewer.cli import cli

CONV = "Customer: How do I reset the HN5500?\nEngineer: Pull RSTn low for 500 us.\n"


def test_clean_import_exits_zero(tmp_path):
    (tmp_path / "a.txt").write_text(CONV)
    db_file = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(tmp_path / "a.txt")])
    assert result.exit_code == 0, result.output
    assert "Imported 1 conversation from 1 file" in result.output
    assert sqlite3.connect(db_file).execute("SELECT count(*) FROM conversations").fetchone() == (1,)


def test_rejections_exit_one_and_are_listed(tmp_path):
    (tmp_path / "a.txt").write_text(CONV + "---\nno labels\n")
    db_file = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "a.txt line 4: no speaker-labelled lines" in result.output
    assert sqlite3.connect(db_file).execute("SELECT count(*) FROM conversations").fetchone() == (1,)


def test_json_report(tmp_path):
    (tmp_path / "a.txt").write_text(CONV)
    db_file = tmp_path / "cli.db"
    args = ["--db", str(db_file), "import", "--json", str(tmp_path / "a.txt")]
    CliRunner().invoke(cli, args)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["imported"], data["duplicates"], data["rejections"]) == (0, 1, [])


def test_no_paths_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "import"])
    assert result.exit_code == 2
