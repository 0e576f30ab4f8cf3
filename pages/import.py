"""Import conversation dumps, then split pending conversations into Q/A pairs."""

import pandas as pd
import streamlit as st

from reviewer import jobs, ui
from reviewer.presenters import import_page as view
from reviewer.review import store

ctx = ui.page_setup("Import")
who = ui.require_reviewer()
state = st.session_state

st.title("Import")

# ---- upload ----------------------------------------------------------------------------------

st.subheader("1. Upload conversation dumps or records")
# A radio, not tabs: the choice is kept on the server, so an upload's rerun keeps it.
import_kind = st.radio("What are you importing?", list(view.IMPORT_KINDS), horizontal=True,
                       key="import_kind", format_func=view.IMPORT_KIND_LABELS.__getitem__)
if import_kind == "dumps":
    ui.plain("Accepted: .txt / .md transcripts, .json, .jsonl, .csv, and .zip archives of "
             "these (UTF-8, UTF-8 with BOM, CP949/EUC-KR). Importing the same content twice "
             "adds nothing.")
    uploads = st.file_uploader("Dump files", accept_multiple_files=True,
                               key=f"import_files_{state['upload_gen']}")
    r1, r2 = st.columns(2)
    staff = r1.text_input(
        "Who is staff? (optional)", key="import_staff", placeholder="alice, minsu",
        help="Chat exports (`<nick> text` or `Name: text` lines, or speaker names in JSON / "
             "CSV turns): these people are engineers, everyone else a customer.")
    rules = r2.text_input(
        "Role rules (optional)", key="import_roles", placeholder="Bob=customer, *=customer",
        help="NAME=ROLE, comma-separated; ROLE is customer, engineer or system; "
             "'*=ROLE' for everyone else.")
    roles, roles_problem = view.dump_roles(staff, rules)
    if roles_problem:
        st.error(roles_problem)
    elif roles is not None:
        ui.plain(view.roles_summary(roles))
    if st.button("Import", type="primary", disabled=not uploads or bool(roles_problem),
                 key="import_go"):
        from reviewer.importing import import_uploads

        with st.spinner("Importing…"):
            report = import_uploads(ctx.db, [(f.name, f) for f in uploads], who=who,
                                    roles=roles)
        state["import_report"] = report.to_dict()
        state["upload_gen"] += 1  # a fresh uploader: the files just imported are cleared
        st.rerun()

