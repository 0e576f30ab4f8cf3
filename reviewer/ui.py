"""Streamlit helpers shared by every page: setup, DB handle, reviewer identity, safe text.

This is the only module in ``reviewer/`` that imports streamlit. Pages stay thin: they call
`page_setup` first, then the plain functions in ``reviewer/``.

Why every page calls `page_setup` itself: on a freshly started server a page under
``pages/`` can be served by direct link before any session has run ``app.py`` (Streamlit's
old directory router), so nothing a page relies on may live only in ``app.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlite_utils import Database

from .db import connect, resolve_db_path

# The app's pages: (script, title, icon, url path). app.py routes over these and every page's
# sidebar links to them, so navigation looks the same whichever router served the page.
NAV: tuple[tuple[str, str, str, str], ...] = (
    ("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    ("pages/import.py", "Import", ":material/upload_file:", "import"),
    ("pages/review.py", "Review", ":material/rate_review:", "review"),
    ("pages/export.py", "Export", ":material/download:", "export"),
)

# The tab icon, served by the app itself. Without one, Streamlit turns the current page's
# Material icon into a favicon fetched from an external font host, which an offline
# machine cannot reach.
PAGE_ICON = Path(__file__).resolve().parent / "data" / "favicon.png"

REVIEWER_KEY = "reviewer_name"
MAX_NAME = 60

SESSION_DEFAULTS: dict[str, object] = {
    "rv_status": "all",
    "rv_search": "",
    "rv_page": 1,
    "rv_after": 0,  # the Review page's search window starts after this pair id
    "rv_prev_windows": [],  # where earlier windows started, for "Previous matches"
    "rv_editor_gen": 0,
    "rv_notices": [],
    "upload_gen": 0,
}


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the database and who is working."""

    db: Database
    db_path: Path
    who: str | None


def db_path() -> Path:
    """``$REVIEWER_DB``, else ``data/reviewer.db``; read on every run so tests can set it."""
    return resolve_db_path(None).resolve()


def _close(db: Database) -> None:
    db.close()


@st.cache_resource(scope="session", show_spinner=False, on_release=_close)
def _session_db(path: str) -> Database:
    # One connection per browser session (not shared between sessions: sqlite-utils nests
    # transactions with savepoints on the connection). Runs and callbacks of one session
    # execute one at a time; the connection allows use from their different threads.
    return connect(path)


def get_db() -> Database:
    """The session's connection; safe to call from callbacks (which run before the page)."""
    return _session_db(str(db_path()))


def reviewer_name() -> str | None:
    name = st.session_state.get(REVIEWER_KEY)
    return name if isinstance(name, str) and name.strip() else None


def clean_name(raw: str | None) -> str | None:
    """A usable reviewer name, or None: trimmed, one line, at most MAX_NAME characters."""
    name = " ".join((raw or "").split())
    if not name or len(name) > MAX_NAME:
        return None
    return name


def _sign_out() -> None:
    st.session_state.pop(REVIEWER_KEY, None)


def _chrome(path: Path, who: str | None) -> None:
    with st.sidebar:
        # Our own links instead of Streamlit's menu: on a freshly started server a deep link
        # is served by the old pages/ router, whose automatic menu would list app.py too.
        for script, title, icon, _ in NAV:
            st.page_link(script, label=title, icon=icon)
        st.divider()
        st.text(f"Database: {path}")
        if who:
            st.text(f"Reviewer: {who}")
            st.button("Change reviewer", key="chrome_sign_out", on_click=_sign_out)
        else:
            st.text("Reviewer: (not set)")


def page_setup(title: str) -> PageContext:
    """Begin a page: page config, session defaults, DB handle, shared sidebar.

    Idempotent and cheap; the first line of every page script.
    """
    st.set_page_config(page_title=f"{title} · reviewer", page_icon=PAGE_ICON, layout="wide")
    for key, value in SESSION_DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = list(value) if isinstance(value, list) else value
    path = db_path()
    db = get_db()
    who = reviewer_name()
    _chrome(path, who)
    st.session_state["_setup_done"] = title
    return PageContext(db=db, db_path=path, who=who)


def require_reviewer() -> str:
    """Return the reviewer's name, asking for it once per session; stops the page until given.

    Pages that write (import, split, review, export) call this so every change is attributed.
    """
    who = reviewer_name()
    if who:
        return who
    st.info("Enter your name once for this session; every change you make is recorded with it.")
    with st.form("reviewer_identity"):
        raw = st.text_input("Your name", max_chars=MAX_NAME, key="reviewer_name_input")
        submitted = st.form_submit_button("Start reviewing")
    if submitted:
        name = clean_name(raw)
        if name:
            st.session_state[REVIEWER_KEY] = name
            st.rerun()
        st.error(f"Please enter a name (1 to {MAX_NAME} characters).")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def plain(text: object) -> None:
    """Show untrusted text literally: no Markdown, no HTML."""
    st.text("" if text is None else str(text))


def plain_block(text: object) -> None:
    """Show a longer untrusted text (a transcript, JSON) literally, wrapped, in a code box."""
    st.code("" if text is None else str(text), language=None, wrap_lines=True)
