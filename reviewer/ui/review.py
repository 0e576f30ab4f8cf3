"""The Review page's views: one pair at a time beside its source (the default), a table for
scanning and bulk work, one conversation with all its pairs, and the trash.

Every change goes through the pairs store (version-checked, logged). Actions run as button
callbacks, which Streamlit runs before the page body, so the page that follows already shows
the next pair; each action button has a keyboard shortcut shown on it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from ..presenters import review as view
from ..review import PAIR_STATUSES, PairFilter, drafts, store
from ..review.diffs import text_diff
from ..review.flags import FLAG_CODES
from ..review.statuses import ALL, APPROVED, DELETED, PENDING, REJECTED
from . import db_path, get_db, plain, plain_block, reviewer_name

state = st.session_state

MODES = ("Focus", "Table", "Conversation", "Trash")
FILTERS = (ALL, *PAIR_STATUSES)
PAGE_SIZE = 50
BULK_VERBS = {APPROVED: "Approve", REJECTED: "Reject", DELETED: "Delete"}
# Height of the pair and source boxes in the focus view: with the header, filters and
# toolbar above them they end above the fold of a 900-pixel-high window.
PANEL_HEIGHT = 470
NOTICE_HEIGHT = 56

_CSS = """
<style>
.stMainBlockContainer { padding-top: 3.75rem; }
.stMainBlockContainer h1 { padding-top: 0; }
[class*="st-key-src_q_"] { background: rgba(255, 196, 0, 0.16); border-radius: 0.4rem;
                          border-left: 0.3rem solid rgb(230, 170, 0); }
[class*="st-key-src_a_"] { background: rgba(33, 160, 90, 0.14); border-radius: 0.4rem;
                          border-left: 0.3rem solid rgb(33, 160, 90); }
