"""Read commands (`pairs`, `runs`, `jobs`) and the shared output and error conventions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.jobs import store as job_store
from reviewer.review import store
from reviewer.runs import finish_run, start_run


def run(db_path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


@pytest.fixture
def three_pairs(db):
    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
               " VALUES ('c1', 'dump.txt', 'line 4', 'txt', 'Customer: hi', '[]', 'now')")
    ids = store.add_pairs(db, [
        store.NewPair("c1", "Router support.", "How do I reset it?", "Hold reset. Then wait.",
                      origin="rules"),
        store.NewPair("c1", "Router support.", "펌웨어는 어디서 받나요?",
                      "다운로드 페이지에 있습니다.", position=1, origin="rules"),
        store.NewPair("c1", "Router support.", "Is it loud?", "No.", position=2,
                      status="approved", origin="rules"),
    ], who="seed")
    return ids


def test_pairs_list_filters_and_prints_json(db_path, three_pairs):
    result = run(db_path, "pairs", "list", "--status", "pending", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == three_pairs[:2]
    result = run(db_path, "pairs", "list", "--search", "펌웨어")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "status", "question", "answer", "version", "updated_by"]
    assert len(lines) == 2 and "펌웨어는 어디서 받나요?" in lines[1]


def test_pairs_show_names_the_source(db_path, three_pairs):
    result = run(db_path, "pairs", "show", str(three_pairs[0]))
    assert result.exit_code == 0, result.output
    assert "source: dump.txt line 4" in result.output
    assert "Hold reset. Then wait." in result.output
    data = json.loads(run(db_path, "pairs", "show", str(three_pairs[0]), "--json").output)
    assert data["question"] == "How do I reset it?" and data["source"] == "dump.txt line 4"


def test_pairs_history_shows_a_diff_of_each_edit(db, db_path, three_pairs):
    pid = three_pairs[0]
    assert store.update_pair(db, pid, {"answer": "Hold reset for ten seconds. Then wait."},
                             expected_version=1, who="kim") == store.OK
    assert store.update_pair(db, pid, {"status": "approved"}, expected_version=2,
                             who="kim") == store.OK
    result = run(db_path, "pairs", "history", str(pid))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "seed  create" in text and "kim  edit answer" in text
    assert "    - Hold reset." in text and "    + Hold reset for ten seconds." in text
    assert "    pending → approved" in text
    events = json.loads(run(db_path, "pairs", "history", str(pid), "--json").output)
    assert [e["action"] for e in events] == ["create", "edit", "status"]
    assert events[1]["diff"] == ["- Hold reset.", "+ Hold reset for ten seconds.",
                                 "  Then wait."]


def test_missing_pair_is_an_error_in_the_shared_style(db_path, three_pairs):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "pairs", "show", "999"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no pair 999"
    assert result.stdout == ""
    result = CliRunner().invoke(cli, ["--db", str(db_path), "pairs", "show", "999", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": {"message": "no pair 999", "exit_code": 2}}


def test_runs_lists_newest_first(db, db_path):
    first = start_run(db, "import", {"paths": ["a.txt"]})
    finish_run(db, first, {"imported": 3}, message="3 imported")
    second = start_run(db, "split", {"splitter": "rules"})
    rows = json.loads(run(db_path, "runs", "--json").output)
    assert [(r["id"], r["kind"], r["status"]) for r in rows] == [
        (second, "split", "running"), (first, "import", "done")]
    assert rows[1]["counts"] == {"imported": 3}
    text = run(db_path, "runs").output
    assert "3 imported" in text and '{"imported": 3}' in text


def test_jobs_list_and_show(db, db_path):
    job_id = job_store.create(db, "split", settings={"splitter": "rules"}, status="running")
    job_store.update(db, job_id, done=3, total=10)
    rows = json.loads(run(db_path, "jobs", "--json").output)
    assert [(r["id"], r["status"], r["progress"]) for r in rows] == [(job_id, "running", "3/10")]
    shown = run(db_path, "jobs", "show", str(job_id))
    assert shown.exit_code == 0 and "settings: {'splitter': 'rules'}" in shown.output
    assert run(db_path, "jobs", "show", "77").exit_code == 2
    assert run(db_path, "jobs", "--kind", "eval").output.strip() == "no jobs yet"


def test_unusable_database_is_an_io_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["--db", str(blocker / "sub.db"), "status"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot open database")
