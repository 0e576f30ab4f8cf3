"""Review actions through the store: source-order queue, undo, versions, trash, and
conversation edits (add, merge, split, move). Every change is version-checked and logged."""

from __future__ import annotations

import json

import pytest

from reviewer.db import now_iso
from reviewer.review import PairFilter, store
from reviewer.splitting import make_splitter, split_pending


def add_conversation(db, cid: str, turns: list[tuple[str, str]]) -> None:
    db.execute(
        "INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
        " VALUES (?, 'dump.txt', ?, 'txt', ?, ?, ?)",
        [cid, f"line {len(cid)}", "\n".join(f"{r}: {t}" for r, t in turns),
         json.dumps([{"role": r, "speaker": r.capitalize(), "text": t} for r, t in turns]),
         now_iso()])


@pytest.fixture
def two_conversations(db):
    # Imported in this order: "zz" first (its hash would sort last), then "aa".
    add_conversation(db, "zz", [("customer", "Q1?"), ("engineer", "A1."),
                                ("customer", "Q2?"), ("engineer", "A2.")])
    add_conversation(db, "aa", [("customer", "Q3?"), ("engineer", "A3.")])
    # Pairs created in a scrambled order: the queue must follow the source, not the ids.
    ids = {}
    for cid, pos, q in (("aa", 0, "Q3?"), ("zz", 1, "Q2?"), ("zz", 0, "Q1?")):
        (ids[q],) = store.add_pairs(db, [store.NewPair(
            cid, "Support.", q, q.replace("Q", "A").replace("?", "."), position=pos,
            origin="rules", question_turns=(2 * pos,), answer_turns=(2 * pos + 1,))],
            who="splitter:rules")
    return ids


def test_queue_runs_in_source_order(db, two_conversations):
    ids = two_conversations
    where = PairFilter.of("pending")
    first = store.queue_first(db, where)
    assert first == ids["Q1?"]
    assert store.queue_step(db, where, first) == ids["Q2?"]
    assert store.queue_step(db, where, ids["Q2?"]) == ids["Q3?"]
    assert store.queue_step(db, where, ids["Q3?"]) is None
    assert store.queue_step(db, where, ids["Q3?"], -1) == ids["Q2?"]
    assert store.queue_step(db, where, first, 2) == ids["Q3?"]
    assert store.queue_index(db, where, ids["Q3?"]) == 2
    # Approving the current pair takes it out of the pending queue; "next" still works.
    assert store.update_pair(db, first, {"status": "approved"}, expected_version=1,
                             who="kim") == store.OK
    assert store.queue_first(db, where) == ids["Q2?"]
    assert store.queue_step(db, where, first) == ids["Q2?"]
    assert store.progress(db, PairFilter.of("pending")) == store.Progress(1, 3)
    assert store.progress(db, PairFilter.of(None, "Q2")) == store.Progress(0, 1)
    decided, since = store.pace(db, "kim", "2000-01-01")
    assert decided == 1 and since is not None


def test_undo_walks_back_one_action_at_a_time(db, two_conversations):
    pid = two_conversations["Q1?"]
    assert store.update_pair(db, pid, {"answer": "Better answer."}, expected_version=1,
                             who="kim") == store.OK
    assert store.update_pair(db, pid, {"status": "approved"}, expected_version=2,
                             who="kim") == store.OK
    first = store.undo_last(db, "kim")
    assert (first.action, first.reverted, first.conflicts) == ("status", [pid], [])
    row = store.get_pair(db, pid)
    assert (row["status"], row["answer"], row["version"]) == ("pending", "Better answer.", 4)
    second = store.undo_last(db, "kim")
    assert second.action == "edit"
    assert store.get_pair(db, pid)["answer"] == "A1."
    assert store.undo_last(db, "kim").nothing  # seeding was someone else's action
    actions = [e["action"] for e in store.history(db, pid)]
    assert actions == ["create", "edit", "status", "undo", "undo"]


