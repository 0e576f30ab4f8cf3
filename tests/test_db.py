import sqlite3
import threading

from reviewer import db as dbmod
from reviewer import runs
from reviewer.review import store


def test_resolve_db_path_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWER_DB", str(tmp_path / "env.db"))
    assert dbmod.resolve_db_path("x.db").name == "x.db"
    assert dbmod.resolve_db_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("REVIEWER_DB")
    assert dbmod.resolve_db_path(None) == dbmod.DEFAULT_DB_PATH


def test_connect_creates_schema_in_wal(db, db_path):
    assert {"conversations", "pairs", "events", "runs"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Re-opening applies no migration twice.
    again = dbmod.connect(db_path)
    applied = again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert applied == len(dbmod.migrations._migrations)
    again.close()


def test_connection_usable_from_another_thread(db):
    errors: list[BaseException] = []

    def work():
        try:
            db.execute("SELECT count(*) FROM pairs").fetchone()
        except sqlite3.ProgrammingError as exc:  # pragma: no cover - the failure we guard against
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert errors == []


def test_runs_roundtrip(db):
    run_id = runs.start_run(db, "import", {"paths": ["a.txt"]})
    runs.finish_run(db, run_id, {"imported": 3})
    (run,) = runs.recent_runs(db)
    assert run["status"] == "done" and run["counts"] == {"imported": 3}
    assert run["settings"] == {"paths": ["a.txt"]}


def test_events_roundtrip(db):
    with db.atomic():
        store.record_event(db, who="kim", action="edit", pair_id=7, field="answer",
                           old="old", new="new", run_id=1)
    (event,) = store.history(db, 7)
    assert (event["who"], event["old"], event["new"], event["run_id"]) == ("kim", "old", "new", 1)
