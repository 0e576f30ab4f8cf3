"""Review focus view: one pair beside its source, actions with keys, source-order queue,
undo, drafts that survive switching and stale saves, history and restore, deep links."""

from __future__ import annotations

import json

from ui_helpers import open_page

from reviewer.db import now_iso
from reviewer.review import drafts, store


def add_conversation(db, cid: str, source: str, turns: list[tuple[str, str, str]]) -> None:
    db.execute(
        "INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
        " VALUES (?, ?, 'line 1', 'txt', ?, ?, ?)",
        [cid, source, "\n".join(f"{s}: {t}" for _, s, t in turns),
         json.dumps([{"role": r, "speaker": s, "text": t, "timestamp": "10:0" + str(i)}
                     for i, (r, s, t) in enumerate(turns)], ensure_ascii=False), now_iso()])


def seed_queue(db) -> list[int]:
    add_conversation(db, "c-b", "b.txt", [
        ("customer", "Customer", "Hello there"), ("engineer", "Engineer", "Hi, how can I help?"),
        ("customer", "Customer", "My X200 drops Wi-Fi."),
        ("engineer", "Engineer", "Update the X200 firmware to 2.1.")])
    add_conversation(db, "c-a", "a.txt", [
        ("customer", "고객", "프린터 용지가 걸려요."),
        ("engineer", "상담원", "뒷면 덮개를 열어 주세요.")])
    ids = []
    rows = (("c-b", "My X200 drops Wi-Fi.", "Update the X200 firmware to 2.1.", (2,), (3,)),
            ("c-a", "프린터 용지가 걸려요.", "뒷면 덮개를 열어 주세요.", (0,), (1,)))
    for cid, q, a, qt, at in rows:
        ids += store.add_pairs(db, [store.NewPair(cid, "Support.", q, a, origin="rules",
                                                  question_turns=qt, answer_turns=at)],
                               who="splitter:rules")
    return ids


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def test_focus_shows_one_pair_in_full_beside_its_marked_source(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    assert not at.exception
    assert at.session_state["rv_current"] == ids[0]  # b.txt was imported first
    assert "Update the X200 firmware to 2.1." in texts(at)
    captions = [c.value for c in at.caption]
    assert "[10:02] Customer  ◀ question" in captions
    assert "[10:03] Engineer  ◀ answer" in captions
    assert "[10:00] Customer" in captions  # unmarked turns keep their labels and times
    assert captions[0].startswith("Pair 1 of 2 in this queue · 0 of 2 reviewed")
    labels = {b.label for b in at.button}
    assert {"Approve", "Reject", "Delete", "Edit", "Skip", "Previous", "Next", "Undo",
            "History"} <= labels
    assert any(c.value.startswith("Keys: A approve · X reject") for c in at.caption)


def test_approve_moves_to_the_next_pair_and_undo_brings_it_back(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_approve").click().run()
    assert store.get_pair(db, ids[0])["status"] == "approved"
    assert at.session_state["rv_current"] == ids[1]
    assert "뒷면 덮개를 열어 주세요." in texts(at)
    at.button(key="rv_undo").click().run()
    assert store.get_pair(db, ids[0])["status"] == "pending"
    assert at.session_state["rv_current"] == ids[0]
    assert store.history(db, ids[0])[-1]["action"] == "undo"


def test_reject_delete_skip_previous(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_skip").click().run()
    assert at.session_state["rv_current"] == ids[1]
    at.button(key="rv_previous").click().run()
    assert at.session_state["rv_current"] == ids[0]
    at.button(key="rv_reject").click().run()
    at.button(key="rv_delete").click().run()
    assert [store.get_pair(db, i)["status"] for i in ids] == ["rejected", "deleted"]
    assert not at.exception
    assert any("Nothing left in this queue" in s.value for s in at.success)


def test_edit_save_and_approve_in_one_step(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_edit").click().run()
    box = at.text_area(key=f"rv_draft_{ids[0]}_answer")
    assert box.value == "Update the X200 firmware to 2.1."
    box.input("Update the X200 firmware to 2.1.3 and turn off band steering.")
    at.button(key="rv_save_next").click().run()
    row = store.get_pair(db, ids[0])
    assert (row["answer"], row["status"], row["updated_by"]) == (
        "Update the X200 firmware to 2.1.3 and turn off band steering.", "approved", "tester")
    assert at.session_state["rv_current"] == ids[1]
    assert drafts.get(db, "tester", ids[0]) is None


def test_a_draft_survives_switching_pairs_and_a_new_session(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_edit").click().run()
    at.text_area(key=f"rv_draft_{ids[0]}_answer").input("half-typed answer").run()
    at.button(key="rv_next").click().run()
    assert at.session_state["rv_current"] == ids[1]
    assert drafts.get(db, "tester", ids[0]).values["answer"] == "half-typed answer"
    # A fresh session (reload) comes back to the pair and finds the draft.
    again = open_page("review.py")
    assert "You have an unsaved draft of this pair." in [i.value for i in again.info]
    again.button(key="rv_edit").click().run()
    assert again.text_area(key=f"rv_draft_{ids[0]}_answer").value == "half-typed answer"


def test_a_stale_save_keeps_the_typed_text_and_shows_the_other_change(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_edit").click().run()
    at.text_area(key=f"rv_draft_{ids[0]}_answer").input("my fix")
    # someone else saves first
    assert store.update_pair(db, ids[0], {"answer": "their fix. Same X200."},
                             expected_version=1, who="lee") == store.OK
    at.button(key="rv_save_next").click().run()
    assert not at.exception
    assert store.get_pair(db, ids[0])["answer"] == "their fix. Same X200."
    assert any("Your text is kept" in w.value for w in at.warning)
    assert "lee changed answer at" in " ".join(texts(at))
    assert any("+ their fix." in c.value for c in at.code)
    assert at.text_area(key=f"rv_draft_{ids[0]}_answer").value == "my fix"
    at.button(key="rv_rebase").click().run()
    at.button(key="rv_save_next").click().run()
    row = store.get_pair(db, ids[0])
    assert (row["answer"], row["status"]) == ("my fix", "approved")


def test_history_lists_versions_and_restores_one(db):
    ids = seed_queue(db)
    store.update_pair(db, ids[0], {"answer": "second"}, expected_version=1, who="lee")
    at = open_page("review.py")
    at.button(key="rv_history").click().run()
    labels = [e.label for e in at.expander]
    assert labels[0].startswith("Version 2 · edit by lee") and labels[0].endswith("(current)")
    assert labels[1].startswith("Version 1 · create")
    at.button(key="rv_restore_1").click().run()
    assert store.get_pair(db, ids[0])["answer"] == "Update the X200 firmware to 2.1."


def test_deep_link_from_a_finding_opens_the_pair_with_the_finding(db):
    ids = seed_queue(db)
    store.update_pair(db, ids[1], {"status": "approved"}, expected_version=1, who="kim")
    at = open_page("review.py", query={"pair": str(ids[1]),
                                       "finding": "personal_data: an email address"})
    assert not at.exception
    assert at.session_state["rv_current"] == ids[1]
    assert "personal_data: an email address" in texts(at)
    assert "pair" not in at.query_params


def test_deep_link_to_unknown_pair_warns(db):
    seed_queue(db)
    for bad in ("99999", "<b>x</b>"):
        at = open_page("review.py", query={"pair": bad})
        assert [w.value for w in at.warning] == ["The linked pair was not found."]


def test_hostile_text_is_shown_literally(db):
    hostile = "# Heading\n<script>alert(1)</script> ![x](http://example.invalid/t.png)"
    add_conversation(db, "c1", "x.txt", [("customer", "Customer", hostile),
                                         ("engineer", "Engineer", hostile)])
    store.add_pairs(db, [store.NewPair("c1", hostile, hostile, hostile)], who="s")
    at = open_page("review.py")
    assert hostile in texts(at)
    assert not any("script" in m.value or "example.invalid" in m.value for m in at.markdown)


def test_empty_database_points_to_import(db):
    at = open_page("review.py")
    assert not at.exception
    assert [i.value for i in at.info][0].startswith("No pairs yet.")
    assert at.button(key="rv_empty_import").label == "Go to Import"


def test_conversation_view_merges_and_adds(db):
    add_conversation(db, "c1", "x.txt", [("customer", "Customer", "Q1?"),
                                         ("engineer", "Engineer", "A1."),
                                         ("customer", "Customer", "Q2?"),
                                         ("engineer", "Engineer", "A2.")])
    ids = store.add_pairs(db, [store.NewPair("c1", "s", "Q1?", "A1.", origin="rules"),
                               store.NewPair("c1", "s", "Q2?", "A2.", position=1,
                                             origin="rules")], who="s")
    at = open_page("review.py")
    at.session_state["rv_mode"] = "Conversation"
    at.run()
    at.button(key=f"rv_conv_merge_{ids[0]}").click().run()
    assert store.get_pair(db, ids[0])["question"] == "Q1?\nQ2?"
    assert store.get_pair(db, ids[1])["status"] == "deleted"
    at.text_area(key="rv_add_question").input("Missed?")
    at.text_area(key="rv_add_answer").input("Found.")
    next(b for b in at.button if b.label == "Add pair").click().run()
    assert not at.exception
    manual = [p for p in store.pairs_of_conversation(db, "c1") if p["origin"] == "manual"]
    assert [(p["question"], p["answer"]) for p in manual] == [("Missed?", "Found.")]


def test_trash_restores_a_deleted_pair(db):
    ids = seed_queue(db)
    store.update_pair(db, ids[0], {"status": "approved"}, expected_version=1, who="kim")
    store.update_pair(db, ids[0], {"status": "deleted"}, expected_version=2, who="kim")
    at = open_page("review.py")
    at.session_state["rv_mode"] = "Trash"
    at.run()
    assert any("deleted by kim" in t for t in texts(at))
    at.button(key=f"rv_trash_restore_{ids[0]}").click().run()
    assert store.get_pair(db, ids[0])["status"] == "approved"


def test_the_source_file_list_follows_imports(db):
    seed_queue(db)
    at = open_page("review.py")
    assert at.selectbox(key="rv_source").options == ["all files", "b.txt", "a.txt"]
    add_conversation(db, "c-new", "late.txt", [("customer", "Customer", "Q?"),
                                               ("engineer", "Engineer", "A.")])
    at.run()
    assert at.selectbox(key="rv_source").options == ["all files", "b.txt", "a.txt", "late.txt"]


def test_undo_has_its_key_when_the_queue_is_empty(db):
    ids = seed_queue(db)
    at = open_page("review.py")
    at.button(key="rv_approve").click().run()
    at.button(key="rv_approve").click().run()
    assert any("Nothing left in this queue" in s.value for s in at.success)
    at.button(key="rv_undo").click().run()
    assert store.get_pair(db, ids[1])["status"] == "pending"
    assert at.session_state["rv_current"] == ids[1]
