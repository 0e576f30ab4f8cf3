"""Review: one pair at a time beside its source (keys on every action), a table for
scanning and bulk work, one conversation with all its pairs, and the trash."""

import streamlit as st

from reviewer import ui
from reviewer.presenters import review as view
from reviewer.ui import review as views

ctx = ui.page_setup("Review")
who = ui.require_reviewer()
state = st.session_state

# Deep link ?pair=ID[&finding=…] (from the Export page's findings): open it in the focus view.
linked = st.query_params.get("pair")
if linked:
    finding = st.query_params.get("finding")
    st.query_params.clear()  # handled once; later reruns keep the reviewer's own queue
    if linked.isdigit() and views.store.get_pair(ctx.db, int(linked)) is not None:
        state.update(rv_status="all", rv_search="", rv_source="", rv_flag="", rv_mode="Focus")
        views.open_pair(int(linked))
        state["rv_finding"] = view.finding_text(finding)
    else:
        st.warning("The linked pair was not found.")

views.style()
st.title("Review")
views.notices()
st.segmented_control("View", views.MODES, key="rv_mode", label_visibility="collapsed")
views.filters(ctx.db)
views.VIEWS.get(state.get("rv_mode") or "Focus", views.focus_view)(ctx.db)
if (state.get("rv_mode") or "Focus") == "Focus":
    st.caption("Keys: " + view.key_legend())
