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
    assert at.button(key="split_go").disabled is False
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
    table = at.dataframe[0].value
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
    assert at.button(key="split_go").disabled is False


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
