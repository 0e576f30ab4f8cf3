"""Export approved pairs as fine-tuning JSONL after the readiness gate; show its report.

Top to bottom: the next step when nothing is approved; the form; right under its button the
verdict (a stale report says so first, with Rebuild), the errors of a refusal or the
warnings to acknowledge and the download; then statistics, charts and every finding.
"""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.exporting import ExportOptionError, export_and_keep
from reviewer.presenters import export as view
from reviewer.review import store

ctx = ui.page_setup("Export")
state = st.session_state
state.setdefault("ex_table_gen", 0)  # new finding tables (no selection) after opening a pair

st.title("Export")

who = ui.require_reviewer()
counts = store.status_counts(ctx.db)
empty = view.empty_state(counts)
if empty is not None:
    st.info(empty.message)
    if st.button(empty.action, type="primary", key="ex_next_step"):
        st.switch_page(empty.page)
    st.stop()

ui.plain(view.approved_line(counts))

if "ex_result" in state:  # the form comes back as it was built (widgets forget off-page)
    for key, value in view.form_values(state["ex_result"]["options"]).items():
        state.setdefault(key, value)

c1, c2, c3 = st.columns(3)
target = c1.selectbox("Target", view.target_choices(), key="ex_target",
                      format_func=view.target_label)
model = c2.selectbox("Model", view.model_choices(), key="ex_model",
                     format_func=view.model_label)
epochs = c3.number_input("Epochs (0 = default heuristic)", min_value=0, max_value=50, value=0,
                         step=1, key="ex_epochs")
o1, o2 = st.columns(2)
multi_turn = o1.checkbox("One multi-turn example per conversation", key="ex_multi_turn")
use_few_shot = o2.checkbox("Check template conformance against the few-shot set", value=True,
                           key="ex_few_shot",
                           help="The template the LLM splitter teaches: the managed few-shot "
                                "set (Prompt page) when it has examples, else the few-shot "
                                "file.")
try:
    options = view.form_options(target=target, model=model, epochs=int(epochs),
                                multi_turn=multi_turn, check_few_shot=use_few_shot)
    options_problem = None
except ExportOptionError as exc:
    options, options_problem = None, str(exc)


def request_rebuild() -> None:
    state["ex_rebuild"] = True


def open_selected(rows: list[dict], event) -> None:
    """Open the selected finding's pair in Review (its focus view shows the finding)."""
    row = view.selected_row(rows, event.selection.rows if event is not None else [])
    if row is None:
        return
    params = view.review_params(row)
    if params is None:
        st.info("That finding is about the whole file; there is no pair to open.")
        return
    state["ex_table_gen"] += 1
    st.switch_page(view.REVIEW_PAGE, query_params=params)


def findings_table(rows: list[dict], columns: list[str], name: str):
    return st.dataframe(
        pd.DataFrame(rows, columns=columns), hide_index=True,
        key=f"{name}_{state['ex_table_gen']}", on_select="rerun", selection_mode="single-row",
        column_config={"pair_id": st.column_config.NumberColumn("pair", format="%d", width=80),
                       "where": st.column_config.TextColumn("where", width=90),
                       "line": st.column_config.NumberColumn("line", width=70),
                       "severity": st.column_config.TextColumn("severity", width=90),
                       "rule": st.column_config.TextColumn("rule", width=200),
                       "message": st.column_config.TextColumn("message", width=800)})


rebuild = state.pop("ex_rebuild", False)
if st.button("Build and validate", type="primary", key="ex_build") or rebuild:
    if options is None:
        state.pop("ex_result", None)
        st.error("These options cannot be exported:")
        ui.plain(options_problem)
    else:
        approved = store.status_counts(ctx.db)["approved"]
        fingerprint = store.approved_fingerprint(ctx.db)  # before: a change meanwhile is stale
        try:
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
            state["ex_result"] = view.result_state(kept, options, fingerprint=fingerprint,
                                                   approved=approved)
            state["ex_ack"] = False
            state["ex_table_gen"] += 1

result = state.get("ex_result")
if result:
    report = result["report"]
    summary = report.get("summary", {})
    stale = view.stale_reasons(result, fingerprint=store.approved_fingerprint(ctx.db),
                               approved=store.status_counts(ctx.db)["approved"],
                               options=options)
    if stale:
        s1, s2 = st.columns([5, 1], vertical_alignment="center")
        s1.warning("This report is out of date: " + "; ".join(stale) + ".",
                   icon=":material/update:")
        s2.button("Rebuild", key="ex_rebuild_button", on_click=request_rebuild,
                  icon=":material/refresh:", width="stretch")

    verdict = view.verdict(result, stale=bool(stale))
    if stale:  # about the last build: neither a green light nor a fresh refusal
        st.info(verdict.headline, icon=":material/history:")
    elif verdict.ok:
        st.success(verdict.headline, icon=":material/check_circle:")
    else:
        st.error(verdict.headline, icon=":material/block:")
    if not verdict.ok:
        errors = view.error_rows(report)
        if errors:
            listed = "" if len(errors) == verdict.errors else f" ({len(errors):,} listed)"
            st.markdown(f"**Errors{listed}** · select a row to open its pair in Review")
            open_selected(errors, findings_table(errors, ["rule", "where", "pair_id", "message"],
                                                 "ex_errors"))
    else:
        acknowledged = True
        warned = view.warning_counts(report)
        if warned:
            st.markdown("**Warnings to acknowledge** · each one is listed under Findings "
                        "below, with its pair")
            st.dataframe(pd.DataFrame(warned), hide_index=True, column_config={
                "rule": st.column_config.TextColumn("rule", width=200),
                "warnings": st.column_config.NumberColumn("warnings", width=90),
                "for example": st.column_config.TextColumn("for example", width=800)})
            acknowledged = st.checkbox(
                f"I have read the {verdict.warnings:,} warnings above and want this file anyway",
                key="ex_ack")
        d1, d2 = st.columns([1, 5], vertical_alignment="center")
        d1.download_button(
            "Download JSONL", data=result["data"],
            file_name=result["file_name"], mime="application/jsonl",
            key="ex_download", on_click="ignore", type="primary",
            disabled=not acknowledged or bool(stale))
        if stale:
            d2.markdown(":orange[Download disabled: this report is out of date. "
                        "Rebuild it first.]")
        elif not acknowledged:
            d2.markdown("Tick the box above to enable the download.")
        ui.plain(f"Kept copy: {result['copy']}")
        ui.plain(f"Manifest: {result['manifest']}")

    st.divider()
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
        hist = view.histogram(result["token_counts"])
        if hist:
            st.bar_chart(pd.DataFrame(hist), x="tokens", y="examples", sort=False)
        else:
            ui.plain("Nothing was built.")
    with ch2:
        st.markdown("**Pairs by status**")
        st.bar_chart(pd.DataFrame({"status": list(counts), "pairs": list(counts.values())}),
                     x="status", y="pairs", sort=False)

    st.subheader("Findings")
    rows = view.findings_rows(report.get("findings", []))
    if rows:
        f1, f2 = st.columns(2)
        severities = f1.multiselect("Severity", sorted({r["severity"] for r in rows}),
                                    key="ex_sev")
        rules = f2.multiselect("Rule", sorted({r["rule"] for r in rows}), key="ex_rule")
        shown = view.filter_findings(rows, severities=severities, rules=rules)
        ui.plain(f"{len(shown)} of {len(rows)} findings. Select a row to open its pair in "
                 "Review.")
        open_selected(shown, findings_table(
            shown, ["severity", "rule", "line", "pair_id", "message"], "ex_findings"))
    else:
        ui.plain("No findings.")
