"""Evaluate: start an evaluation (one model, or base vs tuned) as a background job, read a
run's scores and items, compare base and tuned side by side, and send weak clusters back
to review."""

from pathlib import Path

import pandas as pd
import streamlit as st

from reviewer import jobs, ui
from reviewer.evaluation import store as evals
from reviewer.evaluation.job import KIND, EvalSetupError, EvalSpec, start_eval_job
from reviewer.evaluation.sendback import WeakRule, clusters, send_back, weak_items
from reviewer.evaluation.sidebyside import side_by_side
from reviewer.evaluation.sources import exported_heldout_files
from reviewer.presenters import evaluate as view

ctx = ui.page_setup("Evaluate")
state = st.session_state
st.title("Evaluate")

runs = evals.list_runs(ctx.db)
active = jobs.store.active(ctx.db, KIND)
busy = active is not None

if not runs:
    st.info("No evaluation runs yet. Scoring needs approved pairs the model was not trained "
            "on: export with a held-out share from the command line (the Export page builds "
            "one file without one), then score a model on it here or with the second line:")
    ui.plain_block("reviewer export out/set.jsonl --holdout 0.1\n"
                   "reviewer eval run --split valid --model TUNED --base-model BASE "
                   "--provider NAME")

# ---- start an evaluation ------------------------------------------------------------------
with st.expander("Start an evaluation", expanded=not runs):
    files = exported_heldout_files(ctx.db)
    if not files:
        ui.plain("No export with a held-out file yet: run the export line above first (the "
                 "Export page builds a single file).")
    else:
        from reviewer.llm import load_providers

        source = st.selectbox("Held-out file", [str(f) for f in files], key="ev_source")
        providers = sorted(load_providers(None))
        c1, c2, c3 = st.columns(3)
        provider = c1.selectbox("Provider", providers, key="ev_provider")
        model = c2.text_input("Model (tuned)", key="ev_model", placeholder="ft:gpt-4o-mini:…")
        base_model = c3.text_input("Base model (optional, for base vs tuned)",
                                   key="ev_base_model", placeholder="gpt-4o-mini")
        quick = st.checkbox("Quick check: hashed character n-grams instead of the sentence "
                            "encoder (not comparable with encoder runs)", key="ev_quick")
        if st.button("Evaluate", type="primary", key="ev_start", disabled=busy or not model):
            spec = EvalSpec(source=Path(source), model=model.strip(),
                            base_model=(base_model or "").strip() or None, provider=provider,
                            embedder="hash" if quick else "use",
                            who=ui.reviewer_name() or "app")
            try:
                start_eval_job(ctx.db_path, spec)
            except EvalSetupError as exc:
                st.error("Cannot start the evaluation.")
                ui.plain(str(exc))
            except jobs.JobBusy as exc:  # started meanwhile from another tab or the CLI
                st.warning(str(exc))
            else:
                st.rerun()


@st.fragment(run_every=1.0 if busy else None)
def eval_progress() -> None:
    job = jobs.store.latest(ui.get_db(), KIND)
    if job is None:
        return
    if job.active:
        st.progress(job.fraction, text=view.job_line(job))
        return
    if job.status == jobs.FAILED:
        st.error(view.job_line(job))
    elif job.status == jobs.INTERRUPTED:
        st.warning(view.job_line(job))
    elif state.get("ev_job_seen") != job.id:
        ui.plain(view.job_line(job))
    if busy and state.get("ev_job_seen") != job.id:
        state["ev_job_seen"] = job.id
        run_ids = (job.result or {}).get("run_ids") or []
        if run_ids:
            state["ev_pick"] = max(run_ids)  # shown once the page runs again
        st.rerun()  # the whole page: the new runs appear, and this fragment stops polling


eval_progress()

if not runs:
    st.stop()

# ---- runs -----------------------------------------------------------------------------------
st.subheader("Runs")
st.dataframe(pd.DataFrame(view.run_rows(runs)), hide_index=True, key="ev_runs_table",
             column_config={"model": st.column_config.TextColumn(width="large")})
ids = [r["id"] for r in runs]
if state.get("ev_pick") in ids:
    state["ev_run"] = state.pop("ev_pick")
if state.get("ev_run") not in ids:
    state["ev_run"] = ids[0]
chosen = st.selectbox("Run to show", ids, key="ev_run",
                      format_func=lambda rid: view.run_label(next(r for r in runs
                                                                   if r["id"] == rid)))
run = evals.get_run(ctx.db, chosen)
assert run is not None

# ---- base vs tuned ----------------------------------------------------------------------------
linked = evals.pair_of(run)
if linked is not None:
    st.subheader("Base vs tuned: did fine-tuning help?")
    try:
        pair = side_by_side(ctx.db, *linked)
    except (KeyError, ValueError) as exc:
        st.warning("These runs cannot be compared.")
        ui.plain(str(exc))
    else:
        st.info(view.verdict(pair))
        ui.plain(f"Base #{pair.base['id']} ({pair.base['model']}) and tuned "
                 f"#{pair.tuned['id']} ({pair.tuned['model']}) on the same {pair.items} items.")
        st.dataframe(pd.DataFrame(view.pair_mean_rows(pair)), hide_index=True,
                     key="ev_pair_means")
        st.caption(view.ci_note(pair))
        st.vega_lite_chart(
            pd.DataFrame(view.pair_histogram_rows(pair)),
            view.histogram_spec(view.pair_histogram_rows(pair), "run",
                                "How close each answer is to its reference, base and tuned"),
            key="ev_pair_hist", height=300)
        ui.plain(view.flip_line(pair))
        flips = view.flip_rows(pair)
        if flips:
            st.dataframe(pd.DataFrame(flips), hide_index=True, key="ev_flips",
                         column_config={
                             "question": st.column_config.TextColumn(width="large"),
                             "base": st.column_config.NumberColumn("base cosine",
                                                                   format="%.2f"),
                             "tuned": st.column_config.NumberColumn("tuned cosine",
                                                                    format="%.2f")})

