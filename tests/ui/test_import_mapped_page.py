"""Import page, mapped records: choose a preset or upload a mapping, preview the first
records (nothing written), then import; the report names the pairs and the rejections."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import open_page

from reviewer.presenters import import_page as view
from reviewer.review import store

SAMPLES = Path(__file__).resolve().parents[1] / "importing" / "samples"
DOCS = (SAMPLES / "docs_sample.json").read_bytes()


def data_uploader(at):
    (uploader,) = [u for u in at.file_uploader if u.key.startswith("map_data_")]
    return uploader


def counts(db) -> tuple[int, int]:
    return (db.execute("SELECT count(*) FROM conversations").fetchone()[0],
            db.execute("SELECT count(*) FROM pairs").fetchone()[0])


def test_preset_preview_writes_nothing_then_import_stores_ready_pairs(db):
    at = open_page("import.py")
    at.radio(key="import_kind").set_value("mapped").run()
    at.radio(key="map_source").set_value("preset").run()
    at.selectbox(key="map_preset").set_value("doc-json").run()
    assert at.button(key="map_import_go").disabled  # nothing to import yet
    data_uploader(at).upload("docs.json", DOCS, "application/json").run()
    assert at.button(key="map_import_go").disabled  # not before a preview
    at.button(key="map_preview_go").click().run()
    assert not at.exception
    (preview,) = [d.value for d in at.dataframe if "refused" in d.value.columns]
    assert list(preview["system"][:1]) == ["Category: [온라인] 업무 가이드"]
    assert list(preview["question / turns"][:1]) == ["HTTP 관련 내용을 알려줘."]
    assert list(preview["refused"])[-1] == "missing field 'body'"
    assert counts(db) == (0, 0)
    at.button(key="map_import_go").click().run()
    assert not at.exception
    assert counts(db) == (4, 4)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Imported"], metrics["Rejected"]) == ("4", "1")
    texts = [t.value for t in at.text]
    assert ("Mapping doc-json: 4 ready pairs created, waiting for review (they are not "
            "split).") in texts
    assert store.status_counts(db)["pending"] == 4


def test_uploaded_mapping_file_makes_conversations(db):
    at = open_page("import.py")
    at.radio(key="import_kind").set_value("mapped").run()
    at.radio(key="map_source").set_value("file").run()
    assert "Upload a mapping file (.toml or .json)." in [w.value for w in at.warning]
    mapping = (b'join = " "\n[turns]\npath = "dialog.turns"\ntext = "sentences"\n'
               b'[roles]\nby = "flag"\nfield = "is_agent"\n')
    (mapping_uploader,) = [u for u in at.file_uploader if u.key.startswith("map_file_")]
    mapping_uploader.upload("tweets.toml", mapping, "application/toml").run()
    data_uploader(at).upload("t.jsonl", (SAMPLES / "tweetsumm_sample.jsonl").read_bytes(),
                             "application/json").run()
    at.button(key="map_preview_go").click().run()
    (preview,) = [d.value for d in at.dataframe if "refused" in d.value.columns]
    assert list(preview["question / turns"])[0].startswith(
        "Customer: @Support my order never arrived.")
    at.button(key="map_import_go").click().run()
    assert not at.exception
    assert counts(db) == (2, 0)
    assert store.conversation_counts(db)["pending"] == 2


def test_a_broken_mapping_file_is_explained(db):
    at = open_page("import.py")
    at.radio(key="import_kind").set_value("mapped").run()
    at.radio(key="map_source").set_value("file").run()
    (mapping_uploader,) = [u for u in at.file_uploader if u.key.startswith("map_file_")]
    mapping_uploader.upload("bad.toml", b'output = "pairs"\n', "application/toml").run()
    assert any("needs [pair] templates" in w.value for w in at.warning)
    assert at.button(key="map_preview_go").disabled


def test_preset_labels_mark_missing_readers():
    labels = {c.name: c for c in view.preset_choices()}
    for name in ("reply-graph-csv", "irc-log"):
        assert labels[name].label.endswith("(unavailable)") == bool(labels[name].unavailable)
    spec, problem = view.chosen_mapping("preset", "squad", None)
    assert spec is not None and problem == ""


def test_an_imported_pair_is_reviewed_beside_its_source_record(db, tmp_path):
    from reviewer.importing.mapping import get_preset, import_mapped_paths

    path = tmp_path / "docs.json"
    path.write_bytes(DOCS)
    import_mapped_paths(db, get_preset("doc-json").spec, [path], who="t")
    at = open_page("review.py")
    assert not at.exception
    texts = [t.value for t in at.text]
    assert "HTTP 관련 내용을 알려줘." in texts
    captions = [c.value for c in at.caption]
    assert "Question  ◀ question" in captions and "Answer  ◀ answer" in captions
