"""Review: one page of pairs in an editable table; every edit is saved at once.

Edits follow the pattern that keeps them reliable: the table is re-read from SQLite on every
run, the ids/versions of the rows shown are kept in session state, the editor's change
callback maps row positions to those ids, saves with a version check, then bumps the
editor's key so it remounts on the fresh rows. The editor's return value is never fed back.
"""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.review import PAIR_STATUSES, PairFilter, store
from reviewer.review import table_edits as edits

PAGE_SIZE = 50
FILTERS = ["all", *PAIR_STATUSES]
BULK_VERBS = {"approved": "Approve", "rejected": "Reject", "deleted": "Delete"}

ctx = ui.page_setup("Review")
who = ui.require_reviewer()
state = st.session_state


# ---- callbacks (run before the page body on the next run) -----------------------------------

def save_edits(key: str) -> None:
    changes = edits.edits_to_changes(
        state.get("rv_ids", []), state.get("rv_versions", []), state.get(key))
    if not changes:  # the editor may report an empty edit after reconciling
        return
    outcomes = edits.apply_changes(ui.get_db(), changes, who=ui.reviewer_name() or who)
    state["rv_notices"] = [*state.get("rv_notices", []),
                           *((o.result, edits.describe(o)) for o in outcomes)]
    state["rv_editor_gen"] += 1


SIDE_FIELDS = ("status", "system", "question", "answer")


def side_key(field: str, pair_id: int, version: int) -> str:
    # The row's version is part of the key: after any save (here, in the table, a bulk action
    # or another reviewer's) the editor remounts on the current row instead of stale text.
    return f"rv_side_{field}_{pair_id}_v{version}"


def save_side(pair_id: int, version: int) -> None:
    values = {f: state.get(side_key(f, pair_id, version)) for f in SIDE_FIELDS}
    change = edits.form_change(pair_id, version, values)
    outcomes = edits.apply_changes(ui.get_db(), [change], who=ui.reviewer_name() or who)
    state["rv_notices"] = [*state.get("rv_notices", []),
                           *((o.result, edits.describe(o, "editor")) for o in outcomes)]
    if any(o.result == "ok" for o in outcomes):
        state["rv_editor_gen"] += 1  # the table remounts on the saved row


def reset_page() -> None:
    state["rv_page"] = 1
    state["rv_after"], state["rv_prev_windows"] = 0, []
    state.pop("rv_bulk", None)


def next_window(after_id: int) -> None:
    state["rv_prev_windows"] = [*state.get("rv_prev_windows", []), state["rv_after"]]
    state["rv_after"], state["rv_page"] = after_id, 1


def previous_window() -> None:
    earlier = list(state.get("rv_prev_windows", []))
    state["rv_after"] = earlier.pop() if earlier else 0
    state["rv_prev_windows"] = earlier
    state["rv_page"] = 1


def current_filter() -> PairFilter:
    return PairFilter.of(state["rv_status"], state["rv_search"])


def ask_bulk(new_status: str) -> None:
    # The exact count per status (the table's count may stop at the search cap), fixed now:
    # pairs added after this question are not part of what the reviewer confirms.
    state["rv_bulk"] = store.preview_bulk(ui.get_db(), current_filter(), new_status)


def confirm_bulk() -> None:
    preview = state.pop("rv_bulk", None)
    if not isinstance(preview, store.BulkPreview):
        return
    n = store.bulk_set_status(ui.get_db(), preview.where, preview.new_status,
                              who=ui.reviewer_name() or who)
    message = f"Set {n} pairs to {preview.new_status}."
    if n != preview.total:
        message += f" ({preview.total} were confirmed; others changed meanwhile.)"
    state["rv_notices"] = [*state.get("rv_notices", []), ("ok", message)]
    state["rv_editor_gen"] += 1


def cancel_bulk() -> None:
    state.pop("rv_bulk", None)


# ---- deep link ?pair=ID (from the Export page's findings) -----------------------------------

linked = st.query_params.get("pair")
if linked:
    del st.query_params["pair"]  # handled once; later reruns keep the reviewer's own filter
    target = int(linked) if linked.isdigit() else None
    where = (store.position_of(ctx.db, target, PairFilter(), PAGE_SIZE)
             if target is not None else None)
    if where is None:
        st.warning("The linked pair was not found.")
    else:
        state["rv_status"], state["rv_search"] = "all", ""
        state["rv_page"] = where[0] + 1
        state["rv_after"], state["rv_prev_windows"] = 0, []
        state["rv_show"] = target
        state.pop("rv_bulk", None)

# ---- page ------------------------------------------------------------------------------------

st.title("Review")

for kind, message in state.get("rv_notices", []):
    if kind in ("ok", "unchanged"):
        st.toast(message)
    else:
        st.warning(message)
state["rv_notices"] = []

counts = store.status_counts(ctx.db)
count_cols = st.columns(len(counts))
for col, (name, n) in zip(count_cols, counts.items(), strict=True):
    col.metric(name.capitalize(), n)

f1, f2 = st.columns([1, 3])
f1.selectbox("Status", FILTERS, key="rv_status", on_change=reset_page)
f2.text_input("Search system, question and answer", key="rv_search", on_change=reset_page,
              placeholder="words or part of a word, English or 한국어")
where = current_filter()

