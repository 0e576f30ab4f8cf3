"""Import page: upload several files, see the report, split with the rules splitter."""

import threading
import time

from ui_helpers import open_page

from reviewer import jobs
from reviewer.review import store

TRANSCRIPT = """Customer: My X200 router keeps dropping Wi-Fi every evening.
Engineer: Please update the X200 firmware to 2.1 and turn off band steering.
Customer: Will that erase my settings?
Engineer: No, the update keeps all settings.
---
고객: 프린터 P7에서 용지 걸림 오류가 계속 나요.
엔지니어: 뒷면 덮개를 열고 걸린 용지를 제거한 뒤 전원을 껐다 켜 주세요.
"""


def table_with(at, column: str):
    """The page's one table or dataframe that has ``column`` (the index counts)."""
    (table,) = [t.value.reset_index() if t.value.index.name else t.value
                for t in [*at.table, *at.dataframe]
                if column in t.value.columns or t.value.index.name == column]
    return table


def import_and_split(at, db, db_path, name: str = "support.txt", data: bytes | None = None):
    at.file_uploader[0].upload(name, data or TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    at.button(key="split_go").click().run()
    job = jobs.store.latest(db, "split")
    assert job is not None and jobs.EXECUTOR.wait(db_path, job.id, 30)
    at.run()
    assert not at.exception
    return jobs.store.get(db, job.id)


def wait_until(condition, ceiling: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail after a generous ceiling."""
    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_import_then_split(db, db_path):
    at = open_page("import.py")
    assert not at.exception
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Files"], metrics["Imported"], metrics["Rejected"]) == ("1", "2", "0")
    assert "Import run #1, file by file:" in [t.value for t in at.text]
    assert store.conversation_counts(db)["pending"] == 2
    # the uploader was replaced by a fresh, empty one
    assert at.session_state["upload_gen"] == 1
    assert not at.file_uploader[0].value

    at.button(key="split_go").click().run()
    assert not at.exception
    # The split runs as a background job; the page polls it and shows the report when done.
    job = jobs.store.latest(db, "split")
    assert job is not None and jobs.EXECUTOR.wait(db_path, job.id, 30)
    at.run()
    assert not at.exception
    assert at.button(key="split_go").disabled is True  # nothing is pending any more
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Split"] == "2"
    created = int(metrics["Pairs created"])
    assert created >= 3
    assert store.status_counts(db)["pending"] == created
    assert store.conversation_counts(db)["split"] == 2


def test_duplicates_and_rejections_are_reported(db):
    at = open_page("import.py")
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    at.file_uploader[0].upload("again.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Imported"], metrics["Duplicates"]) == ("0", "2")
    at.file_uploader[0].upload("broken.json", b'[{"turns": 5}, {"nope": true}', "application/json"
                               ).run()
    at.button(key="import_go").click().run()
    assert not at.exception
    table = table_with(at, "reason")
    assert list(table.columns) == ["file", "where", "reason"]
    assert table["file"].tolist()[0] == "broken.json"
    assert all(table["reason"].str.len() > 0)


def test_llm_splitter_without_key_fails_cleanly(db):
    at = open_page("import.py")
    at.radio(key="split_kind").set_value("llm").run()
    texts = [t.value for t in at.text]
    assert "API key: OPENAI_API_KEY is not set in the environment." in texts
    assert not any("sk-" in t for t in texts)
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    at.button(key="split_go").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Cannot start the llm splitter."]
    assert any("OPENAI_API_KEY" in t.value for t in at.text)
    assert store.status_counts(db)["pending"] == 0


def test_split_in_progress_shows_progress_and_blocks_a_second_start(db, db_path):
    release = threading.Event()
    job_id = jobs.EXECUTOR.start(db_path, "split",
                                 lambda progress: (progress(3, 10), release.wait(30)))
    try:
        wait_until(lambda: jobs.store.get(db, job_id).done == 3)
        at = open_page("import.py")
        assert not at.exception
        assert at.button(key="split_go").disabled is True
        (bar,) = at.get("progress")
        assert "3 / 10 conversations" in bar.proto.text
    finally:
        release.set()
        assert jobs.EXECUTOR.wait(db_path, job_id, 30)
    at.run()
    assert at.button(key="split_go").disabled is True  # no conversation to split
    assert at.get("progress") == []


def test_llm_split_from_the_page_against_an_openai_compatible_server(db, db_path, fake_openai,
                                                                     monkeypatch, tmp_path):
    providers = tmp_path / "providers.toml"
    providers.write_text(f'[providers.local]\nbase_url = "{fake_openai.base_url}"\n',
                         encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(providers))
    at = open_page("import.py")
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    at.radio(key="split_kind").set_value("llm").run()
    assert at.selectbox(key="split_provider").value == "local"
    at.text_input(key="split_model").set_value("local-model").run()
    at.button(key="split_go").click().run()
    job = jobs.store.latest(db, "split")
    assert jobs.EXECUTOR.wait(db_path, job.id, 30)
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Split"] == "2"
    origins = {r[0] for r in db.execute("SELECT DISTINCT origin FROM pairs")}
    assert origins == {"llm:local-model"}
    # the request was the structured-output call the real client makes
    (first, *_) = fake_openai.chat_requests()
    assert first.body["model"] == "local-model"
    assert first.body["response_format"]["type"] == "json_schema"


def test_split_refused_while_another_process_splits(db, db_path):
    from reviewer.db import now_iso

    at = open_page("import.py")
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    # A live split from elsewhere (say the CLI) holds the database.
    db.execute("INSERT INTO runs (kind, started_at, status, heartbeat_at) "
               "VALUES ('split', ?, 'running', ?)", [now_iso(), now_iso()])
    at.button(key="split_go").click().run()
    job = jobs.store.latest(db, "split")
    assert jobs.EXECUTOR.wait(db_path, job.id, 30)
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Not started: another split is running on this "
                                             "database."]
    assert store.conversation_counts(db)["pending"] == 2


# ---- first run and empty states ---------------------------------------------------------------

def info_texts(at) -> list[str]:
    return [i.value for i in at.info]


def test_empty_database_page_says_to_import_first_and_cannot_split(db):
    at = open_page("import.py")
    assert not at.exception
    split = at.button(key="split_go")
    assert (split.label, split.disabled) == ("Split", True)
    assert info_texts(at) == ["Nothing to split yet: import conversation dumps above first."]
    assert at.checkbox(key="split_retry").disabled and at.checkbox(key="split_redo").disabled
    assert not [m for m in at.metric]  # no last import, no last split
    assert not [b for b in at.button if b.key == "import_next_review"]


def test_splitter_options_shown_only_where_they_mean_something(db):
    at = open_page("import.py")
    labels = {w.label for w in [*at.text_input, *at.number_input, *at.selectbox]}
    assert not labels & {"Model", "Endpoint", "Concurrent requests"}
    at.radio(key="split_kind").set_value("llm").run()
    labels = {w.label for w in [*at.text_input, *at.number_input, *at.selectbox]}
    assert {"Model", "Endpoint", "Concurrent requests"} <= labels
    at.radio(key="split_kind").set_value("rules").run()
    assert not [n for n in at.number_input if n.key == "split_concurrency"]


def test_report_per_file_names_encoding_and_what_a_duplicate_repeats(db):
    at = open_page("import.py")
    at.file_uploader[0].upload("first.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    korean = "고객: 모니터 M5 화면이 깜박입니다.\n엔지니어: 케이블을 다시 연결해 주세요.\n"
    uploader = at.file_uploader[0]
    uploader.upload("legacy.txt", korean.encode("cp949"), "text/plain")
    uploader.upload("again.txt", TRANSCRIPT.encode("utf-8-sig"), "text/plain")
    uploader.upload("legacy_copy.txt", korean.encode(), "text/plain")
    uploader.run()
    at.button(key="import_go").click().run()
    assert not at.exception
    table = table_with(at, "encoding")
    rows = {r["file"]: r for r in table.to_dict("records")}
    assert list(rows) == ["legacy.txt", "again.txt", "legacy_copy.txt"]
    assert [rows[n]["encoding"] for n in rows] == ["CP949", "UTF-8 with BOM", "UTF-8"]
    assert [rows[n]["imported"] for n in rows] == [1, 0, 0]
    assert rows["again.txt"]["duplicates"] == 2
    assert rows["again.txt"]["duplicates of"] == ("2 of an earlier import (first copy: first.txt "
                                            "line 1, line 6)")
    assert rows["legacy_copy.txt"]["duplicates of"] == ("1 within this upload (first copy: "
                                                  "legacy.txt line 1)")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Files"], metrics["Imported"], metrics["Duplicates"]) == ("3", "1", "3")
    assert "Import run #2, file by file:" in [t.value for t in at.text]
    # pending conversations: the split button says how many it takes
    assert "Split takes 3 conversations." in [t.value for t in at.text]
    assert at.button(key="split_go").disabled is False


def test_last_split_block_names_its_job_run_time_and_splitter(db, db_path):
    at = open_page("import.py")
    job = import_and_split(at, db, db_path)
    texts = [t.value for t in at.text]
    run_id = job.result["run_id"]
    assert f"Job #{job.id} (run #{run_id}), rules splitter (offline)" in texts
    (timing,) = [t for t in texts if t.startswith("Started ")]
    assert " by tester; finished " in timing and timing.endswith(" UTC.")
    # nothing pending: split is off, and the page says how to split again
    assert at.button(key="split_go").disabled is True
    (reason,) = info_texts(at)
    assert reason.startswith("Nothing to split: no conversation is pending.")
    assert "Redo already split" in reason and "Retry" not in reason
    assert at.checkbox(key="split_retry").disabled is True
    assert at.checkbox(key="split_redo").disabled is False
    at.checkbox(key="split_redo").check().run()
    assert "Split takes 2 conversations." in [t.value for t in at.text]
    assert at.button(key="split_go").disabled is False
    assert info_texts(at) == []


def test_failed_conversations_offer_retry(db, db_path):
    at = open_page("import.py")
    import_and_split(at, db, db_path)
    db.execute("UPDATE conversations SET split_status = 'failed' WHERE rowid = "
               "(SELECT min(rowid) FROM conversations)")
    at.run()
    (reason,) = info_texts(at)
    assert "Retry failed conversations" in reason and "the 1 failed again" in reason
    at.checkbox(key="split_retry").check().run()
    assert "Split takes 1 conversation." in [t.value for t in at.text]
    assert at.button(key="split_go").disabled is False


def test_review_pairs_button_opens_review_after_a_split(db, db_path):
    at = open_page("import.py")
    import_and_split(at, db, db_path)
    at.button(key="import_next_review").click().run()
    assert not at.exception
    assert at.session_state["_setup_done"] == "Review"
