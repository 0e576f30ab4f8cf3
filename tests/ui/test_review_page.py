"""Review page wiring: filters, search, paging, bulk confirmation, deep link, safe text."""

from ui_helpers import open_page, seed

from reviewer.review import store


def changes_of(db, pair_id: int) -> list[dict]:
    """A pair's history after its creation (seeding logs a ``create`` event)."""
    return [e for e in store.history(db, pair_id) if e["action"] != "create"]


def ids_shown(at) -> list[int]:
    return at.data_editor[0].value["id"].tolist()


def test_first_page_and_counts(db):
    ids = seed(db, 120)
    at = open_page("review.py")
    assert not at.exception
    assert ids_shown(at) == ids[:50]
    assert {m.label: m.value for m in at.metric}["Pending"] == "120"
    assert at.pagination(key="rv_page").num_pages == 3
    assert at.session_state["rv_ids"] == ids[:50]
    assert at.session_state["rv_versions"] == [1] * 50
    editor = at.data_editor[0].value
    assert list(editor.columns) == ["id", "status", "system", "question", "answer",
                                    "conversation", "version"]


def test_paging(db):
    ids = seed(db, 120)
    at = open_page("review.py")
    at.pagination(key="rv_page").select(3).run()
    assert ids_shown(at) == ids[100:]
    at.pagination(key="rv_page").select(2).run()
    assert ids_shown(at) == ids[50:100]


def test_status_filter_and_search_reset_the_page(db):
    ids = seed(db, 120, text=lambda i: ("s", f"q{i}", "프린터 용지 걸림" if i % 10 == 0 else "a"))
    store.update_pair(db, ids[3], {"status": "approved"}, expected_version=1, who="x")
    at = open_page("review.py")
    at.pagination(key="rv_page").select(2).run()
    at.selectbox(key="rv_status").select("approved").run()
    assert ids_shown(at) == [ids[3]]
    assert at.session_state["rv_page"] == 1
    at.selectbox(key="rv_status").select("all").run()
    at.text_input(key="rv_search").input("용지 걸림").run()
    assert ids_shown(at) == ids[::10]
    at.text_input(key="rv_search").input("nothing like this").run()
    assert len(at.data_editor) == 0
    assert "No pairs match this filter." in [t.value for t in at.text]
    assert at.button(key="rv_bulk_approved").disabled


def test_bulk_approve_needs_confirmation_showing_the_count(db):
    ids = seed(db, 30, text=lambda i: ("s", f"q{i}", "router reboot" if i < 12 else "other"))
    at = open_page("review.py")
    at.text_input(key="rv_search").input("router").run()
    at.button(key="rv_bulk_approved").click().run()
    assert [w.value for w in at.warning] == ["Approve 12 pairs (all statuses, search 'router')?"]
    assert store.status_counts(db)["approved"] == 0  # nothing yet
    at.button(key="rv_bulk_cancel").click().run()
    assert not at.warning and store.status_counts(db)["approved"] == 0
    at.button(key="rv_bulk_approved").click().run()
    at.button(key="rv_bulk_confirm").click().run()
    assert not at.exception
    assert store.status_counts(db)["approved"] == 12
    assert store.get_pair(db, ids[0])["updated_by"] == "tester"
    assert {m.label: m.value for m in at.metric}["Approved"] == "12"
    assert at.data_editor[0].value["status"].tolist() == ["approved"] * 12


def test_bulk_delete_then_restore_from_deleted_filter(db):
    seed(db, 5)
    at = open_page("review.py")
    at.button(key="rv_bulk_deleted").click().run()
    assert [w.value for w in at.warning] == ["Delete 5 pairs (all statuses)?"]
    at.button(key="rv_bulk_confirm").click().run()
    assert store.status_counts(db)["deleted"] == 5
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 5
    at.selectbox(key="rv_status").select("deleted").run()
    at.button(key="rv_bulk_rejected").click().run()
    assert [w.value for w in at.warning] == ["Reject 5 pairs (status deleted)?"]
    at.button(key="rv_bulk_confirm").click().run()
    assert store.status_counts(db) == {"pending": 0, "approved": 0, "rejected": 5, "deleted": 0}


def test_deep_link_positions_on_the_pair(db):
    ids = seed(db, 130, per_conversation=10,
               conversation_text=lambda c: f"Customer: about {c}\nEngineer: fixed")
    target = ids[77]
    at = open_page("review.py", query={"pair": str(target)})
    assert not at.exception
    assert at.session_state["rv_page"] == 2
    assert target in ids_shown(at)
    assert at.selectbox(key="rv_show").value == target
    assert any("about conv00007" in c.value for c in at.code)
    assert "pair" not in at.query_params  # handled once


def test_deep_link_to_unknown_pair_warns(db):
    seed(db, 3)
    at = open_page("review.py", query={"pair": "99999"})
    assert [w.value for w in at.warning] == ["The linked pair was not found."]
    at = open_page("review.py", query={"pair": "<b>x</b>"})
    assert [w.value for w in at.warning] == ["The linked pair was not found."]