.st-key-rv_pair_text [data-testid="stText"] div,
.st-key-rv_source_box [data-testid="stText"] div { white-space: pre-wrap; word-break: break-word; }
</style>
"""


def style() -> None:
    """The page's few style rules: less space above the title, the pair's own source turns
    tinted, long texts wrapped."""
    st.html(_CSS)


def _who() -> str:
    return reviewer_name() or "reviewer"


def _notice(kind: str, message: str) -> None:
    state["rv_notices"] = [*state.get("rv_notices", []), (kind, message)]


def current_filter() -> PairFilter:
    return PairFilter.of(state.get("rv_status", PENDING), state.get("rv_search", ""),
                         ).narrowed(source=state.get("rv_source") or None,
                                    flag=state.get("rv_flag") or None)


# ---- actions (button callbacks) -------------------------------------------------------------

def _advance(from_id: int) -> None:
    state["rv_current"] = store.queue_step(get_db(), current_filter(), from_id)
    state["rv_finding"] = None
    state["rv_editing"] = None
    state["rv_history_open"] = False


def set_status(pair_id: int, version: int, status: str) -> None:
    db, who = get_db(), _who()
    draft = drafts.get(db, who, pair_id) if state.get("rv_editing") == pair_id else None
    changes: dict[str, str] = {"status": status}
    base = version
    if draft is not None:  # deciding while editing keeps what was typed
        changes.update(draft.values)
        base = draft.base_version
    result = store.update_pair(db, pair_id, changes, expected_version=base, who=who)
    if result in (store.OK, store.UNCHANGED):
        if draft is not None:
            drafts.discard(db, who, pair_id)
        _advance(pair_id)
    elif result == store.CONFLICT:
        _notice("conflict", f"Pair {pair_id} was changed by someone else meanwhile; nothing "
                "was applied. It is shown again with the current text.")
    else:
        _notice("error", f"Pair {pair_id} no longer exists.")


def start_edit(pair_id: int, version: int) -> None:
    db, who = get_db(), _who()
    if drafts.get(db, who, pair_id) is None:
        row = store.get_pair(db, pair_id)
        if row is None:
            return
        drafts.save(db, who, pair_id, version, {f: row[f] or "" for f in store.TEXT_FIELDS})
    state["rv_editing"] = pair_id


def keep_draft(pair_id: int, name: str) -> None:
    """A text box changed: store the draft at once (nothing typed is lost on a reload)."""
    db, who = get_db(), _who()
    draft = drafts.get(db, who, pair_id)
    if draft is None:
        return
    values = dict(draft.values)
    values[name] = state.get(_field_key(pair_id, name), values[name])
    drafts.save(db, who, pair_id, draft.base_version, values)


def save_draft(pair_id: int, approve: bool) -> None:
    db, who = get_db(), _who()
    for name in store.TEXT_FIELDS:  # the text box being typed in may not have blurred yet
        if _field_key(pair_id, name) in state:
            keep_draft(pair_id, name)
    draft = drafts.get(db, who, pair_id)
    if draft is None:
        return
    changes: dict[str, str] = dict(draft.values)
    if approve:
        changes["status"] = APPROVED
    result = store.update_pair(db, pair_id, changes, expected_version=draft.base_version,
                               who=who)
    if result in (store.OK, store.UNCHANGED):
        drafts.discard(db, who, pair_id)
        if approve:
            _advance(pair_id)
        else:
            state["rv_editing"] = None
            _notice("ok", f"Saved pair {pair_id}.")
    elif result == store.CONFLICT:  # the page explains it beside the kept text
        state["rv_editing"] = pair_id
    else:
        _notice("error", f"Pair {pair_id} no longer exists; your draft is kept.")


def rebase_draft(pair_id: int) -> None:
    db = get_db()
    row = store.get_pair(db, pair_id)
    if row is not None:
        drafts.rebase(db, _who(), pair_id, int(row["version"]))
        _notice("ok", "Your text now applies on top of the current version; save when ready.")


def discard_draft(pair_id: int) -> None:
    drafts.discard(get_db(), _who(), pair_id)
    for name in store.TEXT_FIELDS:
        state.pop(_field_key(pair_id, name), None)
    state["rv_editing"] = None


def step(pair_id: int, offset: int) -> None:
    target = store.queue_step(get_db(), current_filter(), pair_id, offset)
    if target is None:
        _notice("ok", "That is the end of this queue." if offset > 0
                else "That is the start of this queue.")
        return
    state["rv_current"], state["rv_finding"] = target, None
    state["rv_editing"] = None
    state["rv_history_open"] = False


def undo() -> None:
    result = store.undo_last(get_db(), _who())
    if result.nothing:
        _notice("ok", "Nothing of yours to undo.")
        return
    if result.reverted:
        state["rv_current"] = result.reverted[0]
        state["rv_editing"] = None
        _notice("ok", f"Undid your last {result.action} ({len(result.reverted)} pair"
                f"{'s' if len(result.reverted) != 1 else ''}).")
    if result.conflicts:
        _notice("conflict", f"Not undone for pair(s) {', '.join(map(str, result.conflicts))}: "
                "someone changed them after you.")


def toggle_history() -> None:
    state["rv_history_open"] = not state.get("rv_history_open", False)


def restore(pair_id: int, version: int, current_version: int) -> None:
    result = store.restore_version(get_db(), pair_id, version,
                                   expected_version=current_version, who=_who())
    _notice("ok" if result == store.OK else "conflict",
            f"Restored version {version} of pair {pair_id}." if result == store.OK
            else f"Version {version} was not restored ({result}).")


def open_pair(pair_id: int, mode: str = "Focus") -> None:
    state["rv_current"], state["rv_mode"] = int(pair_id), mode
    state["rv_editing"] = None


def _field_key(pair_id: int, name: str) -> str:
    return f"rv_draft_{pair_id}_{name}"


# ---- shared header ----------------------------------------------------------------------------

def notices() -> None:
    for kind, message in state.get("rv_notices", []):
        if kind in ("ok", "unchanged"):
            st.toast(message)
        else:
            st.warning(message)
    state["rv_notices"] = []


def filters(db) -> None:
    f1, f2, f3, f4 = st.columns([1, 2, 1.4, 1.2])
    f1.selectbox("Status", FILTERS, key="rv_status", on_change=_reset_position,
                 format_func=lambda s: "all" if s == ALL else view.status_label(s))
    f2.text_input("Search system, question and answer", key="rv_search",
                  on_change=_reset_position, placeholder="words or part of a word, 한국어 too")
    f3.selectbox("Source file", ["", *_sources(db)], key="rv_source", on_change=_reset_position,
                 format_func=lambda s: s or "all files")
    f4.selectbox("Risk flag", ["", *FLAG_CODES], key="rv_flag", on_change=_reset_position,
                 format_func=lambda code: code.replace("_", " ") if code else "any or none")


def _sources(db) -> list[str]:
    """The files conversations came from, in import order. Listing them reads every
    conversation, so the list is kept for the session and read again only after an import
    added conversations (conversations are never deleted, so the newest rowid tells)."""
    newest = db.execute("SELECT coalesce(max(rowid), 0) FROM conversations").fetchone()[0]
    kept = state.get("rv_sources")
    if not (isinstance(kept, tuple) and kept[:2] == (str(db_path()), newest)):
        kept = (str(db_path()), newest, [r[0] for r in db.execute(
            "SELECT DISTINCT source FROM conversations ORDER BY rowid LIMIT 500")])
        state["rv_sources"] = kept
    return list(kept[2])


def _reset_position() -> None:
    state["rv_current"] = None
    state["rv_page"] = 1
    state["rv_after"], state["rv_prev_windows"] = 0, []
    state.pop("rv_bulk", None)


# ---- focus view -------------------------------------------------------------------------------

def focus_view(db) -> None:
    where = current_filter()
    current = state.get("rv_current")
    pair = store.get_pair(db, current) if current else None
    if pair is None:
        current = store.queue_first(db, where)
        state["rv_current"] = current
        pair = store.get_pair(db, current) if current else None
    if pair is None:
        _empty_queue(db, where)
        return
    pid, version = int(pair["id"]), int(pair["version"])
    progress = store.progress(db, where)
    # Reads whose cost does not grow with the table: the queue's size from the per-status
    # counts (a search counts up to its cap), whether the pair matches by its id alone.
    window = store.match_window(db, where)
    matches = store.page_ids(db, where, offset=0, limit=1, after_id=pid - 1,
                             before_id=pid + 1) == [pid]
    index = store.queue_index(db, where, pid) if matches else None
    decided, since = store.pace(db, _who(), datetime.now(UTC).date().isoformat())
    st.caption(f"{view.progress_line(progress, index, window.matches, window.more)} · "
               f"{view.pace_line(decided, since, datetime.now(UTC))}")
    finding = state.get("rv_finding")
    if finding:  # one line, so the pair and its source stay above the fold
        with st.container(horizontal=True, vertical_alignment="center", key="rv_finding_line"):
            st.markdown(":orange-badge[:material/flag: Opened from an export finding]",
                        width="content")
            plain(finding)
    conversation = store.get_conversation(db, pair["conversation_id"])
    draft, editing = _draft_state(db, pid, version)
    # Each one-line notice above the boxes makes them shorter, so they still end in view.
    height = PANEL_HEIGHT - NOTICE_HEIGHT * (bool(finding) + (draft is not None
                                                               and not editing))
    _buttons(pid, version, editing, approved=pair["status"] == APPROVED)
    left, right = st.columns([1.05, 1], gap="large")
    with left:
        _pair_panel(db, pair, pid, version, draft, editing, height)
    with right:  # the history (H) takes the source's place, so it opens in view
        if state.get("rv_history_open"):
            _history_panel(db, pair, height)
        elif draft is not None and draft.base_version != version:
            _stale_draft(db, pair, draft)  # beside the reviewer's own text
            _source_panel(pair, conversation, height)
        else:
            _source_panel(pair, conversation, height)


def _empty_queue(db, where: PairFilter) -> None:
    counts = store.status_counts(db)
    if sum(counts.values()) == 0:
        st.info("No pairs yet. Import conversation dumps and split them into pairs first.")
        if st.button("Go to Import", type="primary", key="rv_empty_import"):
            st.switch_page("pages/import.py")
        return
    st.success(f"Nothing left in this queue ({where.describe()}). "
               f"{counts[APPROVED]:,} approved, {counts[PENDING]:,} pending overall.")
    with st.container(horizontal=True, gap="xsmall"):
        if counts[PENDING] and where.statuses != (PENDING,):
            st.button("Review pending pairs", key="rv_empty_pending", type="primary",
                      on_click=lambda: state.update(rv_status=PENDING, rv_search="",
                                                    rv_source="", rv_flag="", rv_current=None))
        # The last decision of a queue can be taken back too.
        shortcut, label = view.KEYS["undo"]
        st.button(label, key="rv_undo", shortcut=shortcut, on_click=undo)
        if counts[APPROVED] and st.button("Go to Export", key="rv_empty_export"):
            st.switch_page("pages/export.py")


def _buttons(pid: int, version: int, editing: bool, approved: bool = False) -> None:
    """The action bar, one line above the pair and its source: decisions first, then moving
    through the queue. Buttons size to their labels and wrap only on a narrow window, so
    every label and its key stay readable."""
    keys = view.KEYS

    def button(action: str, callback, args=(), *, label: str | None = None,
               primary: bool = False) -> None:
        shortcut, name = keys[action]
        st.button(label or name, key=f"rv_{action}", shortcut=shortcut, width="content",
                  type="primary" if primary else "secondary", on_click=callback, args=args,
                  help=name if label else None)

    with st.container(horizontal=True, gap="xsmall", key="rv_toolbar"):
        button("approve", set_status, (pid, version, APPROVED), primary=True)
        button("reject", set_status, (pid, version, REJECTED))
        button("delete", set_status, (pid, version, DELETED))
        if editing:
            button("save_next", save_draft, (pid, True), label="Save & approve", primary=True)
            st.button("Save", key="rv_save", width="content", on_click=save_draft,
                      args=(pid, False))
        else:
            button("edit", start_edit, (pid, version))
            button("skip", step, (pid, 1))
        button("previous", step, (pid, -1))
        button("next", step, (pid, 1))
        button("undo", undo)
        button("history", toggle_history)
        if approved and not editing:
            from .fewshot import promote_button

            promote_button(pid)


def _draft_state(db, pid: int, version: int) -> tuple[drafts.Draft | None, bool]:
    """The reviewer's draft of the pair, and whether the pair shows as being edited (a
    draft left stale by someone else's change reopens in the editor)."""
    draft = drafts.get(db, _who(), pid)
    editing = state.get("rv_editing") == pid or (draft is not None
                                                  and state.get("rv_editing") is None
                                                  and draft.base_version != version)
    if editing:
        state["rv_editing"] = pid
    return draft, editing