else:
    ui.plain("Any JSON / JSONL / CSV records (SQuAD/KorQuAD, documentation pages, dialect "
             "files, chat or prompt/completion datasets, …) become conversations or ready "
             "pairs through a mapping. Preview the first records, then import.")
    source = st.radio("Mapping", list(view.MAPPING_SOURCES), horizontal=True,
                      key="map_source", format_func=view.MAPPING_SOURCE_LABELS.__getitem__)
    preset_name = None
    mapping_upload = None
    if source == "preset":
        choices = {c.name: c for c in view.preset_choices()}
        preset_name = st.selectbox("Preset", list(choices), key="map_preset",
                                   format_func=lambda name: choices[name].label)
        if preset_name:
            ui.plain(choices[preset_name].description)
    else:
        mapping_file = st.file_uploader("Mapping file", type=["toml", "json"],
                                        key=f"map_file_{state['upload_gen']}")
        if mapping_file is not None:
            mapping_upload = (mapping_file.name, mapping_file.getvalue())
    data_files = st.file_uploader("Data files (several files, or a .zip of a folder)",
                                  accept_multiple_files=True,
                                  key=f"map_data_{state['upload_gen']}")
    spec, problem = view.chosen_mapping(source, preset_name, mapping_upload)
    if problem:
        st.warning(problem)
    fields = view.option_fields(spec)
    if fields:
        st.markdown("**Options**")
        typed = {}
        columns = st.columns(min(len(fields), 3))
        for index, field in enumerate(fields):
            typed[field.key] = columns[index % len(columns)].text_input(
                field.key, value=field.default, help=field.hint,
                key=f"map_option_{spec.name}_{field.key}")
        spec, problem = view.with_options(spec, typed)
        if problem:
            st.error(problem)
    signature = view.upload_signature(
        f"{source}:{preset_name or (mapping_upload[0] if mapping_upload else '')}:"
        f"{view.options_key(spec)}",
        [(f.name, f.size) for f in data_files or []])
    p1, p2 = st.columns(2)
    if p1.button("Preview", key="map_preview_go", disabled=spec is None or not data_files):
        from reviewer.importing.mapping import preview

        items = preview(spec, [(f.name, f) for f in data_files], limit=view.PREVIEW_RECORDS)
        state["map_preview"] = {"signature": signature, "rows": view.preview_rows(items)}
    shown = state.get("map_preview")
    previewed = bool(shown) and shown["signature"] == signature
    if previewed:
        st.markdown(f"**Preview: the first {view.PREVIEW_RECORDS} records, nothing written "
                    "yet**")
        if shown["rows"]:
            st.dataframe(pd.DataFrame(shown["rows"]), hide_index=True, key="map_preview_table")
        else:
            ui.plain("No records found in these files.")
    if p2.button("Import with this mapping", type="primary", key="map_import_go",
                 disabled=spec is None or not data_files or not previewed,
                 help=None if previewed else "Preview first."):
        from reviewer.importing.mapping import import_mapped_uploads

        bar = st.progress(0.0, text="Importing…")

        def told(done: int, total: int | None) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0,
                         text=f"Importing: {done:,} / {total or '?'} files")

        report = import_mapped_uploads(ctx.db, spec, [(f.name, f) for f in data_files],
                                       who=who, progress=told)
        state["import_report"] = report.to_dict()
        state.pop("map_preview", None)
        state["upload_gen"] += 1
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
    if view.mapped_headline(last):
        ui.plain(view.mapped_headline(last))
    ui.plain(view.import_headline(last))
    rows = view.file_rows(last)
    if len(rows) > view.STATIC_TABLE_ROWS:  # a big zip: a scrolling grid
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="import_files_table")
    elif rows:  # a few files: a plain table, every cell in full
        st.table(pd.DataFrame(rows).set_index("file"))
    if rejected:
        st.markdown("**Rejected records**")
        st.dataframe(
            pd.DataFrame([{"file": r.get("source", ""), "where": r.get("locator", ""),
                           "reason": r.get("reason", "")} for r in rejected]),
            hide_index=True, key="import_rejections_table",
        )

# ---- split -----------------------------------------------------------------------------------

st.divider()
st.subheader("2. Split conversations into Q/A pairs")
conv = store.conversation_counts(ctx.db)
ui.plain(f"Conversations: {conv['pending']} pending, {conv['split']} split, "
         f"{conv['failed']} failed.")

kind = st.radio("Splitter", list(view.SPLITTERS), horizontal=True, key="split_kind",
                format_func=view.SPLITTER_LABELS.__getitem__)
model = provider = base_url = None
concurrency = None
llm_ready = True
if view.shows_model_fields(kind):
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
    m1, m2, m3 = st.columns([2, 2, 1])
    model = m1.text_input("Model", value=llm_settings_from_env()["model"], key="split_model")
    provider = m2.selectbox(
        "Endpoint", options, key="split_provider",
        format_func=lambda name: ("Custom URL (no API key)" if name == CUSTOM
                                  else f"{name}: {provider_status(table[name]).where}"))
    concurrency = m3.number_input("Concurrent requests", min_value=1, max_value=64, value=8,
                                  step=1, key="split_concurrency")
    if provider == CUSTOM:
        base_url = st.text_input("Base URL (gets no API key)", key="split_base_url",
                                 placeholder="http://127.0.0.1:8000/v1")
        ui.plain("API key: none (a URL typed here never gets one).")
    elif provider:
        ui.plain(provider_status(table[provider]).key_line)
    llm_ready = provider is not None