def test_undo_refuses_a_pair_someone_else_changed_since(db, two_conversations):
    pid = two_conversations["Q1?"]
    store.update_pair(db, pid, {"status": "approved"}, expected_version=1, who="kim")
    store.update_pair(db, pid, {"answer": "Lee's fix."}, expected_version=2, who="lee")
    result = store.undo_last(db, "kim")
    assert result.conflicts == [pid] and result.reverted == []
    assert store.get_pair(db, pid)["status"] == "approved"


def test_undo_of_a_bulk_action_reverts_each_pair(db, two_conversations):
    ids = two_conversations
    assert store.bulk_set_status(db, PairFilter.of("pending"), "approved", who="kim") == 3
    assert store.undo_last(db, "kim").reverted == sorted(ids.values())
    assert store.status_counts(db)["pending"] == 3


def test_versions_and_restore(db, two_conversations):
    pid = two_conversations["Q2?"]
    store.update_pair(db, pid, {"answer": "v2"}, expected_version=1, who="kim")
    store.update_pair(db, pid, {"answer": "v3", "status": "approved"}, expected_version=2,
                      who="lee")
    history = store.versions(db, pid)
    assert [(v.version, v.values["answer"], v.values["status"]) for v in history] == [
        (3, "v3", "approved"), (2, "v2", "pending"), (1, "A2.", "pending")]
    assert store.restore_version(db, pid, 1, expected_version=3, who="kim") == store.OK
    row = store.get_pair(db, pid)
    assert (row["answer"], row["status"], row["version"]) == ("A2.", "pending", 4)
    assert store.history(db, pid)[-1]["action"] == "restore"
    assert store.restore_version(db, pid, 2, expected_version=3, who="kim") == store.CONFLICT


def test_trash_lists_reviewer_deletions_and_restores_them(db, two_conversations):
    ids = two_conversations
    store.update_pair(db, ids["Q1?"], {"status": "approved"}, expected_version=1, who="kim")
    store.update_pair(db, ids["Q1?"], {"status": "deleted"}, expected_version=2, who="kim")
    store.update_pair(db, ids["Q3?"], {"status": "deleted"}, expected_version=1, who="lee")
    listed = store.trash(db)
    assert [(r["id"], r["deleted_by"], r["status_before"]) for r in listed] == [
        (ids["Q3?"], "lee", "pending"), (ids["Q1?"], "kim", "approved")]
    assert store.restore_deleted(db, ids["Q1?"], expected_version=3, who="kim") == store.OK
    assert store.get_pair(db, ids["Q1?"])["status"] == "approved"  # what it was before
    assert store.restore_all_deleted(db, who="kim") == 1
    assert store.trash(db) == []


def test_superseded_pairs_are_not_in_the_trash(db, db_path):
    add_conversation(db, "c1", [("customer", "Why?"), ("engineer", "Because.")])
    split_pending(db_path, make_splitter("rules"))
    split_pending(db_path, make_splitter("rules"), redo=True)
    assert store.status_counts(db)["deleted"] == 1
    assert store.trash(db) == []


