import threading

import pytest

from reviewer.db import connect
from reviewer.review import store
from reviewer.review import table_edits as review
from reviewer.review.table_edits import Change, apply_changes, describe, edits_to_changes


def changes_of(db, pair_id: int) -> list[dict]:
    """A pair's history after its creation (seeding logs a ``create`` event)."""
    return [e for e in store.history(db, pair_id) if e["action"] != "create"]


def test_edits_to_changes_maps_positions_to_ids():
    state = {
        "edited_rows": {
            2: {"answer": "new answer", "id": 999, "version": 7},
            "0": {"status": "approved"},
            5: {"answer": "out of range"},
            1: {"status": "bogus"},
            3: {"question": None, "system": float("nan")},
        },
        "added_rows": [{"answer": "ignored"}],
        "deleted_rows": [1],
    }
    changes = edits_to_changes([10, 11, 12, 13], [1, 4, 2, 9], state)
    assert changes == [
        Change(10, 1, {"status": "approved"}),
        Change(12, 2, {"answer": "new answer"}),
        Change(13, 9, {"question": "", "system": ""}),
    ]


@pytest.mark.parametrize("state", [None, {}, {"edited_rows": {}}, {"edited_rows": {0: {}}}])
def test_edits_to_changes_empty(state):
    assert edits_to_changes([1], [1], state) == []


def test_update_pair_applies_bumps_and_logs(db, seeded):
    ids = seeded(2)
    result = store.update_pair(db, ids[0], {"answer": "새 답변", "status": "approved",
                                            "question": "Question number 0?"},
                               expected_version=1, who="김민수")
    assert result == "ok"
    row = store.get_pair(db, ids[0])
    assert (row["answer"], row["status"], row["version"], row["touched"], row["updated_by"]) == (
        "새 답변", "approved", 2, 1, "김민수")
    assert row["updated_at"]
    events = changes_of(db, ids[0])
    assert sorted((e["action"], e["field"], e["old"], e["new"]) for e in events) == [
        ("edit", "answer", "Answer number 0.", "새 답변"),
        ("status", "status", "pending", "approved"),
    ]
    assert store.get_pair(db, ids[1])["version"] == 1


def test_stale_version_is_a_conflict_and_applies_nothing(db, seeded):
    ids = seeded(1)
    assert store.update_pair(db, ids[0], {"answer": "first"}, expected_version=1,
                             who="a") == "ok"
    assert store.update_pair(db, ids[0], {"answer": "second", "status": "rejected"},
                             expected_version=1, who="b") == "conflict"
    row = store.get_pair(db, ids[0])
    assert (row["answer"], row["status"], row["version"]) == ("first", "pending", 2)
    assert len(changes_of(db, ids[0])) == 1


def test_unchanged_missing_and_invalid(db, seeded):
    ids = seeded(1)
    assert store.update_pair(db, ids[0], {"status": "pending"}, expected_version=1,
                             who="a") == "unchanged"
    assert store.get_pair(db, ids[0])["version"] == 1
    assert changes_of(db, ids[0]) == []
    assert store.update_pair(db, 4242, {"status": "approved"}, expected_version=1,
                             who="a") == "missing"
    with pytest.raises(ValueError):
        store.update_pair(db, ids[0], {"status": "gone"}, expected_version=1, who="a")
    with pytest.raises(ValueError):
        store.update_pair(db, ids[0], {"conversation_id": "x"}, expected_version=1, who="a")
    with pytest.raises(ValueError):
        store.update_pair(db, ids[0], {"answer": 12}, expected_version=1, who="a")


def test_soft_delete_and_restore(db, seeded):
    ids = seeded(1)
    assert store.update_pair(db, ids[0], {"status": "deleted"}, expected_version=1,
                             who="a") == "ok"
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 1
    assert store.update_pair(db, ids[0], {"status": "approved"}, expected_version=2,
                             who="a") == "ok"
    assert store.get_pair(db, ids[0])["status"] == "approved"


def test_apply_changes_reports_each_outcome(db, seeded):
    ids = seeded(3)
    outcomes = apply_changes(db, [
        Change(ids[0], 1, {"status": "approved"}),
        Change(ids[1], 5, {"status": "approved"}),
        Change(ids[2], 1, {"status": "nope"}),
    ], who="lee")
    assert [o.result for o in outcomes] == ["ok", "conflict", "invalid"]
    assert "not applied" in describe(outcomes[1])
    assert store.status_counts(db)["approved"] == 1


def test_concurrent_writers_one_wins(db_path, seeded):
    ids = seeded(1)
    results: list[str] = []
    barrier = threading.Barrier(6)

    def work(n: int) -> None:
        conn = connect(db_path)
        try:
            barrier.wait()
            results.append(store.update_pair(conn, ids[0], {"answer": f"writer {n}"},
                                             expected_version=1, who=f"w{n}"))
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    check = connect(db_path)
    assert check.execute("SELECT version FROM pairs").fetchone()[0] == 2
    check.close()


def test_form_change_keeps_known_fields_and_valid_status():
    change = review.form_change(7, 3, {"status": "approved", "answer": None,
                                       "question": "긴 질문\n두 줄", "origin": "x"})
    assert (change.pair_id, change.expected_version) == (7, 3)
    assert change.fields == {"status": "approved", "answer": "", "question": "긴 질문\n두 줄"}
    assert review.form_change(7, 3, {"status": "bogus"}).fields == {}
