"""The CLI as a whole: every command is documented, demo builds a usable database."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.commands import serve
from reviewer.commands.demo import build_demo
from reviewer.db import opened
from reviewer.paths import PROJECT_DIR
from reviewer.review import store

COMMANDS = sorted(cli.commands)


def test_expected_commands_exist():
    assert set(COMMANDS) == {"demo", "eval", "export", "fewshot", "import", "jobs", "llm-calls",
                             "mappings", "pairs", "prompts", "train", "providers", "runs", "serve",
                             "split", "status", "validate"}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert cli.commands[name].help, f"{name} has no help text"
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"reviewer (--db \S+ )?{name}\b", readme), f"README never shows {name}"


def test_readme_quick_start_has_exactly_two_commands():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert "reviewer demo" in blocks[0]
    assert "chromium" in blocks[1] and "pytest" in blocks[1]
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci, ".ci/run must run the README's test command"


def test_demo_builds_fresh_database_offline(tmp_path):
    db_path = tmp_path / "demo.db"
    lines = build_demo(db_path)
    assert any("Imported 26 conversations" in line for line in lines)
    with opened(db_path) as db:
        counts = store.status_counts(db)
        assert counts["pending"] >= 26
        failed = db.execute(
            "SELECT count(*) FROM conversations WHERE split_status = 'failed'").fetchone()[0]
        assert failed == 0
    # Rebuilding starts from scratch rather than piling up duplicates.
    build_demo(db_path)
    with opened(db_path) as db:
        assert store.status_counts(db)["pending"] == counts["pending"]


def test_demo_refuses_to_replace_an_explicit_database(tmp_path):
    target = tmp_path / "work.db"
    target.write_bytes(b"")
    result = CliRunner().invoke(cli, ["--db", str(target), "demo", "--no-serve"])
    assert result.exit_code != 0 and "--force" in result.output
    result = CliRunner().invoke(cli, ["--db", str(target), "demo", "--no-serve", "--force"])
    assert result.exit_code == 0, result.output


def test_status_json_after_demo(tmp_path):
    db_path = tmp_path / "demo.db"
    build_demo(db_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "status", "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.output)
    # Every sample conversation is split and its pairs wait for review.
    assert payload["conversations"] == {"pending": 0, "split": 26, "failed": 0}
    with opened(db_path) as db:
        n_pairs = db.execute("SELECT count(*) FROM pairs").fetchone()[0]
    assert n_pairs >= 26
    assert payload["pairs"] == {"pending": n_pairs, "approved": 0, "rejected": 0, "deleted": 0}


def test_serve_command_line_binds_loopback_by_default():
    cmd = serve.streamlit_command(8599, "127.0.0.1")
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert "--server.address=127.0.0.1" in cmd and "--server.port=8599" in cmd
