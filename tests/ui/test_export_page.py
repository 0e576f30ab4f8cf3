"""Export page: build, validate, download, kept copy; the verdict and a refusal's errors right
under the button; warnings acknowledged; a stale report and Rebuild; findings open their
pair in Review; the next step when nothing is approved."""

import json

from ui_helpers import open_page, seed

from reviewer.review import store
from reviewer.runs import recent_runs
from reviewer.tokens import count_chat_tokens, get_encoding


def approve(db, ids):
    for pid in ids:
        assert store.update_pair(db, pid, {"status": "approved"}, expected_version=1,
                                 who="t") == "ok"


def good(i):
    return ("Router support summary.", f"How do I fix issue {i}?",
            f"Do step {i} and restart the device.")


def build(at):
    at.checkbox(key="ex_few_shot").uncheck()
    at.button(key="ex_build").click().run()
    assert not at.exception
    return at


LAYOUT = {"main", "flex_container", "column", "expander", "container"}


def in_order(at) -> list[str]:
    """What the main area shows, top to bottom: element types, keyed ones as type:key."""
    out = []
    for node in at.main:
        if node.type in LAYOUT:
            continue
        key = getattr(node, "key", None)
        out.append(f"{node.type}:{key}" if key else node.type)
    return out


def errors_key(at) -> str:
    return f"ex_errors_{at.session_state['ex_table_gen']}"


def test_export_offers_download_and_keeps_a_copy(db, db_path):
    ids = seed(db, 14, text=good)
    approve(db, ids[:12])
    at = build(open_page("export.py"))
    (success,) = at.success
    warnings = at.session_state["ex_result"]["report"]["summary"]["warnings"]
    assert warnings > 0  # fewer than 50 examples
    assert success.value == (f"The file passed validation. 12 examples, {warnings} warning"
                             f"{'s' if warnings > 1 else ''} to acknowledge before the download.")
    download = at.get("download_button")
    assert len(download) == 1
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
    # the histogram counts every exported example
    assert len(at.session_state["ex_result"]["token_counts"]) == 12
    assert not at.exception


def test_warnings_are_counted_per_rule_right_above_the_acknowledgement(db):
    ids = seed(db, 12, text=lambda i: good(1) if i in (2, 5) else good(i))  # 2 duplicates
    approve(db, ids)
    at = build(open_page("export.py"))
    order = in_order(at)
    # verdict, the per-rule table, the acknowledgement, the download: one after the other
    verdict = order.index("success")
    assert order[verdict:verdict + 5] == ["success", "markdown", "dataframe", "checkbox:ex_ack",
                                          "download_button:ex_download"]
    assert order[verdict - 1] == "button:ex_build"
    per_rule = at.dataframe[0].value
    assert list(per_rule.columns) == ["rule", "warnings", "for example"]
    counts = dict(zip(per_rule["rule"], per_rule["warnings"], strict=True))
    assert counts["duplicate"] == 2 and counts["few_examples"] == 1
    assert sum(counts.values()) == at.session_state["ex_result"]["report"]["summary"][
        "warnings"]
    assert at.checkbox(key="ex_ack").label == (
        f"I have read the {sum(counts.values())} warnings above and want this file anyway")


def test_refusal_shows_its_errors_right_under_the_button(db, db_path):
    ids = seed(db, 12, text=lambda i: ("Summary.", f"Question {i}?",
                                       "" if i == 3 else f"Answer {i}."))
    approve(db, ids)
    at = build(open_page("export.py"))
    assert len(at.get("download_button")) == 0
    assert at.error[0].value == "Export refused: 1 error. Fix it and build again."
    assert not list((db_path.parent / "exports").glob("*.jsonl"))
    runs = [r for r in recent_runs(db) if r["kind"] == "export"]
    assert [r["status"] for r in runs] == ["refused"]  # recorded like a refused CLI export
    # the order: button, verdict, the errors; statistics only after them
    order = in_order(at)
    button = order.index("button:ex_build")
    assert order[button:button + 4] == ["button:ex_build", "error", "markdown",
                                        f"dataframe:{errors_key(at)}"]
    assert button < order.index("metric")
    errors = next(d for d in at.dataframe if d.key == errors_key(at)).value
    assert list(errors.columns) == ["rule", "where", "pair_id", "message"]
    assert set(errors["pair_id"].astype(int)) == {ids[3]}
    assert set(errors["where"]) == {"line 4"}
    # the full findings list is still there, filterable
    table = next(d for d in at.dataframe if (d.key or "").startswith("ex_findings_")).value
    assert list(table.columns) == ["severity", "rule", "line", "pair_id", "message"]
    at.multiselect(key="ex_sev").select("error").run()
    table = next(d for d in at.dataframe if (d.key or "").startswith("ex_findings_")).value
    assert set(table["severity"]) == {"error"}


