
import pytest

from reviewer.db import connect
from reviewer.review import PairFilter, store


def changes_of(db, pair_id: int) -> list[dict]:
    """A pair's history after its creation (seeding logs a ``create`` event)."""
    return [e for e in store.history(db, pair_id) if e["action"] != "create"]


def test_counts_have_every_status(db, seeded):
    assert store.status_counts(db) == {"pending": 0, "approved": 0, "rejected": 0, "deleted": 0}
    assert store.conversation_counts(db) == {"pending": 0, "split": 0, "failed": 0}
    seeded(12, per_conversation=4)
    db.execute("UPDATE pairs SET status = 'approved' WHERE id <= 3")
    assert store.status_counts(db) == {"pending": 9, "approved": 3, "rejected": 0, "deleted": 0}
    assert store.conversation_counts(db)["split"] == 3


def test_page_of_pairs_pages_in_id_order(db, seeded):
    ids = seeded(120)
    first = store.page(db, PairFilter.of(None, None), offset=0, limit=50)
    last = store.page(db, PairFilter.of("all", ""), offset=100, limit=50)
    assert [r["id"] for r in first] == ids[:50]
    assert [r["id"] for r in last] == ids[100:]
    assert set(first[0]) >= {"id", "conversation_id", "status", "system", "question", "answer",
                             "version"}
    assert store.count(db, PairFilter.of(None, None)) == 120


def test_status_filter_and_search(db, seeded):
    ids = seeded(30, text=lambda i: (
        "Router summary" if i % 2 else "모뎀 요약",
        f"How do I reset the ROUTER {i}?" if i % 3 == 0 else f"질문 {i} 펌웨어 업데이트",
        "50% off_ answer" if i == 7 else f"answer {i}"))
    db.execute("UPDATE pairs SET status = 'approved' WHERE id IN (?, ?)", [ids[0], ids[3]])
    # case-insensitive substring, any of the three fields (FTS path, >= 3 chars)
    assert store.count(db, PairFilter.of(None, "reset the router")) == 10
    assert store.count(db, PairFilter.of("approved", "router")) == 2
    # Korean substring: 3+ chars through the trigram index, 2 chars through LIKE
    assert store.count(db, PairFilter.of(None, "펌웨어 업")) == 20
    assert store.count(db, PairFilter.of(None, "모뎀")) == 15
    # LIKE wildcards in the search are literal
    assert [r["id"] for r in store.page(
        db, PairFilter.of(None, "% off_"), offset=0, limit=10)] == [ids[7]]
    assert store.count(db, PairFilter.of(None, "%")) == 1
    assert store.count(db, PairFilter.of(None, '"quoted"')) == 0


def test_search_index_follows_edits(db, seeded):
    ids = seeded(3)
    assert store.update_pair(db, ids[1], {"answer": "Replace the fuse"}, expected_version=1,
                             who="kim") == "ok"
    assert [r["id"] for r in store.page(
        db, PairFilter.of(None, "the fuse"), offset=0, limit=5)] == [ids[1]]
    assert store.count(db, PairFilter.of(None, "Answer number 1.")) == 0


def test_pair_position(db, seeded):
    ids = seeded(130)
    db.execute("UPDATE pairs SET status = 'approved' WHERE id % 2 = 0")
    assert store.position_of(db, ids[0], PairFilter.of(None, None), 50) == (0, 0)
    assert store.position_of(db, ids[125], PairFilter.of(None, None), 50) == (2, 25)
    even = [i for i in ids if i % 2 == 0]
    assert store.position_of(db, even[30], PairFilter.of("approved", None), 10) == (3, 0)
    odd = ids[0] if ids[0] % 2 else ids[1]
    assert store.position_of(db, odd, PairFilter.of("approved", None), 10) is None
    assert store.position_of(db, 10**9, PairFilter.of(None, None), 50) is None


def test_get_pair_and_conversation(db, seeded):
    ids = seeded(2)
    pair = store.get_pair(db, ids[0])
    assert pair["question"] == "Question number 0?"
    conv = store.get_conversation(db, pair["conversation_id"])
    assert conv["text"].startswith("Customer:")
    assert store.get_pair(db, 999) is None
    assert store.get_conversation(db, "nope") is None


