"""Train: fine-tuning jobs started from exports, as last seen at their provider: state,
where to call the tuned model, estimated against actual trained tokens and cost, the loss
curve, checkpoints and events."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.jobs import store as jobs
from reviewer.presenters import train as view
from reviewer.training.report import job_report

ctx = ui.page_setup("Train")
st.title("Train")

recorded = jobs.recent(ctx.db, kind="fine-tune")
manifest = view.latest_manifest(ctx.db)
if not recorded:
    st.info("No fine-tuning jobs yet. Export the approved pairs (Export page), then start a "
            "job on a provider that still trains (OpenAI until 2027-01-06 for organisations "
            "that already have access, Azure OpenAI v1, Together, Fireworks, any "
            "OpenAI-shaped host):")
    ui.plain_block(view.start_command(manifest))
    ui.plain(view.export_note(manifest))
    if not manifest and st.button("Go to Export", key="tr_go_export", type="primary"):
        st.switch_page("pages/export.py")
    ui.plain("Or train it yourself: the export loads as is in TRL's SFTTrainer, Unsloth and "
             "Axolotl (chat messages format).")
    st.stop()

st.dataframe(pd.DataFrame(view.job_rows(recorded)), hide_index=True, key="tr_jobs",
             column_config={"trained tokens": st.column_config.NumberColumn(format="localized"),
                            "tuned model": st.column_config.TextColumn(width="medium")})
with st.expander("Start another fine-tuning job"):
    ui.plain(view.export_note(manifest))
    ui.plain_block(view.start_command(manifest))
by_id = {j.id: j for j in recorded}
chosen = st.selectbox("Job to show", list(by_id), key="tr_job",
                      format_func=lambda i: view.job_label(by_id[i]))
events_key = f"tr_events_{chosen}"
if st.button("Refresh from the provider", key="tr_refresh", icon=":material/refresh:",
             help="Asks the provider for this job's state, loss metrics, checkpoints and "
                  "events (nothing is started or changed there)."):
    from reviewer.training import TrainingError, job_events
    from reviewer.training.service import fetch_results, trainer_for

    try:
        trainer = trainer_for(by_id[chosen].provider or "openai")
        fetch_results(ctx.db, trainer, chosen)
        st.session_state[events_key] = job_events(ctx.db, trainer, chosen)
    except Exception as exc:  # provider unreachable or refusing: say so, keep the page
        st.session_state["tr_problem"] = (str(exc) if isinstance(exc, TrainingError)
                                          else type(exc).__name__)
    st.rerun()
if problem := st.session_state.pop("tr_problem", None):
    st.warning("The provider did not answer.")
    ui.plain(problem)

job = jobs.get(ctx.db, chosen)
assert job is not None
report = job_report(ctx.db, job)
st.subheader("State")
ui.plain(view.state_line(job))
if job.error:
    st.error("The job failed at the provider:")
    ui.plain(job.error)

if report["serving"]:
    st.subheader("Call the tuned model")
    ui.plain_block(view.serving_block(report["serving"]))
    note = report["serving"].get("note") or ""
    if report["serving"].get("needs_deployment"):
        st.warning(note)
    elif note:
        st.caption(note)

st.subheader("Trained tokens and cost")
for column, (label, value, change, help_text) in zip(
        st.columns(4), view.cost_cards(report["costs"]), strict=True):
    column.metric(label, value, delta=change, delta_color="off", help=help_text)

st.subheader("Loss")
points = view.curve_points(report["loss_curve"])
if points:
    st.line_chart(pd.DataFrame(points), x="step", y="loss", color="curve",
                  x_label="training step", y_label="loss (lower is better)")
else:
    st.caption("No metrics yet: the provider writes them as the job trains or when it ends. "
               "Refresh from the provider to fetch them.")
if report["metrics_problems"]:
    st.warning(f"{len(report['metrics_problems'])} row(s) of the metrics file were skipped:")
    ui.plain("\n".join(report["metrics_problems"]))

if report["checkpoints"]:
    st.subheader("Checkpoints")
    st.dataframe(pd.DataFrame(view.checkpoint_rows(report["checkpoints"])), hide_index=True,
                 key="tr_checkpoints",
                 column_config={"checkpoint model": st.column_config.TextColumn(width="large")})

events = st.session_state.get(events_key) or []
st.subheader("Events")
if events:
    st.dataframe(pd.DataFrame(view.event_rows(events)), hide_index=True, key="tr_events")
else:
    st.caption("The provider's event log shows here after Refresh from the provider.")