def test_an_error_opens_its_pair_in_review_with_the_finding(db):
    ids = seed(db, 12, text=lambda i: ("Summary.", f"Question {i}?",
                                       "" if i == 3 else f"Answer {i}."))
    approve(db, ids)
    at = build(open_page("export.py"))
    first = next(d for d in at.dataframe if d.key == errors_key(at)).value.iloc[0]
    at.session_state[errors_key(at)] = {"selection": {"rows": [0], "columns": [],
                                                      "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Review"]
    # The focus view opens the pair and shows the finding above it.
    assert at.session_state["rv_current"] == ids[3]
    assert f"{first['rule']}: {first['message']}"[:300] in [t.value for t in at.text]


def test_a_whole_file_finding_has_no_pair_to_open(db):
    approve(db, seed(db, 3, text=good))  # too few examples: an error about the whole file
    at = build(open_page("export.py"))
    errors = next(d for d in at.dataframe if d.key == errors_key(at)).value
    assert errors["where"].tolist() == ["whole file"]
    at.session_state[errors_key(at)] = {"selection": {"rows": [0], "columns": [],
                                                      "cells": []}}
    at.run()
    assert [t.value for t in at.title] == ["Export"]
    assert [i.value for i in at.info] == [
        "That finding is about the whole file; there is no pair to open."]


def test_report_goes_stale_after_one_more_approval_and_rebuilds(db):
    ids = seed(db, 13, text=good)
    approve(db, ids[:12])
    at = build(open_page("export.py"))
    at.checkbox(key="ex_ack").check().run()
    assert not at.warning and not at.get("download_button")[0].proto.disabled

    approve(db, ids[12:])  # in another tab or by another reviewer
    at.run()
    (stale,) = at.warning
    assert stale.value == ("This report is out of date: the approved pairs changed since it "
                           "was built (12 approved then, 13 now).")
    assert not at.success
    assert at.info[0].value.startswith("The last build passed validation. 12 examples")
    assert at.get("download_button")[0].proto.disabled
    assert any("Download disabled: this report is out of date" in m.value for m in at.markdown)

    at.button(key="ex_rebuild_button").click().run()
    assert not at.exception and not at.warning
    assert at.session_state["ex_result"]["approved"] == 13
    assert at.success[0].value.startswith("The file passed validation. 13 examples")
    assert at.get("download_button")[0].proto.disabled  # the new warnings: acknowledge again
    at.checkbox(key="ex_ack").check().run()
    assert not at.get("download_button")[0].proto.disabled


def test_an_edit_or_other_options_also_make_the_report_stale(db):
    ids = seed(db, 12, text=good)
    approve(db, ids)
    at = build(open_page("export.py"))
    assert store.update_pair(db, ids[0], {"answer": "Restart it."}, expected_version=2,
                             who="t") == "ok"
    at.run()
    assert at.warning[0].value == ("This report is out of date: pairs were edited or reviewed "
                                   "since it was built (12 approved then and now).")
    at.button(key="ex_rebuild_button").click().run()
    assert not at.warning
    at.selectbox(key="ex_target").set_value("mistral").run()
    assert at.warning[0].value == ("This report is out of date: the options above differ from "
                                   "the ones it was built with.")


def test_the_form_comes_back_as_built_after_another_page(db):
    approve(db, seed(db, 12, text=good))
    at = open_page("export.py")
    at.selectbox(key="ex_target").set_value("mistral")
    at = build(at)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/export.py").run()
    assert at.selectbox(key="ex_target").value == "mistral"
    assert not at.checkbox(key="ex_few_shot").value
    assert not at.warning  # same options, same pairs: the report is current


def test_no_pairs_points_to_import(db):
    at = open_page("export.py")
    assert [i.value for i in at.info][0].startswith("There are no pairs yet.")
    assert not at.get("download_button")
    assert [b.key for b in at.button if b.key and b.key.startswith("ex_")] == ["ex_next_step"]
    assert at.button(key="ex_next_step").label == "Import conversations"
    at.button(key="ex_next_step").click().run()
    assert [t.value for t in at.title] == ["Import"]


def test_no_approved_pairs_points_to_review(db):
    seed(db, 3)
    at = open_page("export.py")
    assert at.info[0].value.startswith("None of the 3 pairs is approved yet")
    assert at.button(key="ex_next_step").label == "Review pairs"
    at.button(key="ex_next_step").click().run()
    assert [t.value for t in at.title] == ["Review"]
