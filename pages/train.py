"""Train: fine-tuning jobs started from exports, as last seen at their provider."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.jobs import store as jobs
from reviewer.presenters import evaluate as view

ctx = ui.page_setup("Train")
st.title("Train")

recorded = jobs.recent(ctx.db, kind="fine-tune")
if not recorded:
    st.info("No fine-tuning jobs yet. Export the approved pairs (Export page), then start a "
            "job on a provider that still trains (OpenAI until 2027-01-06 for organisations "
            "that already have access, Azure OpenAI v1, any OpenAI-shaped host):")
    ui.plain_block("reviewer train start out/set.manifest.json --provider NAME --model MODEL\n"
                   "reviewer train follow JOB_ID")
    ui.plain("Or train it yourself: the export loads as is in TRL's SFTTrainer, Unsloth and "
             "Axolotl (chat messages format).")
    st.stop()

st.dataframe(pd.DataFrame(view.job_rows(recorded)), hide_index=True)
chosen = st.selectbox("Job", [j.id for j in recorded], key="tr_job")
job = jobs.get(ctx.db, chosen)
if job is not None and st.button("Ask the provider for its state now", key="tr_refresh"):
    from reviewer.training import TrainingError, follow_once, job_events
    from reviewer.training.service import trainer_for

    try:
        trainer = trainer_for(job.provider or "openai")
        follow_once(ctx.db, trainer, chosen)
        st.session_state["tr_events"] = job_events(ctx.db, trainer, chosen)
    except Exception as exc:  # provider unreachable or refusing: say so, keep the page
        st.warning("The provider did not answer.")
        ui.plain(str(exc) if isinstance(exc, TrainingError) else type(exc).__name__)
    st.rerun()
events = st.session_state.get("tr_events") or []
if events:
    st.subheader("Events")
    st.dataframe(pd.DataFrame(events), hide_index=True)
