import sqlite3
import threading

from reviewer import audit
from reviewer import db as dbmod


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


def test_runs_and_events_roundtrip(db):
    run_id = audit.start_run(db, "import", {"paths": ["a.txt"]})
    with db.atomic():
        audit.record_event(db, who="kim", action="edit", pair_id=7, field="answer",
                           old="old", new="new", run_id=run_id)
    audit.finish_run(db, run_id, {"imported": 3})
    (run,) = audit.recent_runs(db)
    assert run["status"] == "done" and run["counts"] == {"imported": 3}
    (event,) = audit.events_for_pair(db, 7)
    assert (event["who"], event["old"], event["new"]) == ("kim", "old", "new")


def test_record_events_appends_many(db):
    with db.atomic():
        audit.record_events(db, [
            {"who": "lee", "action": "status", "pair_id": 1, "field": "status",
             "old": "pending", "new": "approved"},
            {"who": "lee", "action": "status", "pair_id": 2, "field": "status",
             "old": "pending", "new": "deleted"},
        ])
    assert [e["new"] for e in audit.events_for_pair(db, 2)] == ["deleted"]
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 2
