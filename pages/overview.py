"""Overview: the next step in Import → Split → Review → Export → Train → Evaluate → back to
Review, how far the data has come (pairs per status, conversations per split status) and
what the model calls so far used and cost."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.llm.usage import format_usd, spend_rows, spend_summary
from reviewer.presenters import overview as view
from reviewer.review import store
from reviewer.runs import recent_runs

ctx = ui.page_setup("Overview")
st.title("Overview")

pair_counts = store.status_counts(ctx.db)
conv_counts = store.conversation_counts(ctx.db)

steps = view.next_steps(pair_counts, conv_counts, view.loop_state(ctx.db))
for i, step in enumerate(steps):
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info(step.message)
    if right.button(step.action, key=step.key, type="primary" if i == 0 else "secondary",
                    width="stretch"):
        if step.review_flag:
            st.session_state.update(rv_status="all", rv_flag=step.review_flag,
                                    rv_mode="Focus", rv_search="", rv_source="",
                                    rv_current=None)
        st.switch_page(step.page)

st.subheader("Pairs")
cols = st.columns(len(pair_counts) + 1)
cols[0].metric("All pairs", sum(pair_counts.values()))
for col, (status, n) in zip(cols[1:], pair_counts.items(), strict=True):
    col.metric(status.capitalize(), n)

st.subheader("Conversations")
cards = view.conversation_metrics(conv_counts)
for col, (label, n) in zip(st.columns(len(cards)), cards, strict=True):
    col.metric(label, n)

trained = view.training_lines(ctx.db)
if trained:
    st.subheader("Training and evaluation")
    for line in trained:
        ui.plain(line)

st.subheader("Model calls")
spend = spend_summary(ctx.db)
if spend.calls:
    cols = st.columns(4)
    cols[0].metric("Calls", spend.calls)
    cols[1].metric("Tokens in", spend.input_tokens)
    cols[2].metric("Tokens out", spend.output_tokens)
    cols[3].metric("Estimated cost", format_usd(spend.cost_usd))
    st.dataframe(pd.DataFrame(spend_rows(spend)), hide_index=True)
    ui.plain("Costs are estimates from the model price table (fine-tuned inference prices, an "
             "upper bound for base models); servers on this machine cost 0; models the table "
             "does not know are counted as unpriced. Details: reviewer llm-calls.")
else:
    ui.plain("No model calls yet.")

st.subheader("Recent runs")
runs = recent_runs(ctx.db, limit=20)  # marks runs whose process is gone as interrupted
interrupted = [r["id"] for r in runs if r["status"] == "interrupted"]
if interrupted:
    st.warning(f"Interrupted run(s): {', '.join(map(str, interrupted))}. Their process stopped "
               "before they finished; run the command again to complete the work.")
if runs:
    st.dataframe(pd.DataFrame(view.run_rows(runs)), hide_index=True, key="ov_runs",
                 column_config={"result": st.column_config.TextColumn(width="large")})
else:
    ui.plain("No runs yet. Start on the Import page.")