def test_bulk_set_status_applies_to_filter_and_logs(db, seeded):
    ids = seeded(20, text=lambda i: ("s", f"q{i}", "printer jam" if i < 6 else "other"))
    db.execute("UPDATE pairs SET status = 'approved' WHERE id = ?", [ids[0]])
    n = store.bulk_set_status(db, PairFilter.of("pending", "printer"), "approved",
                              who="lee")
    assert n == 5
    assert store.status_counts(db)["approved"] == 6
    row = store.get_pair(db, ids[1])
    assert (row["version"], row["touched"], row["updated_by"]) == (2, 1, "lee")
    assert store.get_pair(db, ids[0])["version"] == 1  # already approved: untouched
    ev = changes_of(db, ids[1])
    assert [(e["action"], e["field"], e["old"], e["new"], e["who"]) for e in ev] == [
        ("status", "status", "pending", "approved", "lee")]
    assert store.get_pair(db, ids[10])["status"] == "pending"
    # everything, any status
    assert store.bulk_set_status(db, PairFilter.of("all", None), "rejected",
                                 who="lee") == 20
    with pytest.raises(ValueError):
        store.bulk_set_status(db, PairFilter.of(None, None), "gone", who="x")


def test_bulk_delete_is_soft_and_restorable(db, seeded):
    ids = seeded(8)
    assert store.bulk_set_status(db, PairFilter.of(None, None), "deleted",
                                 who="park") == 8
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 8
    assert store.count(db, PairFilter.of("deleted", None)) == 8
    assert store.bulk_set_status(db, PairFilter.of("deleted", None), "pending",
                                 who="park") == 8
    assert store.get_pair(db, ids[3])["status"] == "pending"
    assert len(changes_of(db, ids[3])) == 2


def test_paging_reads_one_page_through_the_index(db, seeded):
    # Speed itself is measured in bench/review_page_bench.py; here: right rows, right plan.
    seeded(20_000, per_conversation=10)
    for status in (None, "pending"):
        assert len(store.page(db, PairFilter.of(status, None), offset=19_950,
                                       limit=50)) == 50
        assert store.count(db, PairFilter.of(status, None)) == 20_000
    assert store.status_counts(db)["pending"] == 20_000
    hits = store.page(db, PairFilter.of(None, "Question number 19999"),
                               offset=0, limit=50)
    assert [r["question"] for r in hits] == ["Question number 19999?"]
    plan = " ".join(str(r) for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM pairs WHERE status = ? ORDER BY id LIMIT 50",
        ["pending"]).fetchall())
    assert "idx_pairs_status_id" in plan


def test_second_connection_sees_changes(db, db_path, seeded):
    ids = seeded(1)
    other = connect(db_path)
    try:
        assert store.update_pair(other, ids[0], {"status": "approved"}, expected_version=1,
                                 who="a") == "ok"
    finally:
        other.close()
    assert store.get_pair(db, ids[0])["status"] == "approved"


def test_status_counts_follow_every_kind_of_change(db, seeded):
    def by_group_by():
        counts = dict.fromkeys(("pending", "approved", "rejected", "deleted"), 0)
        for status, n in db.execute("SELECT status, count(*) FROM pairs GROUP BY status"):
            counts[status] = n
        return counts

    ids = seeded(40)
    store.update_pair(db, ids[0], {"status": "approved"}, expected_version=1, who="a")
    store.update_pair(db, ids[1], {"answer": "text only"}, expected_version=1, who="a")
    store.bulk_set_status(db, PairFilter.of("pending", "number 3"), "rejected",
                          who="a")
    db.execute("UPDATE pairs SET status = 'deleted' WHERE id IN (?, ?)", [ids[5], ids[0]])
    db.execute("DELETE FROM pairs WHERE id = ?", [ids[6]])
    # a rolled-back transaction must not skew the counts
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("UPDATE pairs SET status = 'approved'")
        raise RuntimeError("rolled back")
    assert store.status_counts(db) == by_group_by()
    assert sum(store.status_counts(db).values()) == 39


def test_approved_fingerprint_moves_with_the_approved_set(db, seeded):
    ids = seeded(4)
    before = store.approved_fingerprint(db)
    assert store.approved_fingerprint(db) == before
    assert store.update_pair(db, ids[0], {"status": "approved"}, expected_version=1,
                             who="kim") == store.OK
    approved = store.approved_fingerprint(db)
    assert approved != before
    assert store.update_pair(db, ids[0], {"answer": "edited"}, expected_version=2,
                             who="kim") == store.OK
    assert store.approved_fingerprint(db) != approved
