"""Review table view: filters, search windows, paging, bulk confirmation, safe text."""

from ui_helpers import open_page, seed

from reviewer.review import store


def open_table(**query):
    at = open_page("review.py", query=query or None)
    at.session_state["rv_mode"] = "Table"
    at.session_state["rv_status"] = "all"
    return at.run()


def ids_shown(at) -> list[int]:
    return at.data_editor[0].value["id"].tolist()


def test_first_page_shows_source_and_read_only_texts(db):
    ids = seed(db, 120)
    at = open_table()
    assert not at.exception
    assert ids_shown(at) == ids[:50]
    assert at.pagination(key="rv_page").num_pages == 3
    editor = at.data_editor[0]
    assert list(editor.value.columns) == ["open", "id", "status", "state", "flags", "question",
                                          "answer", "source", "version"]
    assert editor.value["source"].tolist()[0] == "dump.txt · line 1"
    assert editor.value["state"].tolist()[0] == "○"


def test_paging(db):
    ids = seed(db, 120)
    at = open_table()
    at.pagination(key="rv_page").select(3).run()
    assert ids_shown(at) == ids[100:]


def test_status_filter_and_search_reset_the_page(db):
    ids = seed(db, 120, text=lambda i: ("s", f"q{i}", "프린터 용지 걸림" if i % 10 == 0 else "a"))
    store.update_pair(db, ids[3], {"status": "approved"}, expected_version=1, who="x")
    at = open_table()
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


def test_bulk_approve_acts_on_pending_only_unless_asked(db):
    ids = seed(db, 30, text=lambda i: ("s", f"q{i}", "router reboot" if i < 12 else "other"))
    store.update_pair(db, ids[0], {"status": "rejected"}, expected_version=1, who="kim")
    store.update_pair(db, ids[1], {"status": "deleted"}, expected_version=1, who="kim")
    at = open_table()
    at.text_input(key="rv_search").input("router").run()
    at.button(key="rv_bulk_approved").click().run()
    assert [w.value for w in at.warning] == [
        "Approve 10 pairs (status pending, search 'router')?"]
    assert "by current status: 10 pending." in [t.value for t in at.text][0]
    at.button(key="rv_bulk_cancel").click().run()
    assert not at.warning and store.status_counts(db)["approved"] == 0
    at.button(key="rv_bulk_approved").click().run()
    at.button(key="rv_bulk_confirm").click().run()
    assert not at.exception
    assert store.status_counts(db)["approved"] == 10
    assert store.get_pair(db, ids[0])["status"] == "rejected"  # a decision is never overturned
    assert store.get_pair(db, ids[1])["status"] == "deleted"
    # Including decided pairs is explicit, and the confirmation names each status.
    at.checkbox(key="rv_bulk_all_statuses").check().run()
    at.button(key="rv_bulk_approved").click().run()
    assert "by current status: 1 deleted, 1 rejected." in [t.value for t in at.text][0]
    at.button(key="rv_bulk_confirm").click().run()
    assert store.status_counts(db)["approved"] == 12


def test_bulk_ignores_pairs_added_after_the_confirmation_was_asked(db):
    seed(db, 5)
    at = open_table()
    at.button(key="rv_bulk_rejected").click().run()
    assert [w.value for w in at.warning] == ["Reject 5 pairs (status pending)?"]
    seed_more = store.add_pairs(db, [store.NewPair("conv00000", "s", "late?", "late.")],
                                who="splitter")
    at.button(key="rv_bulk_confirm").click().run()
    assert store.get_pair(db, seed_more[0])["status"] == "pending"
    assert store.status_counts(db)["rejected"] == 5


def test_search_counts_a_window_and_pages_on_with_next_matches(db, monkeypatch):
    ids = seed(db, 150, text=lambda i: ("s", f"q{i}", "router reboot" if i % 3 else "other"))
    matching = [pid for k, pid in enumerate(ids) if k % 3]  # 100 pairs
    monkeypatch.setattr(store, "COUNT_CAP", 40)
    at = open_table()
    at.text_input(key="rv_search").input("router").run()
    assert any(c.value.startswith("40+ matching pairs · page 1 of 1") for c in at.caption)
    assert ids_shown(at) == matching[:40]
    seen = []
    while True:
        seen += ids_shown(at)
        if at.button(key="rv_next_window").disabled:
            break
        at.button(key="rv_next_window").click().run()
        assert not at.exception and at.session_state["rv_page"] == 1
    assert seen == matching
    at.button(key="rv_prev_window").click().run()
    assert ids_shown(at) == matching[40:80]


def test_seeded_editor_state_does_not_write(db):
    """AppTest cannot fire the editor's change callback; the page must never save edits by
    reading the editor's output instead (that would double-apply in a browser)."""
    ids = seed(db, 3)
    at = open_table()
    key = f"rv_editor_{at.session_state['rv_editor_gen']}"
    at.session_state[key] = {"edited_rows": {0: {"status": "approved"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert not at.exception
    assert store.get_pair(db, ids[0])["status"] == "pending"