def _pair_panel(db, pair: dict, pid: int, version: int, draft: drafts.Draft | None,
                editing: bool, height: int = PANEL_HEIGHT) -> None:
    st.markdown(f"**Pair {pid}** · {view.status_label(pair['status'])} · version {version} · "
                f"origin {pair['origin'] or '-'}")
    if editing:
        _flags(pair)
    if draft is not None and not editing:
        st.info("You have an unsaved draft of this pair.")
    if editing and draft is not None:
        for name, height in (("system", 68), ("question", 100), ("answer", 220)):
            key = _field_key(pid, name)
            if key not in state:
                state[key] = draft.values[name]
            st.text_area(name.capitalize(), key=key, height=height, on_change=keep_draft,
                         args=(pid, name))
        st.button("Discard my changes", key="rv_discard", on_click=discard_draft,
                  args=(pid,))
        _focus_script("textarea[aria-label='Answer']", f"edit-{pid}")
        return
    # As tall as the source box beside it: a long answer scrolls inside, the source stays.
    with st.container(key="rv_pair_text", height=height):
        _flags(pair)
        for name in ("system", "question", "answer"):
            st.caption(name.capitalize())
            plain(pair[name] or "")
        _model_answer(db, pair)


def _model_answer(db, pair: dict) -> None:
    """Under the reference: what the model answered in the eval run that flagged the pair."""
    from ..evaluation.sendback import model_answer_for

    found = model_answer_for(db, pair.get("flags"))
    if found is None:
        return
    with st.container(border=True, key="rv_model_answer"):
        st.caption(view.model_answer_title(found.run_id, found.cosine, found.model))
        plain(found.answer or f"(no answer: {found.error or 'empty'})")


