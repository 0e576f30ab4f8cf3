"""Export page: build, validate, download, kept copy; refusal shows findings with links."""

import json

from ui_helpers import open_page, seed

from reviewer.review import store
from reviewer.runs import recent_runs
from reviewer.tokens import count_chat_tokens, get_encoding


def approve(db, ids):
    for pid in ids:
        assert store.update_pair(db, pid, {"status": "approved"}, expected_version=1,
                                 who="t") == "ok"


def build(at):
    at.checkbox(key="ex_few_shot").uncheck()
    at.button(key="ex_build").click().run()
    assert not at.exception
    return at


def test_export_offers_download_and_keeps_a_copy(db, db_path):
    ids = seed(db, 14, text=lambda i: ("Router support summary.", f"How do I fix issue {i}?",
                                       f"Do step {i} and restart the device."))
    approve(db, ids[:12])
    at = build(open_page("export.py"))
    assert [s.value for s in at.success] == ["The file passed validation."]
    download = at.get("download_button")
    assert len(download) == 1
    warnings = at.session_state["ex_result"]["report"]["summary"]["warnings"]
    assert warnings > 0  # fewer than 50 examples
    assert download[0].proto.disabled  # warnings must be acknowledged first
    at.checkbox(key="ex_ack").check().run()
    assert not at.get("download_button")[0].proto.disabled
    copies = list((db_path.parent / "exports").glob("*.jsonl"))
    assert len(copies) == 1
    lines = [json.loads(x) for x in copies[0].read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 12
    questions = {m["content"] for line in lines for m in line["messages"] if m["role"] == "user"}
    assert questions == {f"How do I fix issue {i}?" for i in range(12)}
    assert at.session_state["ex_result"]["data"] == copies[0].read_bytes()
    assert at.session_state["ex_result"]["file_name"] == copies[0].name
    # the histogram's token counts are the validation's, one per line, exact
    enc = get_encoding("o200k_base")
    assert at.session_state["ex_result"]["token_counts"] == [
        count_chat_tokens(line["messages"], enc) for line in lines]
    # the kept copy is written like the CLI export: manifest beside it and a run row
    manifest_path = copies[0].with_name(copies[0].stem + ".manifest.json")
    assert manifest_path.exists()
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["profile"] == "openai" and manifest["created_by"] == "tester"
    assert sorted(i for f in manifest["files"] for i in f["pair_ids"]) == sorted(ids[:12])
    texts = [t.value for t in at.text]
    assert f"Kept copy: {copies[0]}" in texts and f"Manifest: {manifest_path}" in texts
    runs = [r for r in recent_runs(db) if r["kind"] == "export"]
    assert len(runs) == 1 and runs[0]["status"] == "done"
    assert runs[0]["id"] == at.session_state["ex_result"]["run_id"]
    assert runs[0]["settings"]["manifest"] == str(manifest_path)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Examples"] == "12"
    assert not at.exception


def test_refused_export_shows_findings_and_no_download(db, db_path):
    ids = seed(db, 4)
    approve(db, ids[:3])
    at = build(open_page("export.py"))
    assert len(at.get("download_button")) == 0
    assert at.error and at.error[0].value.startswith("Export refused")
    assert not (db_path.parent / "exports").exists() or not list(
        (db_path.parent / "exports").iterdir())
    runs = [r for r in recent_runs(db) if r["kind"] == "export"]
    assert [r["status"] for r in runs] == ["refused"]  # recorded like a refused CLI export
    table = at.dataframe[-1].value
    assert list(table.columns) == ["severity", "rule", "line", "pair_id", "message", "open"]
    assert "error" in table["severity"].tolist()
    # filter by severity
    if "warning" in table["severity"].tolist():
        at.multiselect(key="ex_sev").select("error").run()
        assert set(at.dataframe[-1].value["severity"]) == {"error"}


def test_findings_link_to_their_pair_in_review(db):
    ids = seed(db, 12, text=lambda i: ("Summary.", f"Question {i}?",
                                       "" if i == 3 else f"Answer {i}."))
    db.execute("UPDATE pairs SET status = 'approved'")
    at = build(open_page("export.py"))
    rows = at.dataframe[-1].value
    bad = rows[rows["pair_id"].notna()]
    assert ids[3] in bad["pair_id"].astype(int).tolist()
    assert f"review?pair={ids[3]}" in bad["open"].tolist()
    (link,) = [e.proto for e in at.get("page_link") if e.proto.query_string]
    assert (link.page, link.query_string) == ("review", f"pair={ids[3]}")
    # following the link opens the pair in the focus view
    at.query_params["pair"] = str(ids[3])
    at.switch_page("pages/review.py").run()
    assert at.session_state["rv_current"] == ids[3]
    assert "Question 3?" in [t.value for t in at.text]
