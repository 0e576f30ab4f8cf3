"""Every page renders safely, by the in-app route and by direct link on a fresh server."""

import pytest
from streamlit.testing.v1 import AppTest
from ui_helpers import APP, PAGE_FILES, make_app, open_page, seed

WRITING_PAGES = {"import.py", "review.py", "export.py", "prompt.py"}


def test_all_pages_exist():
    assert PAGE_FILES == ["evaluate.py", "export.py", "import.py", "overview.py", "prompt.py",
                          "review.py", "train.py"]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_direct_link_before_app_runs_is_safe(page, db):
    """A fresh AppTest switched to a page before any run of app.py executes the page file
    directly (the old pages/ router); the shared setup must still run and guard it."""
    seed(db, 3)
    at = AppTest.from_file(APP, default_timeout=30).switch_page(f"pages/{page}").run()
    assert not at.exception
    assert at.session_state["_setup_done"]
    assert any(t.value.startswith("Database: ") for t in at.sidebar.text)
    # the same menu as through the router, not the old router's file list (with app.py)
    assert [link.proto.label for link in at.get("page_link")] == [
        "Overview", "Import", "Prompt", "Review", "Export", "Train", "Evaluate"]
    if page in WRITING_PAGES:
        # no reviewer yet: the page asks for a name and shows nothing else
        assert [t.label for t in at.text_input] == ["Your name"]
        assert len(at.data_editor) == 0


@pytest.mark.parametrize("page", PAGE_FILES)
def test_each_page_renders_through_the_router(page, db):
    seed(db, 3)
    at = open_page(page)
    assert not at.exception
    assert at.session_state["_setup_done"]
    assert [link.proto.page for link in at.get("page_link")][:5] == [
        "overview", "import", "prompt", "review", "export"]


def test_reviewer_name_is_asked_once(db):
    seed(db, 2)
    at = make_app(who=None)
    at.run()
    at.switch_page("pages/review.py").run()
    assert not [b for b in at.button if b.key == "rv_approve"]
    at.text_input(key="reviewer_name_input").input("  ")
    at.button[0].click().run()  # the form's submit button
    assert [e.value for e in at.error] and "reviewer_name" not in at.session_state
    at.text_input(key="reviewer_name_input").input("  박 지민 ")
    at.button[0].click().run()
    assert at.session_state["reviewer_name"] == "박 지민"
    # the browser is told to remember the name (URL-encoded inside a fixed script)
    scripts = [e.proto.body for e in at.get("html")]
    assert any("document.cookie" in b and "%EB%B0%95%20%EC%A7%80%EB%AF%BC" in b
               for b in scripts), scripts
    assert [b for b in at.button if b.key == "rv_approve"]
    assert "Reviewer: 박 지민" in [t.value for t in at.sidebar.text]
    at.switch_page("pages/export.py").run()
    assert [t.label for t in at.text_input if t.label == "Your name"] == []


def test_overview_shows_counts(db):
    seed(db, 7)
    db.execute("UPDATE pairs SET status = 'approved' WHERE id <= 2")
    at = make_app()
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["All pairs"] == "7"
    assert metrics["Pending"] == "5" and metrics["Approved"] == "2"
    assert metrics["Split"] == "2" and metrics["Waiting to split"] == "0"
    assert not at.exception


def test_the_tab_icon_is_a_local_file():
    from reviewer.ui import PAGE_ICON

    assert PAGE_ICON.is_file() and PAGE_ICON.suffix == ".png"


# ---- Overview: the next step -----------------------------------------------------------------

def overview_buttons(at) -> list[tuple[str, str]]:
    return [(b.key, b.label) for b in at.button if b.key and b.key.startswith("ov_next_")]


def test_overview_on_an_empty_database_says_start_by_importing(db):
    at = make_app()
    at.run()
    assert not at.exception
    (info,) = [i.value for i in at.info]
    assert info.startswith("Start by importing conversation dumps")
    assert overview_buttons(at) == [("ov_next_import", "Import conversations")]
    at.button(key="ov_next_import").click().run()
    assert not at.exception
    assert at.session_state["_setup_done"] == "Import"


def test_overview_points_to_split_while_conversations_wait(db):
    import json

    from reviewer.db import now_iso

    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at,"
               " split_status) VALUES ('c1', 'a.txt', 'line 1', 'txt', 'x', ?, ?, 'pending')",
               [json.dumps([]), now_iso()])
    at = make_app()
    at.run()
    assert overview_buttons(at) == [("ov_next_split", "Split conversations")]
    assert "1 conversation waiting to be split" in at.info[0].value
    assert at.metric  # the counts are shown below
    at.button(key="ov_next_split").click().run()
    assert at.session_state["_setup_done"] == "Import"


def test_overview_points_to_review_and_export(db):
    seed(db, 4)
    at = make_app()
    at.run()
    assert overview_buttons(at) == [("ov_next_review", "Review pairs")]
    db.execute("UPDATE pairs SET status = 'approved' WHERE id <= 1")
    at.run()
    assert overview_buttons(at) == [("ov_next_review", "Review pairs"),
                                    ("ov_next_export", "Export")]
    assert "1 approved pair ready to export." in [i.value for i in at.info]
    at.button(key="ov_next_export").click().run()
    assert not at.exception
    assert at.session_state["_setup_done"] == "Export"
    at.switch_page("pages/overview.py").run()
    at.button(key="ov_next_review").click().run()
    assert at.session_state["_setup_done"] == "Review"