def _flags(pair: dict) -> None:
    try:
        flags = json.loads(pair.get("flags") or "[]")
    except ValueError:
        flags = []
    for flag in flags if isinstance(flags, list) else []:
        if isinstance(flag, dict) and flag.get("code") in FLAG_CODES:
            code = str(flag["code"])  # one of ours, safe to format
            severity = flag.get("severity") if flag.get("severity") in ("high", "medium",
                                                                        "low") else ""
            # A badge and its reason on one line, at the top of the pair's box: flags come
            # first, and the pair's texts still start in view.
            with st.container(horizontal=True, gap="xsmall", key=f"rv_flag_{code}"):
                st.markdown(f":red-badge[⚑ {code.replace('_', ' ')}"
                            f"{' · ' + severity if severity else ''}]", width="content")
                with st.container(width="stretch"):
                    plain(flag.get("detail") or "")


def _stale_draft(db, pair: dict, draft: drafts.Draft) -> None:
    changes = view.changes_since(store.history(db, int(pair["id"])), draft.base_version, _who())
    st.warning(f"Someone changed this pair after you started editing (you began at version "
               f"{draft.base_version}, it is now at {pair['version']}). Your text is kept on the "
               "left: read their change, then apply yours on top of it or discard yours.")
    for change in changes:
        plain(f"{change.who} changed {change.field} at {view.short_time(change.at)}:")
        plain_block("\n".join(change.diff))
    with st.container(horizontal=True, gap="xsmall"):
        st.button("Apply mine on top", key="rv_rebase", on_click=rebase_draft,
                  args=(int(pair["id"]),), type="primary")
        st.button("Discard mine", key="rv_discard_stale", on_click=discard_draft,
                  args=(int(pair["id"]),))