def test_merge_split_move_and_add(db, two_conversations):
    ids = two_conversations
    q1, q2 = ids["Q1?"], ids["Q2?"]
    assert store.merge_pairs(db, q1, q2, versions={q1: 1, q2: 1}, who="kim") == store.OK
    merged = store.get_pair(db, q1)
    assert (merged["question"], merged["answer"]) == ("Q1?\nQ2?", "A1.\nA2.")
    assert store.turns_of(merged["question_turns"]) == (0, 2)
    assert store.get_pair(db, q2)["status"] == "deleted"
    assert store.merge_pairs(db, q1, q2, versions={q1: 1, q2: 1}, who="kim") == store.CONFLICT
    with pytest.raises(ValueError):
        store.merge_pairs(db, q1, ids["Q3?"], versions={q1: 2, ids["Q3?"]: 1}, who="kim")

    result, new_id = store.split_pair(db, q1, expected_version=2, first=("Q1?", "A1."),
                                      second=("Q2?", "A2."), who="kim")
    assert result == store.OK and new_id is not None
    order = [p["id"] for p in store.pairs_of_conversation(db, "zz") if p["status"] != "deleted"]
    assert order == [q1, new_id]
    assert store.move_pair(db, new_id, -1, who="kim")
    order = [p["id"] for p in store.pairs_of_conversation(db, "zz") if p["status"] != "deleted"]
    assert order == [new_id, q1]
    assert not store.move_pair(db, new_id, -5, who="kim")
    assert store.undo_last(db, "kim").action == "move"
    order = [p["id"] for p in store.pairs_of_conversation(db, "zz") if p["status"] != "deleted"]
    assert order == [q1, new_id]

    added = store.add_manual_pair(db, "aa", "Missed question?", "Missed answer.", who="kim")
    row = store.get_pair(db, added)
    assert (row["origin"], row["touched"], row["system"]) == ("manual", 1, "Support.")
    assert store.undo_last(db, "kim").action == "create"
    assert store.get_pair(db, added)["status"] == "deleted"


def test_a_resplit_never_brings_back_what_a_reviewer_merged_split_or_deleted(db, db_path):
    add_conversation(db, "c1", [("customer", "How do I reset it?"), ("engineer", "Hold it."),
                                ("customer", "And the LED?"), ("engineer", "It blinks."),
                                ("customer", "Is it loud?"), ("engineer", "No.")])
    split_pending(db_path, make_splitter("rules"))
    a, b, c = (p["id"] for p in store.pairs_of_conversation(db, "c1"))
    assert store.merge_pairs(db, a, b, versions={a: 1, b: 1}, who="kim") == store.OK
    store.update_pair(db, a, {"question": "How do I reset it, and what does the LED do?"},
                      expected_version=2, who="kim")
    store.update_pair(db, c, {"status": "deleted"}, expected_version=1, who="kim")
    report = split_pending(db_path, make_splitter("rules"), redo=True)
    assert report.pairs_created == 0
    live = [p for p in store.pairs_of_conversation(db, "c1") if p["status"] != "deleted"]
    assert [p["id"] for p in live] == [a]


def flag_codes(db, pair_id: int) -> list[str]:
    raw = store.get_pair(db, pair_id)["flags"]
    return [f["code"] for f in json.loads(raw)] if raw else []


def test_flags_are_computed_at_split_time_and_refreshed_on_edit(db, db_path):
    add_conversation(db, "c1", [
        ("customer", "My X200 router drops Wi-Fi every evening after an hour."),
        ("engineer", "Please update the X200 firmware to version 2.1 and reboot it."),
        ("customer", "Thanks a lot!"), ("engineer", "You're welcome, have a nice day!")])
    split_pending(db_path, make_splitter("rules"))
    tech, thanks = (p["id"] for p in store.pairs_of_conversation(db, "c1"))
    assert flag_codes(db, tech) == []
    assert "greeting" in flag_codes(db, thanks)
    assert store.turns_of(store.get_pair(db, tech)["answer_turns"]) == (1,)
    # An invented answer is flagged as soon as it is saved, and the flag says why.
    invented = "Replace the power supply with the PSU-9000 model from our 2019 catalogue."
    assert store.update_pair(db, tech, {"answer": invented}, expected_version=1,
                             who="kim") == store.OK
    flags = json.loads(store.get_pair(db, tech)["flags"])
    assert flags[0]["code"] == "unsupported_answer" and flags[0]["detail"]
    assert store.count(db, PairFilter().narrowed(flag="unsupported_answer")) == 1
    # Putting the real answer back clears it.
    store.update_pair(db, tech, {"answer": "Update the X200 firmware to 2.1 and reboot it."},
                      expected_version=2, who="kim")
    assert flag_codes(db, tech) == []