# "Retry"/"Redo" are offered only when they would add conversations to the split.
useful = view.split_plan(conv, retry_failed=False, redo=False)
o1, o2 = st.columns(2)
retry_failed = o1.checkbox("Retry failed conversations", key="split_retry",
                           disabled=not useful.retry_useful,
                           help=None if useful.retry_useful else "No conversation failed.")
redo = o2.checkbox("Redo already split (keeps reviewed pairs)", key="split_redo",
                   disabled=not useful.redo_useful,
                   help=None if useful.redo_useful else "No conversation is split yet.")
plan = view.split_plan(conv, retry_failed=retry_failed, redo=redo)

current = jobs.store.active(ctx.db, "split")
busy = current is not None
if plan.reason and not busy:
    st.info(plan.reason)
elif plan.summary and not busy:
    ui.plain(plan.summary)

if st.button("Split", type="primary", key="split_go",
             disabled=busy or not llm_ready or not plan.count):
    from reviewer.splitting import make_splitter, split_pending

    try:
        # The key is looked up by make_splitter from the provider's variable, never on the page.
        splitter = make_splitter(kind, model=(model or None), provider=provider,
                                 base_url=(base_url or None))
    except Exception as exc:  # bad settings: say why, keep the page alive
        st.error(f"Cannot start the {kind} splitter.")
        ui.plain(f"{type(exc).__name__}: {exc}")
        st.stop()
    options = {"redo": redo, "retry_failed": retry_failed, "who": who}
    if concurrency is not None:
        options["concurrency"] = int(concurrency)
    try:
        # Off the page thread: touching any widget would otherwise stop a long LLM split.
        jobs.EXECUTOR.start(ctx.db_path, "split", lambda progress: split_pending(
            ctx.db_path, splitter, progress=progress, estimate=kind == "llm", **options),
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
block = view.last_split(current)
if block is not None and current is not None:
    st.markdown("**Last split**")
    ui.plain(block.heading)
    ui.plain(block.timing)
    if current.status == jobs.FAILED:
        if current.error_type == "SplitBusy":  # e.g. a CLI split on the same database
            st.warning("Not started: another split is running on this database.")
        else:
            st.error("The split stopped with an error; conversations split so far are kept.")
        ui.plain(current.error or "")
    elif current.status == jobs.INTERRUPTED:
        st.warning("The last split was interrupted (its process stopped); conversations "
                   "split so far are kept. Split again to continue.")
    if block.metrics:
        for col, (label, value) in zip(st.columns(len(block.metrics)), block.metrics,
                                       strict=True):
            col.metric(label, value)
        ui.plain(block.kept_line)
    for line in block.summary:
        ui.plain(line)
    if block.failures:
        st.dataframe(pd.DataFrame(block.failures), hide_index=True, key="split_failures_table")

batch_job = jobs.store.latest(ctx.db, view.BATCH_KIND)
batch = view.batch_status(batch_job)
if batch is not None and batch_job is not None:
    st.markdown("**Batch split**")
    ui.plain(batch.heading)
    for line in batch.lines:
        ui.plain(line)
    if batch.active and st.button("Check now", key="batch_poll"):
        from reviewer.splitting.batch import BatchSplitError
        from reviewer.splitting.batch_poll import poll_batch

        try:
            poll_batch(ctx.db_path, batch_job.id, who=who)
        except (BatchSplitError, RuntimeError) as exc:  # the Batch API's errors are key-free
            st.error(str(exc))
        else:
            st.rerun()

waiting = store.status_counts(ctx.db).get("pending", 0)
if waiting and not busy:
    st.divider()
    st.subheader("3. Review")
    ui.plain(f"{waiting:,} pairs wait for review." if waiting != 1
             else "1 pair waits for review.")
    if st.button("Review pairs", type="primary", key="import_next_review"):
        st.switch_page(view.REVIEW_PAGE)