def _source_panel(pair: dict, conversation: dict | None, height: int = PANEL_HEIGHT) -> None:
    if conversation is None:
        plain("The conversation of this pair is not in the database.")
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="xsmall"):
        st.markdown("**Source**", width="content")
        with st.container(width="stretch"):
            plain(view.source_caption(conversation["source"], conversation["locator"]))
        st.button("Conversation view", key="rv_to_conversation", type="tertiary",
                  icon=":material/forum:", on_click=lambda: state.update(rv_mode="Conversation"))
    turns = view.source_turns(conversation.get("turns"), pair.get("question_turns"),
                              pair.get("answer_turns"))
    with st.container(height=height, key="rv_source_box"):
        if not turns:
            plain_block(conversation.get("text") or "")
        for turn in turns:
            with st.container(key=turn.key, border=turn.mark is not None):
                marker = {"question": "  ◀ question", "answer": "  ◀ answer"}.get(
                    turn.mark or "", "")
                st.caption(f"{turn.header}{marker}")
                plain(turn.text)
    first = view.first_marked(turns)
    if first is not None:
        _scroll_script(f".st-key-{first.key}", f"{pair['id']}-{first.key}")


def _history_panel(db, pair: dict, height: int = PANEL_HEIGHT) -> None:
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**History of pair {pair['id']}**", width="stretch")
        st.button("Source", key="rv_history_close", type="tertiary", icon=":material/close:",
                  help="Close the history (H) and show the source conversation again",
                  on_click=toggle_history)
    versions = store.versions(db, int(pair["id"]))
    with st.container(height=height, key="rv_history_box"):
        _version_list(pair, versions)


def _version_list(pair: dict, versions: list[store.Version]) -> None:
    for index, old in enumerate(versions):
        newer = versions[index - 1] if index else None
        title = (f"Version {old.version} · {old.action} by {old.who or '-'} · "
                 f"{view.short_time(old.at)}"
                 + (" (current)" if index == 0 else ""))
        with st.expander(title, expanded=index < 2):
            if newer is not None:
                for name in ("status", *store.TEXT_FIELDS):
                    if old.values[name] != newer.values[name]:
                        plain(f"{name} in the next version:")
                        plain_block("\n".join(text_diff(old.values[name],
                                                        newer.values[name])))
                st.button(f"Restore version {old.version}", key=f"rv_restore_{old.version}",
                          on_click=restore,
                          args=(int(pair["id"]), old.version, int(pair["version"])))
            else:
                plain(f"status {old.values['status']}")


def _scroll_script(selector: str, token: str) -> None:
    """Scroll the source box (only the box, not the page) so the pair's first turn is at its
    top (our own fixed script; the selector is built from a turn index, never from data)."""
    st.html(f"<script>/* {token} */ (() => {{ let tries = 0; const go = () => {{ "
            f"const el = document.querySelector({json.dumps(selector)}); "
            "const box = el && el.closest('.st-key-rv_source_box'); "
            "if (box) { box.scrollTop += el.getBoundingClientRect().top "
            "- box.getBoundingClientRect().top - 8; } "
            "else if (tries++ < 40) { setTimeout(go, 50); } }; go(); })();</script>",
            unsafe_allow_javascript=True)


def _focus_script(selector: str, token: str) -> None:
    """Put the cursor at the end of a text box, without selecting its text. The box may be
    drawn after this script runs, so it looks for it for up to two seconds."""
    st.html(f"<script>/* {token} */ (() => {{ let tries = 0; const go = () => {{ "
            f"const el = document.querySelector({json.dumps(selector)}); "
            "if (el) { if (document.activeElement !== el) { el.focus(); "
            "el.setSelectionRange(el.value.length, el.value.length); } } "
            "else if (tries++ < 40) { setTimeout(go, 50); } }; go(); })();</script>",
            unsafe_allow_javascript=True)


# ---- table view -------------------------------------------------------------------------------

