"""Streamlit helpers shared by every page: setup, DB handle, reviewer identity, safe text.

This package is the only place in ``reviewer/`` that imports streamlit. Pages stay thin: they
call `page_setup` first, then the plain functions in ``reviewer/`` and the views here.

Why every page calls `page_setup` itself: on a freshly started server a page under
``pages/`` can be served by direct link before any session has run ``app.py`` (Streamlit's
old directory router), so nothing a page relies on may live only in ``app.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import streamlit as st
from sqlite_utils import Database

from ..db import connect, resolve_db_path

# The app's pages: (script, title, icon, url path), in the order of the work: import and
# split (the Prompt page holds what the LLM splitter learns from), review, export, train,
# evaluate, and from there back to review. app.py routes over these and every page's
# sidebar links to them, so navigation looks the same whichever router served the page.
NAV: tuple[tuple[str, str, str, str], ...] = (
    ("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    ("pages/import.py", "Import", ":material/upload_file:", "import"),
    ("pages/prompt.py", "Prompt", ":material/school:", "prompt"),
    ("pages/review.py", "Review", ":material/rate_review:", "review"),
    ("pages/export.py", "Export", ":material/download:", "export"),
    ("pages/train.py", "Train", ":material/model_training:", "train"),
    ("pages/evaluate.py", "Evaluate", ":material/query_stats:", "evaluate"),
)

# The tab icon, served by the app itself. Without one, Streamlit turns the current page's
# Material icon into a favicon fetched from an external font host, which an offline
# machine cannot reach.
PAGE_ICON = Path(__file__).resolve().parent.parent / "data" / "favicon.png"

REVIEWER_KEY = "reviewer_name"
MAX_NAME = 60
# The reviewer's name is remembered per browser in this cookie (a year), so it is asked once,
# not on every reload, tab or deep link. It is attribution, not authentication.
NAME_COOKIE = "reviewer_name"
COOKIE_DAYS = 365

SESSION_DEFAULTS: dict[str, object] = {
    "rv_mode": "Focus",
    "rv_status": "pending",
    "rv_source": "",
    "rv_flag": "",
    "rv_current": None,
    "rv_editing": None,
    "rv_finding": None,
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
    if isinstance(name, str) and name.strip():
        return name
    remembered = _signed_in_name() or _cookie_name()
    if remembered:
        st.session_state[REVIEWER_KEY] = remembered
    return remembered


def _signed_in_name() -> str | None:
    """The identity from ``st.login`` when the server has OIDC configured."""
    try:
        user = st.user
        if user.get("is_logged_in"):
            return clean_name(str(user.get("name") or user.get("email") or ""))
    except Exception:  # no auth configured, or an older server
        return None
    return None


def _cookie_name() -> str | None:
    if st.session_state.get("_name_cookie_cleared"):
        return None
    try:
        raw = st.context.cookies.get(NAME_COOKIE)
    except Exception:  # no browser context (AppTest, bare mode)
        return None
    return clean_name(unquote(raw)) if raw else None


def _write_name_cookie(name: str | None) -> None:
    """Set (or clear) the name cookie in the browser. The value is URL-encoded and passed
    as a JSON string literal, so no name can break out of the script."""
    value = json.dumps(quote(name or "", safe=""))
    age = COOKIE_DAYS * 86400 if name else 0
    st.html(f"<script>document.cookie = {json.dumps(NAME_COOKIE)} + '=' + {value} + "
            f"'; path=/; max-age={age}; SameSite=Strict';</script>",
            unsafe_allow_javascript=True)


def clean_name(raw: str | None) -> str | None:
    """A usable reviewer name, or None: trimmed, one line, at most MAX_NAME characters."""
    name = " ".join((raw or "").split())
    if not name or len(name) > MAX_NAME:
        return None
    return name


def _sign_out() -> None:
    st.session_state.pop(REVIEWER_KEY, None)
    st.session_state["_name_cookie_cleared"] = True
    st.session_state["_name_cookie_write"] = ""


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
    pending_cookie = st.session_state.pop("_name_cookie_write", None)
    if pending_cookie is not None:
        _write_name_cookie(pending_cookie or None)
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
    st.info("Enter your name once; this browser remembers it, and every change you make is "
            "recorded with it.")
    with st.form("reviewer_identity"):
        raw = st.text_input("Your name", max_chars=MAX_NAME, key="reviewer_name_input")
        submitted = st.form_submit_button("Start reviewing")
    if submitted:
        name = clean_name(raw)
        if name:
            st.session_state[REVIEWER_KEY] = name
            st.session_state["_name_cookie_write"] = name
            st.session_state.pop("_name_cookie_cleared", None)
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
