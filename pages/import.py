"""Import conversation dumps, then split pending conversations into Q/A pairs."""

import pandas as pd
import streamlit as st

from reviewer import jobs, ui
from reviewer.review import store

ctx = ui.page_setup("Import")
who = ui.require_reviewer()
state = st.session_state

st.title("Import")

# ---- upload ----------------------------------------------------------------------------------

st.subheader("1. Upload conversation dumps")
ui.plain("Accepted: .txt / .md transcripts, .json, .jsonl, .csv, and .zip archives of these "
         "(UTF-8, UTF-8 with BOM, CP949/EUC-KR). Importing the same content twice adds nothing.")
uploads = st.file_uploader("Dump files", accept_multiple_files=True,
                           key=f"import_files_{state['upload_gen']}")
if st.button("Import", type="primary", disabled=not uploads, key="import_go"):
    from reviewer.importing import import_uploads

    with st.spinner("Importing…"):
        report = import_uploads(ctx.db, [(f.name, f) for f in uploads], who=who)
    state["import_report"] = report.to_dict()
    state["upload_gen"] += 1  # a fresh uploader: the files just imported are cleared
    st.rerun()

last = state.get("import_report")
if last:
    st.markdown("**Last import**")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Files", last.get("files", 0))
    c2.metric("Imported", last.get("imported", 0))
    c3.metric("Duplicates", last.get("duplicates", 0))
    rejected = last.get("rejections") or []
    c4.metric("Rejected", last.get("rejected", len(rejected)))
    if rejected:
        st.dataframe(
            pd.DataFrame([{"file": r.get("source", ""), "where": r.get("locator", ""),
                           "reason": r.get("reason", "")} for r in rejected]),
            hide_index=True,
        )

# ---- split -----------------------------------------------------------------------------------

st.divider()
st.subheader("2. Split conversations into Q/A pairs")
conv = store.conversation_counts(ctx.db)
ui.plain(f"Conversations: {conv['pending']} pending, {conv['split']} split, "
         f"{conv['failed']} failed.")

kind = st.radio("Splitter", ["rules", "llm"], horizontal=True, key="split_kind",
                format_func=lambda k: {"rules": "Rules (offline)",
                                       "llm": "LLM (OpenAI-compatible)"}[k])
model = provider = base_url = None
llm_ready = True
if kind == "llm":
    from reviewer.llm import (
        CUSTOM,
        ProvidersError,
        custom_endpoint_allowed,
        load_providers,
        provider_status,
    )
    from reviewer.splitting import llm_settings_from_env

    try:
        table = load_providers()
    except ProvidersError as exc:
        st.error("The providers file cannot be used.")
        ui.plain(str(exc))
        table = {}
    # Keys come only from the variable a configured provider names. A URL typed here (offered
    # only when the server was started with --allow-custom-endpoint) never gets one.
    options = list(table) + ([CUSTOM] if custom_endpoint_allowed() else [])
    m1, m2 = st.columns(2)
    model = m1.text_input("Model", value=llm_settings_from_env()["model"], key="split_model")
    provider = m2.selectbox(
        "Endpoint", options, key="split_provider",
        format_func=lambda name: ("Custom URL (no API key)" if name == CUSTOM
                                  else f"{name}: {provider_status(table[name]).where}"))
    if provider == CUSTOM:
        base_url = st.text_input("Base URL (gets no API key)", key="split_base_url",
                                 placeholder="http://127.0.0.1:8000/v1")
        ui.plain("API key: none (a URL typed here never gets one).")
    elif provider:
        ui.plain(provider_status(table[provider]).key_line)
    llm_ready = provider is not None
o1, o2, o3 = st.columns(3)
concurrency = o1.number_input("Concurrency", min_value=1, max_value=64, value=8, step=1,
                              key="split_concurrency")
retry_failed = o2.checkbox("Retry failed conversations", key="split_retry")
redo = o3.checkbox("Redo already split (keeps reviewed pairs)", key="split_redo")

current = jobs.store.active(ctx.db, "split")
busy = current is not None

if st.button("Split", type="primary", key="split_go", disabled=busy or not llm_ready):
    from reviewer.splitting import make_splitter, split_pending

    try:
        # The key is looked up by make_splitter from the provider's variable, never on the page.
        splitter = make_splitter(kind, model=(model or None), provider=provider,
                                 base_url=(base_url or None))
    except Exception as exc:  # bad settings: say why, keep the page alive
        st.error(f"Cannot start the {kind} splitter.")
        ui.plain(f"{type(exc).__name__}: {exc}")
        st.stop()
    options = {"redo": redo, "retry_failed": retry_failed, "concurrency": int(concurrency),
               "who": who}
    try:
        # Off the page thread: touching any widget would otherwise stop a long LLM split.
        jobs.EXECUTOR.start(ctx.db_path, "split", lambda progress: split_pending(
            ctx.db_path, splitter, progress=progress, **options),
            settings={"splitter": splitter.name, **options})
    except jobs.JobBusy as exc:  # started meanwhile from another tab
        st.warning(str(exc))
    else:
        st.rerun()


@st.fragment(run_every=1.0 if busy else None)
def split_progress() -> None:
    job = jobs.store.latest(ui.get_db(), "split")
    if job is None:
        return
    if job.active:
        st.progress(job.fraction, text=f"Splitting in the background: {job.done} / "
                    f"{job.total or '?'} conversations. You can keep working meanwhile.")
    elif state.get("split_seen") != job.id:
        state["split_seen"] = job.id
        if busy:
            st.rerun()  # the whole page: counts above, and this fragment stops polling


split_progress()
current = jobs.store.latest(ctx.db, "split")
if current is not None and current.status == jobs.FAILED:
    if current.error_type == "SplitBusy":  # e.g. a CLI split on the same database
        st.warning("Not started: another split is running on this database.")
    else:
        st.error("The split stopped with an error; conversations split so far are kept.")
    ui.plain(current.error or "")
elif current is not None and current.status == jobs.INTERRUPTED:
    st.warning("The last split was interrupted (its process stopped); conversations split "
               "so far are kept. Split again to continue.")
split_last = current.result if current is not None and current.result else None
if split_last:
    st.markdown("**Last split**")
    cols = st.columns(5)
    for col, key in zip(cols, ("processed", "split", "failed", "skipped", "pairs_created"),
                        strict=True):
        col.metric(key.replace("_", " ").capitalize(), split_last.get(key, 0))
    ui.plain(f"Pairs kept from earlier review: {split_last.get('pairs_kept', 0)}; "
             f"superseded: {split_last.get('pairs_superseded', 0)}.")
    failures = split_last.get("failures") or []
    if failures:
        st.dataframe(
            pd.DataFrame([
                {"conversation": f.get("conversation_id", ""), "reason": f.get("reason", "")}
                if isinstance(f, dict) else {"conversation": f[0], "reason": f[1]}
                for f in failures
            ]),
            hide_index=True,
        )
