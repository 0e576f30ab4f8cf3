"""Evaluate: how a model answered the held-out questions, scored against the approved
answers; the weak tail, and one click to send it back to review."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.evaluation import store as evals
from reviewer.presenters import evaluate as view

ctx = ui.page_setup("Evaluate")
state = st.session_state
st.title("Evaluate")

runs = evals.list_runs(ctx.db)
if not runs:
    st.info("No evaluation runs yet. Export with a held-out share (Export page or "
            "`reviewer export out/set.jsonl --holdout 0.1`), then score a model on it:")
    ui.plain_block("reviewer eval run out/set.valid.jsonl --model MODEL --provider NAME "
                   "--name base")
    st.stop()

chosen = st.selectbox("Run", [r["id"] for r in runs], key="ev_run",
                      format_func=lambda rid: view.run_label(next(r for r in runs
                                                                   if r["id"] == rid)))
run = evals.get_run(ctx.db, chosen)
assert run is not None
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("Scores")
    st.dataframe(pd.DataFrame(view.mean_rows(run["summary"])), hide_index=True)
    ui.plain(f"Embedder: {run['metadata'].get('embedder', {}).get('name', '?')} · model "
             f"{run['model']} ({run['provider']}) · {run['source']}")
with right:
    st.subheader("Cosine of each answer to its reference")
    hist = view.histogram_rows(run["summary"])
    if hist:
        st.bar_chart(pd.DataFrame(hist), x="cosine", y="answers")

st.subheader("Items, weakest first")
below = st.slider("Weak below (cosine)", 0.0, 1.0, 0.5, 0.05, key="ev_below")
rows = view.item_rows(evals.run_items(ctx.db, chosen), below)
weak = sum(1 for r in rows if r["weak"])
st.dataframe(pd.DataFrame(rows), hide_index=True, row_height=60,
             column_config={"question": st.column_config.TextColumn(width="medium"),
                            "reference": st.column_config.TextColumn(width="large"),
                            "model answer": st.column_config.TextColumn(width="large")})
ui.plain(f"{weak} of {len(rows)} items are weak.")
if weak:
    who = ui.require_reviewer()
    if st.button(f"Send the {weak} weak items back to review", key="ev_send_back"):
        from reviewer.evaluation.runner import send_weak_back

        flagged = send_weak_back(ctx.db, chosen, below=below, who=who)
        st.success(f"{len(flagged)} pairs flagged weak_in_eval.")
        if st.button("Review them", key="ev_review"):
            state.update(rv_status="all", rv_flag="weak_in_eval", rv_mode="Focus",
                         rv_current=None)
            st.switch_page("pages/review.py")