# ---- this run -------------------------------------------------------------------------------
st.subheader(f"Run #{run['id']}: {run.get('role') or run['name']} · {run['model']}")
left, right = st.columns([1, 1], gap="large")
with left:
    st.dataframe(pd.DataFrame(view.mean_rows(run["summary"])), hide_index=True,
                 key="ev_scores",
                 column_config={"mean": st.column_config.NumberColumn(format="%.3f")})
    st.caption(view.run_caption(run))
histogram_place = right.empty()

st.markdown("**Which answers count as weak**")
w1, w2 = st.columns([1, 2])
mode = w1.radio("Weak means", ["below a cosine", "the lowest share"], key="ev_weak_mode",
                horizontal=True)
if mode == "below a cosine":
    below = w2.slider("Weak below (cosine)", 0.0, 1.0, 0.5, 0.05, key="ev_below")
    rule = WeakRule(below=below)
else:
    share = w2.slider("Lowest share of items (%)", 1, 50, 10, 1, key="ev_lowest")
    rule = WeakRule(lowest=share / 100)
weak = weak_items(ctx.db, chosen, rule)
weak_ids = {w.item_id for w in weak}

hist = view.histogram_rows(run["summary"], view.weak_cut(rule.below, [w.cosine for w in weak]))
if hist:
    histogram_place.vega_lite_chart(
        pd.DataFrame(hist),
        view.histogram_spec(hist, "part" if "part" in hist[0] else None,
                            "How close each answer is to its reference"),
        key="ev_run_hist", height=300)

st.subheader("Items")
s1, s2 = st.columns(2)
sort_by = s1.selectbox("Sort by", list(view.SCORE_COLUMNS), key="ev_sort_by")
order = s2.radio("Order", list(view.SORTS), key="ev_order", horizontal=True)
items = view.sorted_items(evals.run_items(ctx.db, chosen, order="item"),
                          view.SCORE_COLUMNS[sort_by], view.SORTS[order])
rows = view.item_rows(items, weak_ids=weak_ids)
picked = st.dataframe(pd.DataFrame(rows).style.apply(view.weak_row_style, axis=1)
                      .format(view.ITEM_FORMATS), hide_index=True, key="ev_items",
                      on_select="rerun", selection_mode="single-row",
                      column_config={"weak": st.column_config.TextColumn(width=40),
                            "question": st.column_config.TextColumn(width="medium"),
                            "reference": st.column_config.TextColumn(width="medium"),
                            "model answer": st.column_config.TextColumn(width="medium"),
                            "pair": st.column_config.NumberColumn(width=60)})
ui.plain(f"{len(weak)} of {len(rows)} items are weak ({rule.describe()}), tinted and marked ⚑.")
if items:
    shown = view.picked_item(items, picked)
    st.markdown(f"**{view.item_heading(shown, weak_ids)}** (select a row above to read "
                "another)")
    q, r, a = st.columns(3, gap="medium")
    for column, (label, text) in zip((q, r, a), view.item_texts(shown), strict=True):
        with column:
            st.caption(label)
            ui.plain_block(text)


def _sent(what: str, flagged: list[int]) -> None:
    state["ev_sent"] = (what, flagged)


if weak:
    who = ui.require_reviewer()
    st.subheader("Patterns among the weak items")
    groups = clusters(ctx.db, chosen, rule)
    st.dataframe(pd.DataFrame(view.cluster_rows(groups)), hide_index=True, key="ev_clusters",
                 column_config={"representative question": st.column_config.TextColumn(
                     width="large"),
                     "mean cosine": st.column_config.NumberColumn(format="%.3f")})
    st.caption(view.SEND_BACK_NOTE)
    with st.container(horizontal=True, key="ev_cluster_buttons"):
        for group in groups:
            if st.button(view.send_label(group), key=f"ev_send_cluster_{group.number}",
                         width="content"):
                _sent(f"cluster {group.number}",
                      send_back(ctx.db, chosen, group.item_ids, who=who))
        if st.button(f"Send all {len(weak)} weak items to review", key="ev_send_back"):
            _sent(f"{len(weak)} weak items",
                  send_back(ctx.db, chosen, sorted(weak_ids), who=who))

sent = state.get("ev_sent")
if sent:
    what, flagged = sent
    st.success(f"{what}: {len(flagged)} pairs flagged weak_in_eval. The Review page shows "
               "the model's answer beside each reference.")
    if flagged and st.button("Review them", key="ev_review", type="primary"):
        state.pop("ev_sent", None)
        state.update(rv_status="all", rv_flag="weak_in_eval", rv_mode="Focus",
                     rv_search="", rv_source="", rv_current=flagged[0])
        st.switch_page("pages/review.py")