def table_view(db) -> None:
    where = current_filter()
    window = store.match_window(db, where, after_id=state.get("rv_after", 0))
    total = window.matches
    num_pages = max(1, -(-total // PAGE_SIZE))
    if not isinstance(state.get("rv_page"), int) or not 1 <= state["rv_page"] <= num_pages:
        state["rv_page"] = 1
    _bulk_controls(db, where, total, window)
    page = state["rv_page"]
    rows = store.page(db, where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                      after_id=window.after_id, before_id=window.before_id)
    state["rv_ids"] = [r["id"] for r in rows]
    state["rv_versions"] = [r["version"] for r in rows]
    where_note = f" · after pair {window.after_id}" if window.after_id else ""
    st.caption(f"{window.label()} matching pairs{where_note} · page {page} of {num_pages} · "
               f"{PAGE_SIZE} per page · Open shows a pair in full beside its source")
    if window.more or state.get("rv_after"):
        if window.more:
            st.caption(f"The search stops counting after {store.COUNT_CAP:,} candidates; "
                       "Next matches continues from there.")
        w1, w2, _ = st.columns([1, 1, 4])
        w1.button("Previous matches", key="rv_prev_window", on_click=_previous_window,
                  disabled=not state.get("rv_after"))
        w2.button("Next matches", key="rv_next_window", on_click=_next_window,
                  args=(window.next() or 0,), disabled=not window.more)
    if not rows:
        plain("No pairs match this filter.")
        return
    sources = _sources_of(db, [r["conversation_id"] for r in rows])
    frame = pd.DataFrame({
        "open": pd.Series(["Open"] * len(rows), dtype="object"),
        "id": pd.Series([r["id"] for r in rows], dtype="int64"),
        "status": pd.Series([r["status"] for r in rows], dtype="object"),
        "state": pd.Series([view.STATUS_ICONS.get(r["status"], "") for r in rows],
                           dtype="object"),
        "flags": pd.Series([view.flag_summary(r.get("flags")) for r in rows], dtype="object"),
        "question": pd.Series([r["question"] or "" for r in rows], dtype="object"),
        "answer": pd.Series([r["answer"] or "" for r in rows], dtype="object"),
        "source": pd.Series([sources.get(r["conversation_id"], "") for r in rows],
                            dtype="object"),
        "version": pd.Series([r["version"] for r in rows], dtype="int64"),
    })
    editor_key = f"rv_editor_{state['rv_editor_gen']}"
    st.data_editor(
        frame, key=editor_key, on_change=_save_table_edits, args=(editor_key,),
        num_rows="fixed", hide_index=True, row_height=64,
        disabled=["id", "state", "flags", "question", "answer", "source", "version"],
        column_config={
            "open": st.column_config.ButtonColumn("", width="small", key="rv_open_click",
                                                  on_click=_open_clicked),
            "id": st.column_config.NumberColumn("ID", width="small", format="%d"),
            "status": st.column_config.SelectboxColumn(
                "Status", options=list(PAIR_STATUSES), required=True, width="small"),
            "state": st.column_config.TextColumn("", width=36),
            "flags": st.column_config.TextColumn("Flags", width="small"),
            "question": st.column_config.TextColumn("Question", width="large"),
            "answer": st.column_config.TextColumn("Answer", width="large"),
            "source": st.column_config.TextColumn("Source (file · where)", width="medium"),
            "version": st.column_config.NumberColumn("Ver.", width="small", format="%d"),
        },
        height=min(38 + 65 * len(rows), 720),
    )
    if num_pages > 1:
        st.pagination(num_pages, key="rv_page")


def _sources_of(db, conversation_ids: list[str]) -> dict[str, str]:
    unique = sorted(set(conversation_ids))
    if not unique:
        return {}
    marks = ",".join("?" * len(unique))
    return {cid: f"{source} · {locator}" for cid, source, locator in db.execute(
        f"SELECT id, source, locator FROM conversations WHERE id IN ({marks})", unique)}


def _open_clicked() -> None:
    click = state.get("rv_open_click")
    ids = state.get("rv_ids", [])
    row = getattr(click, "row", None) if click is not None else None
    if row is None and isinstance(click, dict):
        row = click.get("row")
    if row is not None and 0 <= int(row) < len(ids):
        open_pair(ids[int(row)])


def _save_table_edits(key: str) -> None:
    from ..review import table_edits as edits

    changes = edits.edits_to_changes(state.get("rv_ids", []), state.get("rv_versions", []),
                                     state.get(key))
    if not changes:
        return
    outcomes = edits.apply_changes(get_db(), changes, who=_who())
    state["rv_notices"] = [*state.get("rv_notices", []),
                           *((o.result, edits.describe(o)) for o in outcomes)]
    state["rv_editor_gen"] += 1


def _next_window(after_id: int) -> None:
    state["rv_prev_windows"] = [*state.get("rv_prev_windows", []), state.get("rv_after", 0)]
    state["rv_after"], state["rv_page"] = after_id, 1


def _previous_window() -> None:
    earlier = list(state.get("rv_prev_windows", []))
    state["rv_after"] = earlier.pop() if earlier else 0
    state["rv_prev_windows"] = earlier
    state["rv_page"] = 1


def _bulk_controls(db, where: PairFilter, total: int, window: store.Window) -> None:
    b = st.columns([1, 1, 1, 2.2])
    for col, (new_status, verb) in zip(b, BULK_VERBS.items(), strict=False):
        col.button(f"{verb} all matching", key=f"rv_bulk_{new_status}",
                   disabled=total == 0 and not window.more and not state.get("rv_after"),
                   on_click=_ask_bulk, args=(new_status,))
    b[3].checkbox("Also change pairs already decided (approved, rejected, deleted)",
                  key="rv_bulk_all_statuses")
    bulk = state.get("rv_bulk")
    if isinstance(bulk, store.BulkPreview):
        st.warning(f"{BULK_VERBS[bulk.new_status]} {bulk.total:,} pairs "
                   f"({bulk.where.describe()})?")
        plain(f"Pairs that would change, by current status: {bulk.describe()}.")
        c1, c2, _ = st.columns([1, 1, 4])
        c1.button("Confirm", key="rv_bulk_confirm", type="primary", on_click=_confirm_bulk)
        c2.button("Cancel", key="rv_bulk_cancel", on_click=lambda: state.pop("rv_bulk", None))


def _ask_bulk(new_status: str) -> None:
    where = current_filter()
    if not state.get("rv_bulk_all_statuses"):
        # A bulk action never overturns a decision unless the reviewer asked for it.
        statuses = [s for s in (where.statuses or PAIR_STATUSES) if s == PENDING]
        where = where.narrowed(statuses=tuple(statuses) or (PENDING,))
        if statuses == [] and where.statuses:
            where = where.narrowed(statuses=(PENDING,))
    state["rv_bulk"] = store.preview_bulk(get_db(), where, new_status)


def _confirm_bulk() -> None:
    preview = state.pop("rv_bulk", None)
    if not isinstance(preview, store.BulkPreview):
        return
    n = store.bulk_set_status(get_db(), preview.where, preview.new_status, who=_who())
    message = f"Set {n} pairs to {preview.new_status}."
    if n != preview.total:
        message += f" ({preview.total} were confirmed; others changed meanwhile.)"
    _notice("ok", message)
    state["rv_editor_gen"] += 1


# ---- conversation view --------------------------------------------------------------------------

def conversation_view(db) -> None:
    current = state.get("rv_current")
    pair = store.get_pair(db, current) if current else None
    if pair is None:
        first = store.queue_first(db, PairFilter())
        pair = store.get_pair(db, first) if first else None
    if pair is None:
        st.info("No pairs yet. Import and split conversations first.")
        return
    conversation = store.get_conversation(db, pair["conversation_id"])
    if conversation is None:
        plain("The conversation of this pair is not in the database.")
        return
    cid = conversation["id"]
    pairs = store.pairs_of_conversation(db, cid)
    live = [p for p in pairs if p["status"] != DELETED]
    st.markdown(f"**{view.md_escape(conversation['source'] or '')} · "
                f"{view.md_escape(conversation['locator'] or '')}** · {len(live)} "
                f"pair{'' if len(live) == 1 else 's'} ({len(pairs) - len(live)} deleted)")
    _promote_conversation_button(cid, pairs)
    left, right = st.columns([1.1, 1], gap="large")
    with right:
        turns = view.source_turns(conversation.get("turns"), None, None)
        with st.container(height=620, key="rv_source_box"):
            for turn in turns:
                st.caption(f"{turn.index}. {turn.header}")
                plain(turn.text)
    with left:
        for index, p in enumerate(live):
            pid = int(p["id"])
            with st.container(border=True, key=f"rv_conv_pair_{pid}"):
                st.markdown(f"**Pair {pid}** · {view.status_label(p['status'])}")
                st.caption("Question")
                plain(p["question"] or "")
                st.caption("Answer")
                plain(p["answer"] or "")
                nxt = live[index + 1] if index + 1 < len(live) else None
                with st.container(horizontal=True, gap="xsmall"):
                    st.button("Open", key=f"rv_conv_open_{pid}", on_click=open_pair,
                              args=(pid,))
                    st.button("Up", key=f"rv_conv_up_{pid}", disabled=index == 0,
                              on_click=_move, args=(pid, -1))
                    st.button("Down", key=f"rv_conv_down_{pid}",
                              disabled=index == len(live) - 1, on_click=_move, args=(pid, 1))
                    st.button("Merge with next", key=f"rv_conv_merge_{pid}",
                              disabled=nxt is None, on_click=_merge,
                              args=(pid, int(nxt["id"]) if nxt else 0))
                    if st.button("Split…", key=f"rv_conv_split_{pid}"):
                        state["rv_splitting"] = pid
                if state.get("rv_splitting") == pid:
                    _split_form(p)
        with st.form("rv_add_pair", clear_on_submit=True):
            st.markdown("**Add a pair the splitter missed**")
            question = st.text_area("Question", key="rv_add_question", height=90)
            answer = st.text_area("Answer", key="rv_add_answer", height=120)
            if st.form_submit_button("Add pair"):
                if question.strip() and answer.strip():
                    new_id = store.add_manual_pair(db, cid, question.strip(), answer.strip(),
                                                   who=_who())
                    _notice("ok", f"Added pair {new_id}.")
                    st.rerun()
                else:
                    st.error("A pair needs both a question and an answer.")


def _promote_conversation_button(cid: str, pairs: list[dict]) -> None:
    """Promote the whole conversation to the few-shot set: only once none of its pairs is
    pending (the example would teach the model to skip them) and one is approved."""
    pending = sum(p["status"] == PENDING for p in pairs)
    approved = sum(p["status"] == APPROVED for p in pairs)
    why_not = (f"{pending} pair{'' if pending == 1 else 's'} still pending: review "
               f"{'it' if pending == 1 else 'them'} first" if pending
               else "No approved pair to teach from" if not approved else None)
    st.button("Promote conversation to few-shot", key="rv_conv_promote", width="content",
              on_click=_promote_conversation, args=(cid,), disabled=why_not is not None,
              icon=":material/school:",
              help=why_not or "Add this conversation, every turn numbered, with its approved "
                              "pairs to the examples the LLM splitter learns from")


def _promote_conversation(cid: str) -> None:
    from ..prompts import fewshot_set

    try:
        example_id = fewshot_set.promote_conversation(get_db(), cid, who=_who())
    except fewshot_set.FewShotSetError as exc:
        _notice("warning", str(exc))
        return
    _notice("ok", f"Conversation {cid} is few-shot example {example_id} (see the Prompt page)")


def _split_form(pair: dict) -> None:
    pid = int(pair["id"])
    with st.form(f"rv_split_form_{pid}"):
        plain("Edit the two halves; the first stays this pair, the second becomes a new one.")
        q1 = st.text_area("First question", value=pair["question"] or "", height=80)
        a1 = st.text_area("First answer", value=pair["answer"] or "", height=100)
        q2 = st.text_area("Second question", value="", height=80)
        a2 = st.text_area("Second answer", value="", height=100)
        if st.form_submit_button("Split pair"):
            result, new_id = store.split_pair(get_db(), pid,
                                              expected_version=int(pair["version"]),
                                              first=(q1, a1), second=(q2, a2), who=_who())
            state["rv_splitting"] = None
            _notice("ok" if result == store.OK else "conflict",
                    f"Split pair {pid}; the second half is pair {new_id}." if new_id
                    else f"Pair {pid} was not split ({result}).")
            st.rerun()


def _move(pair_id: int, offset: int) -> None:
    if not store.move_pair(get_db(), pair_id, offset, who=_who()):
        _notice("ok", "That pair cannot move further.")


def _merge(first_id: int, second_id: int) -> None:
    db = get_db()
    a, b = store.get_pair(db, first_id), store.get_pair(db, second_id)
    if a is None or b is None:
        return
    result = store.merge_pairs(db, first_id, second_id,
                               versions={first_id: int(a["version"]),
                                         second_id: int(b["version"])}, who=_who())
    _notice("ok" if result == store.OK else "conflict",
            f"Merged pair {second_id} into {first_id}." if result == store.OK
            else f"Not merged ({result}).")


# ---- trash ------------------------------------------------------------------------------------

def trash_view(db) -> None:
    rows = store.trash(db, limit=200)
    if not rows:
        st.info("The trash is empty: no pair has been deleted by a reviewer.")
        return
    st.caption(f"{len(rows)} deleted pair(s), newest first (the last 200).")
    st.button("Restore all", key="rv_trash_all",
              on_click=lambda: _notice("ok", f"Restored "
                                       f"{store.restore_all_deleted(get_db(), who=_who())} "
                                       "pairs."))
    for row in rows:
        pid = int(row["id"])
        with st.container(border=True, key=f"rv_trash_{pid}"):
            c1, c2 = st.columns([5, 1])
            with c1:
                plain(f"Pair {pid} · deleted by {row['deleted_by']} at "
                      f"{view.short_time(row['deleted_at'])} · "
                      f"was {row['status_before']}")
                plain(row["question"] or "")
            c2.button("Restore", key=f"rv_trash_restore_{pid}", on_click=_restore_deleted,
                      args=(pid, int(row["version"])))


def _restore_deleted(pair_id: int, version: int) -> None:
    result = store.restore_deleted(get_db(), pair_id, expected_version=version, who=_who())
    _notice("ok" if result == store.OK else "conflict",
            f"Restored pair {pair_id}." if result == store.OK
            else f"Pair {pair_id} was not restored ({result}).")


VIEWS = {"Focus": focus_view, "Table": table_view, "Conversation": conversation_view,
         "Trash": trash_view}