def test_conversation_is_shown_as_plain_text(db):
    hostile = "# Heading\n<script>alert(1)</script> ![x](http://example.invalid/t.png)"
    ids = seed(db, 6, per_conversation=3, conversation_text=lambda c: f"{c}: {hostile}")
    at = open_page("review.py")
    assert any(hostile in c.value for c in at.code)
    assert not any("script" in m.value or "example.invalid" in m.value for m in at.markdown)
    at.selectbox(key="rv_show").select(ids[4]).run()
    assert any(c.value.startswith("conv00001:") for c in at.code)


def test_seeded_editor_state_does_not_write(db):
    """AppTest cannot fire the editor's change callback; the page must never save edits by
    reading the editor's output instead (that would double-apply in a browser)."""
    ids = seed(db, 3)
    at = open_page("review.py")
    key = f"rv_editor_{at.session_state['rv_editor_gen']}"
    at.session_state[key] = {"edited_rows": {0: {"answer": "x"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert not at.exception
    assert store.get_pair(db, ids[0])["answer"] == "Answer number 0."


def test_search_counts_a_window_and_pages_on_with_next_matches(db, monkeypatch):
    ids = seed(db, 150, text=lambda i: ("s", f"q{i}", "router reboot" if i % 3 else "other"))
    matching = [pid for k, pid in enumerate(ids) if k % 3]  # 100 pairs
    monkeypatch.setattr(store, "COUNT_CAP", 40)
    at = open_page("review.py")
    at.text_input(key="rv_search").input("router").run()
    assert at.caption[0].value.startswith("40+ matching pairs · page 1 of 1")
    assert ids_shown(at) == matching[:40]
    assert at.button(key="rv_prev_window").disabled
    seen = []
    while True:
        seen += ids_shown(at)
        if at.button(key="rv_next_window").disabled:
            break
        at.button(key="rv_next_window").click().run()
        assert not at.exception and at.session_state["rv_page"] == 1
    assert seen == matching
    assert not at.caption[0].value.startswith(("40+", "0+"))  # the last window is exact
    at.button(key="rv_prev_window").click().run()
    assert ids_shown(at) == matching[40:80]
    # bulk actions count every match, not the window
    at.button(key="rv_bulk_approved").click().run()
    assert [w.value for w in at.warning] == ["Approve 100 pairs (all statuses, search 'router')?"]
    # a new filter starts from the first window again
    at.text_input(key="rv_search").input("reboot").run()
    assert at.session_state["rv_after"] == 0 and ids_shown(at) == matching[:40]


LONG_ANSWER = ("Open the web console and roll back the firmware.\n\n"
               "1. System > Firmware\n2. 이전 버전으로 되돌리기\n3. Reboot\n" + "detail " * 300)


def side(at, field: str, pair_id: int, version: int):
    key = f"rv_side_{field}_{pair_id}_v{version}"
    return at.selectbox(key=key) if field == "status" else at.text_area(key=key)


def test_side_editor_saves_the_shown_pair_and_logs_events(db):
    ids = seed(db, 6)
    at = open_page("review.py")
    at.selectbox(key="rv_show").select(ids[2]).run()
    assert side(at, "answer", ids[2], 1).value == "Answer number 2."
    side(at, "answer", ids[2], 1).input(LONG_ANSWER)
    side(at, "status", ids[2], 1).select("approved")
    at.button(key="rv_side_save").click().run()
    assert not at.exception
    row = store.get_pair(db, ids[2])
    assert (row["answer"], row["status"], row["version"], row["updated_by"]) == (
        LONG_ANSWER, "approved", 2, "tester")
    events = changes_of(db, ids[2])
    assert {(e["action"], e["field"], e["old"], e["new"], e["who"]) for e in events} == {
        ("edit", "answer", "Answer number 2.", LONG_ANSWER, "tester"),
        ("status", "status", "pending", "approved", "tester")}
    assert [t.value for t in at.toast] == [f"Saved pair {ids[2]}."]
    # the editor and the table now show the saved row
    assert side(at, "answer", ids[2], 2).value == LONG_ANSWER
    table = at.data_editor[0].value.set_index("id")
    assert table.loc[ids[2], "answer"] == LONG_ANSWER and table.loc[ids[2], "version"] == 2
    assert store.get_pair(db, ids[1])["version"] == 1  # other pairs untouched


def test_side_editor_refuses_a_stale_save_and_reloads(db):
    ids = seed(db, 3)
    at = open_page("review.py")
    assert at.selectbox(key="rv_show").value == ids[0]
    # someone else changes the pair after this page was rendered
    assert store.update_pair(db, ids[0], {"answer": "their answer"}, expected_version=1,
                             who="other") == "ok"
    side(at, "answer", ids[0], 1).input("my answer")
    at.button(key="rv_side_save").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        f"Pair {ids[0]} was changed by someone else since this page loaded; your edit was "
        "not applied. The editor now shows the current row."]
    row = store.get_pair(db, ids[0])
    assert (row["answer"], row["version"], row["updated_by"]) == ("their answer", 2, "other")
    assert not [e for e in changes_of(db, ids[0]) if e["who"] == "tester"]
    assert side(at, "answer", ids[0], 2).value == "their answer"  # reloaded
    # saving again from the reloaded editor works
    side(at, "answer", ids[0], 2).input("my answer")
    at.button(key="rv_side_save").click().run()
    assert store.get_pair(db, ids[0])["answer"] == "my answer"