# Without a search the per-status counts answer; a search counts a bounded window of
# candidates and pages through later matches window by window (keyset on the pair id).
window = store.match_window(ctx.db, where, after_id=state["rv_after"])
total = window.matches
num_pages = max(1, -(-total // PAGE_SIZE))
if not isinstance(state.get("rv_page"), int) or not 1 <= state["rv_page"] <= num_pages:
    state["rv_page"] = 1

# Bulk actions over everything matching the filter, after a confirmation showing the count.
b1, b2, b3, _ = st.columns([1, 1, 1, 3])
for col, (new_status, verb) in zip((b1, b2, b3), BULK_VERBS.items(), strict=True):
    col.button(f"{verb} all matching", key=f"rv_bulk_{new_status}",
               disabled=total == 0 and not window.more and not state["rv_after"],
               on_click=ask_bulk, args=(new_status,))
bulk = state.get("rv_bulk")
if bulk:
    st.warning(f"{BULK_VERBS[bulk.new_status]} {bulk.total:,} pairs ({bulk.where.describe()})?")
    ui.plain(f"Pairs that would change, by current status: {bulk.describe()}.")
    c1, c2, _ = st.columns([1, 1, 4])
    c1.button("Confirm", key="rv_bulk_confirm", type="primary", on_click=confirm_bulk)
    c2.button("Cancel", key="rv_bulk_cancel", on_click=cancel_bulk)

page = state["rv_page"]
rows = store.page(ctx.db, where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                  after_id=window.after_id, before_id=window.before_id)
state["rv_ids"] = [r["id"] for r in rows]
state["rv_versions"] = [r["version"] for r in rows]

windowed = window.more or bool(state["rv_after"])
where_note = f" · after pair {window.after_id}" if window.after_id else ""
st.caption(f"{window.label()} matching pairs{where_note} · page {page} of {num_pages} · "
           f"{PAGE_SIZE} per page")
if windowed:
    if window.more:
        st.caption(f"The search stops counting after {store.COUNT_CAP:,} candidates; "
                   "Next matches continues from there.")
    w1, w2, _ = st.columns([1, 1, 4])
    w1.button("Previous matches", key="rv_prev_window", on_click=previous_window,
              disabled=not state["rv_after"])
    w2.button("Next matches", key="rv_next_window", on_click=next_window,
              args=(window.next() or 0,), disabled=not window.more)

left, right = st.columns([3, 2])
with left:
    if rows:
        frame = pd.DataFrame({
            "id": pd.Series([r["id"] for r in rows], dtype="int64"),
            "status": pd.Series([r["status"] for r in rows], dtype="object"),
            "system": pd.Series([r["system"] or "" for r in rows], dtype="object"),
            "question": pd.Series([r["question"] or "" for r in rows], dtype="object"),
            "answer": pd.Series([r["answer"] or "" for r in rows], dtype="object"),
            "conversation": pd.Series([r["conversation_id"][:10] for r in rows], dtype="object"),
            "version": pd.Series([r["version"] for r in rows], dtype="int64"),
        })
        editor_key = f"rv_editor_{state['rv_editor_gen']}"
        st.data_editor(
            frame,
            key=editor_key,
            on_change=save_edits,
            args=(editor_key,),
            num_rows="fixed",
            hide_index=True,
            disabled=["id", "conversation", "version"],
            column_config={
                "id": st.column_config.NumberColumn("ID", width="small", format="%d"),
                "status": st.column_config.SelectboxColumn(
                    "Status", options=list(PAIR_STATUSES), required=True, width="small"),
                "system": st.column_config.TextColumn("System", width="medium"),
                "question": st.column_config.TextColumn("Question", width="medium"),
                "answer": st.column_config.TextColumn("Answer", width="large"),
                "conversation": st.column_config.TextColumn("Conversation", width="small"),
                "version": st.column_config.NumberColumn("Ver.", width="small", format="%d"),
            },
            height=min(38 + 35 * len(rows), 800),
        )
    else:
        ui.plain("No pairs match this filter.")
    if num_pages > 1:
        st.pagination(num_pages, key="rv_page")

with right:
    ids = state["rv_ids"]
    if ids:
        if state.get("rv_show") not in ids:
            state["rv_show"] = ids[0]
        shown = st.selectbox("Pair", ids, key="rv_show",
                             format_func=lambda pid: f"Pair {pid}")
        pair = store.get_pair(ctx.db, shown)
        if pair:
            # Long answers are edited here: table cells are single-line editors.
            pid, version = int(pair["id"]), int(pair["version"])
            with st.form(f"rv_side_form_{pid}_v{version}", border=True):
                st.selectbox("Status", list(PAIR_STATUSES),
                             index=list(PAIR_STATUSES).index(pair["status"])
                             if pair["status"] in PAIR_STATUSES else 0,
                             key=side_key("status", pid, version))
                for field, height in (("system", 68), ("question", 120), ("answer", 240)):
                    st.text_area(field.capitalize(), value=pair[field] or "", height=height,
                                 key=side_key(field, pid, version))
                st.form_submit_button("Save pair", type="primary", key="rv_side_save",
                                      on_click=save_side, args=(pid, version))
        st.subheader("Source conversation")
        conversation = store.get_conversation(ctx.db, pair["conversation_id"]) if pair else None
        if conversation:
            ui.plain(f"{conversation['source'] or ''} {conversation['locator'] or ''}".strip())
            ui.plain_block(conversation["text"])
        else:
            ui.plain("The conversation of this pair is not in the database.")
        if pair:
            ui.plain(f"Pair {pair['id']} · position {pair['position']} · "
                     f"version {pair['version']} · origin {pair['origin'] or '-'}")
