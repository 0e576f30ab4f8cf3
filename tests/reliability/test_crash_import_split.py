"""Kill `reviewer import` and `reviewer split` (SIGKILL, real processes) at controlled points,
run the command again, and compare with a clean run.

The import is killed as soon as its run row exists, or once its first batch is committed
(a corpus many batches long leaves a wide window before it would finish). The splits are
killed once their first pairs are stored, or while the model is still answering, so the
dead split holds a fresh lease.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crash_checks import (
    assert_database_clean,
    count,
    kill_when,
    query,
    run_cli,
    start_cli,
    write_transcripts,
)

from reviewer.importing.store import BATCH_SIZE

IMPORTED = 15 * BATCH_SIZE
SPLIT = 800


@pytest.fixture(scope="module")
def clean_import(tmp_path_factory) -> tuple[Path, Path]:
    """The input folder and a database imported from it without a crash."""
    base = tmp_path_factory.mktemp("clean")
    folder = write_transcripts(base / "in", IMPORTED, per_file=1_000)
    db_path = base / "clean.db"
    assert run_cli(db_path, "import", str(folder)).returncode == 0
    return folder, db_path


@pytest.fixture(scope="module")
def clean_split(tmp_path_factory) -> tuple[Path, Path]:
    """A smaller input folder and a database imported and split from it without a crash."""
    base = tmp_path_factory.mktemp("clean-split")
    folder = write_transcripts(base / "in", SPLIT)
    db_path = base / "clean.db"
    assert run_cli(db_path, "import", str(folder)).returncode == 0
    assert run_cli(db_path, "split").returncode == 0
    return folder, db_path


def _conversations(db_path: Path) -> list[tuple]:
    return query(db_path, "SELECT id, source, locator FROM conversations ORDER BY id")


@pytest.mark.parametrize("where", ["run-started", "first-batch-committed"])
def test_import_killed_then_rerun_matches_a_clean_import(where, clean_import, tmp_path):
    folder, clean_db = clean_import
    db_path = tmp_path / "r.db"
    at_least = 0 if where == "run-started" else BATCH_SIZE
    kill_when(start_cli(db_path, "import", str(folder)),
               lambda: count(db_path, "runs") > 0 and count(db_path, "conversations") >= at_least)
    committed = count(db_path, "conversations")
    assert at_least <= committed < IMPORTED
    assert query(db_path, "SELECT status FROM runs") == [("running",)]

    rerun = run_cli(db_path, "import", str(folder))
    assert rerun.returncode == 0, rerun.stderr
    assert f"; {committed} duplicates skipped" in rerun.stdout
    assert_database_clean(db_path)
    assert _conversations(db_path) == _conversations(clean_db)
    assert query(db_path, "SELECT id, status FROM runs ORDER BY id") == [
        (1, "interrupted"), (2, "done")]


def _imported_copy(clean_split, tmp_path: Path) -> Path:
    folder, _ = clean_split
    db_path = tmp_path / "r.db"
    assert run_cli(db_path, "import", str(folder)).returncode == 0
    return db_path


def _pairs(db_path: Path) -> list[tuple]:
    return query(db_path, "SELECT conversation_id, position, system, question, answer, status"
                          " FROM pairs ORDER BY conversation_id, position")


def test_rules_split_killed_then_rerun_matches_a_clean_split(clean_split, tmp_path):
    _, clean_db = clean_split
    db_path = _imported_copy(clean_split, tmp_path)
    kill_when(start_cli(db_path, "split"), lambda: count(db_path, "pairs") > 0)
    done = count(db_path, "pairs")
    assert 0 < done < count(clean_db, "pairs")

    rerun = run_cli(db_path, "split")  # at once: the dead split's lease is fresh
    assert rerun.returncode == 0, rerun.stderr
    assert_database_clean(db_path)
    assert _pairs(db_path) == _pairs(clean_db)
    killed, again = query(db_path, "SELECT status, message FROM runs WHERE kind = 'split'"
                                   " ORDER BY id")
    assert killed[0] == "interrupted" and again[0] == "done"
    assert "its split lease is taken over" in again[1]


def test_llm_split_killed_while_the_model_answers(tmp_path, fake_openai):
    from fakes.openai_server import Reply

    db_path = tmp_path / "r.db"
    folder = write_transcripts(tmp_path / "small", 40)
    assert run_cli(db_path, "import", str(folder)).returncode == 0
    answered: list[int] = []

    def slow_after_ten(body: dict) -> Reply:
        answered.append(1)
        return Reply.correct() if len(answered) <= 10 else Reply.hang(60)

    fake_openai.chooser = slow_after_ten
    args = ("split", "--splitter", "llm", "--base-url", fake_openai.base_url, "--model", "m",
            "--concurrency", "2", "--timeout", "120")
    kill_when(start_cli(db_path, *args, REVIEWER_ALLOW_CUSTOM_ENDPOINT="1"),
               lambda: len(answered) > 10 and count(db_path, "pairs") > 0)
    fake_openai.chooser = lambda body: Reply.correct()
    rerun = run_cli(db_path, *args, REVIEWER_ALLOW_CUSTOM_ENDPOINT="1")
    assert rerun.returncode == 0, rerun.stderr
    assert_database_clean(db_path)
    assert query(db_path, "SELECT split_status, count(*) FROM conversations GROUP BY 1") == [
        ("split", 40)]
    killed, again = query(db_path, "SELECT status, message FROM runs WHERE kind = 'split'"
                                   " ORDER BY id")
    assert killed[0] == "interrupted" and again[0] == "done"
    assert "its split lease is taken over" in again[1]
