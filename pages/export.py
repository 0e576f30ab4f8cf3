"""Export approved pairs as fine-tuning JSONL after the readiness gate; show its report."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.exporting import ExportOptionError, export_and_keep
from reviewer.presenters import export as view
from reviewer.review import store

ctx = ui.page_setup("Export")
who = ui.require_reviewer()
state = st.session_state

st.title("Export")

counts = store.status_counts(ctx.db)
ui.plain(f"{counts['approved']} approved pairs will be exported "
         f"({counts['pending']} still pending review).")

c1, c2, c3 = st.columns(3)
target = c1.selectbox("Target", view.target_choices(), key="ex_target",
                      format_func=view.target_label)
model = c2.selectbox("Model", view.model_choices(), key="ex_model",
                     format_func=view.model_label)
epochs = c3.number_input("Epochs (0 = default heuristic)", min_value=0, max_value=50, value=0,
                         step=1, key="ex_epochs")
o1, o2 = st.columns(2)
multi_turn = o1.checkbox("One multi-turn example per conversation", key="ex_multi_turn")
use_few_shot = o2.checkbox("Check template conformance against the few-shot file", value=True,
                           key="ex_few_shot")

if st.button("Build and validate", type="primary", key="ex_build"):
    try:
        options = view.form_options(target=target, model=model, epochs=int(epochs),
                                    multi_turn=multi_turn, check_few_shot=use_few_shot)
        with st.spinner("Building and validating…"):
            kept = export_and_keep(ctx.db, options, who=who)
    except ExportOptionError as exc:
        state.pop("ex_result", None)
        st.error("These options cannot be exported:")
        ui.plain(str(exc))
    except OSError as exc:
        state.pop("ex_result", None)
        st.error("The export could not be written:")
        ui.plain(str(exc))
    else:
        state["ex_result"] = view.result_state(kept, model)
        state["ex_ack"] = False

result = state.get("ex_result")
if result:
    report = result["report"]
    summary = report.get("summary", {})
    rows = view.findings_rows(report.get("findings", []))

    st.divider()
    if result["ok"]:
        st.success("The file passed validation.")
        n_warnings = sum(1 for r in rows if r["severity"] == "warning")
        acknowledged = True
        if n_warnings:
            acknowledged = st.checkbox(
                f"I have read the {n_warnings} warnings below and want this file anyway",
                key="ex_ack")
        st.download_button(
            "Download JSONL", data=result["data"],
            file_name=result["file_name"], mime="application/jsonl",
            key="ex_download", on_click="ignore", type="primary", disabled=not acknowledged)
        ui.plain(f"Kept copy: {result['copy']}")
        ui.plain(f"Manifest: {result['manifest']}")
    else:
        errors = sum(1 for r in rows if r["severity"] == "error")
        st.error(f"Export refused: {errors} errors. Fix them (see below) and build again.")

    metrics = view.summary_metrics(summary)
    if metrics:
        cols = st.columns(len(metrics))
        for col, (label, value) in zip(cols, metrics, strict=True):
            col.metric(label, value)
    for line in view.availability_lines(summary) + view.detail_lines(summary):
        ui.plain(line)
    token_rows = view.token_stat_rows(summary)
    if token_rows:
        st.dataframe(pd.DataFrame(token_rows), hide_index=True)
    costs = view.cost_rows(summary)
    if costs:
        with st.expander("Cost and training availability per model"):
            st.dataframe(pd.DataFrame(costs), hide_index=True)

    ch1, ch2 = st.columns(2)
    with ch1:
        st.markdown("**Tokens per example**")
        hist = view.histogram(result.get("token_counts") or [])
        if hist:
            st.bar_chart(pd.DataFrame(hist), x="tokens", y="examples", sort=False)
        elif not result["data"]:
            ui.plain("Nothing was built.")
    with ch2:
        st.markdown("**Pairs by status**")
        st.bar_chart(pd.DataFrame({"status": list(counts), "pairs": list(counts.values())}),
                     x="status", y="pairs", sort=False)

    st.subheader("Findings")
    if rows:
        f1, f2 = st.columns(2)
        severities = f1.multiselect("Severity", sorted({r["severity"] for r in rows}),
                                    key="ex_sev")
        rules = f2.multiselect("Rule", sorted({r["rule"] for r in rows}), key="ex_rule")
        shown = view.filter_findings(rows, severities=severities, rules=rules)
        ui.plain(f"{len(shown)} of {len(rows)} findings. Select a row to open its pair.")
        frame = pd.DataFrame(shown, columns=["severity", "rule", "line", "pair_id", "message",
                                             "open"])
        event = st.dataframe(
            frame, hide_index=True, key="ex_findings", on_select="rerun",
            selection_mode="single-row",
            column_config={
                "pair_id": st.column_config.NumberColumn("Pair", format="%d"),
                "open": st.column_config.LinkColumn("Review", display_text="open pair"),
            },
        )
        selected = event.selection.rows if event is not None else []
        if selected and shown[selected[0]]["pair_id"] is not None:
            st.switch_page("pages/review.py",
                           query_params={"pair": str(shown[selected[0]]["pair_id"])})
        with_pairs = sorted({r["pair_id"] for r in shown if r["pair_id"] is not None})
        if with_pairs:
            p1, p2 = st.columns([1, 2])
            chosen = p1.selectbox("Pair of a finding", with_pairs, key="ex_open_pair",
                                  format_func=lambda pid: f"Pair {pid}")
            with p2:
                st.page_link("pages/review.py", label=f"Open pair {chosen} in Review",
                             icon=":material/rate_review:", query_params={"pair": str(chosen)})
    else:
        ui.plain("No findings.")
