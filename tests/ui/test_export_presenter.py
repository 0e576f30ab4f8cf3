from dataclasses import asdict, dataclass

from reviewer.exporting import ExportOptions, KeptExport
from reviewer.presenters import export as ev
from reviewer.validation import ValidationReport


@dataclass(frozen=True)
class Finding:  # same shape as the validation package's findings
    line: int
    rule: str
    severity: str
    message: str
    pair_id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def test_histogram_buckets_cover_all_values():
    hist = ev.histogram([10, 11, 19, 30, 30, 49], bins=4)
    assert sum(b["examples"] for b in hist) == 6
    assert hist[0]["tokens"].startswith("10")
    assert ev.histogram([]) == []
    assert ev.histogram([7, 7]) == [{"tokens": "7–7", "examples": 2}]


def test_findings_rows_and_filters():
    rows = ev.findings_rows([
        Finding(line=3, rule="empty_answer", severity="error", message="m", pair_id=9),
        {"line": 0, "rule": "too_few", "severity": "warning", "message": "w", "pair_id": None},
    ])
    assert rows[0] == {"severity": "error", "rule": "empty_answer", "line": 3, "pair_id": 9,
                       "message": "m"}
    assert ev.filter_findings(rows, severities=["warning"]) == [rows[1]]
    assert ev.filter_findings(rows, rules=["empty_answer"]) == [rows[0]]
    assert ev.filter_findings(rows) == rows


def test_summary_metrics_and_lines():
    summary = {"examples": 1200, "estimated_cost_usd": 3.5, "epochs": 3, "model": "m",
               "tokens": {"total": {"min": 10, "max": 90}, "assistant": {"min": 2, "max": 9}},
               "training_availability": "trainable until 2027-01-06",
               "costs": [{"model": "m", "estimated_cost_usd": 3.5, "training_per_1m": 3.0,
                          "can_train": False, "availability": "training no longer offered"}],
               "rules": {"few_examples": 1}}
    assert ev.summary_metrics(summary) == [("Examples", "1,200"), ("Epochs", "3"),
                                           ("Estimated cost (USD)", "$3.50")]
    assert ev.availability_lines(summary) == [
        "training availability: trainable until 2027-01-06"]
    assert ev.detail_lines(summary) == ["Model: m"]
    assert ev.token_stat_rows(summary) == [
        {"per example": "total", "min": 10, "max": 90},
        {"per example": "assistant", "min": 2, "max": 9}]
    assert ev.cost_rows(summary)[0]["can train"] is False


def test_choices_come_from_the_validation_tables():
    from reviewer.validation import DEFAULT_MODEL, MODELS, PROFILES

    assert ev.target_choices()[0] == "openai"
    assert sorted(ev.target_choices()) == sorted(PROFILES)
    assert ev.model_choices()[0] == DEFAULT_MODEL
    assert sorted(ev.model_choices()) == sorted(MODELS)
    assert DEFAULT_MODEL in ev.model_label(DEFAULT_MODEL)
    assert "trainable" in ev.model_label(DEFAULT_MODEL) or "training" in ev.model_label(
        DEFAULT_MODEL)


def test_form_options_map_the_page_form(tmp_path):
    few = tmp_path / "few.jsonl"
    plain = ev.form_options(target="mistral", model="gpt-4o-mini", epochs=0, multi_turn=True,
                            check_few_shot=True, few_shot_file=few)
    assert plain == ExportOptions(target="mistral", model="gpt-4o-mini", multi_turn=True,
                                  few_shot_set=True)
    few.write_text("{}\n", encoding="utf-8")
    checked = ev.form_options(target="openai", model=None, epochs=3, multi_turn=False,
                              check_few_shot=True, few_shot_file=few)
    assert (checked.few_shot, checked.epochs) == (few, 3)
    unchecked = ev.form_options(target="openai", model=None, epochs=3, multi_turn=False,
                                check_few_shot=False, few_shot_file=few)
    assert unchecked.few_shot is None and not unchecked.few_shot_set


def test_result_state_is_plain_data(tmp_path):
    report = ValidationReport(summary={"examples": 0}, findings=[])
    kept = KeptExport(True, b"x\n", report, tmp_path / "a.jsonl", tmp_path / "a.manifest.json",
                      7)
    options = ExportOptions(model="gpt-4o")
    state = ev.result_state(kept, options, fingerprint="3:9", approved=3)
    assert state == {"data": b"x\n", "report": report.to_json(), "ok": True, "model": "gpt-4o",
                     "options": options, "token_counts": [], "fingerprint": "3:9",
                     "approved": 3, "copy": str(tmp_path / "a.jsonl"),
                     "manifest": str(tmp_path / "a.manifest.json"), "file_name": "a.jsonl",
                     "run_id": 7}
    refused = ev.result_state(KeptExport(False, b"", report, None, None, 8), ExportOptions(),
                              fingerprint="0:0", approved=0)
    assert (refused["copy"], refused["file_name"], refused["ok"]) == (None, None, False)


def test_token_counts_come_from_the_report(tmp_path):
    carried = KeptExport(True, b"x\n", ValidationReport(summary={}, token_counts=[5, 8]), None,
                         None, 1)
    assert ev.result_state(carried, ExportOptions(), fingerprint="", approved=2)[
        "token_counts"] == [5, 8]


def built(**over):
    return {"fingerprint": "12:40", "approved": 12, "options": ExportOptions(), **over}


def test_stale_reasons_compare_the_approved_set_and_the_options():
    assert ev.stale_reasons(built(), fingerprint="12:40", approved=12,
                            options=ExportOptions()) == []
    assert ev.stale_reasons(built(), fingerprint="13:41", approved=13, options=None) == [
        "the approved pairs changed since it was built (12 approved then, 13 now)"]
    assert ev.stale_reasons(built(), fingerprint="12:44", approved=12, options=None) == [
        "pairs were edited or reviewed since it was built (12 approved then and now)"]
    assert ev.stale_reasons(built(), fingerprint="12:40", approved=12,
                            options=ExportOptions(target="mistral")) == [
        "the options above differ from the ones it was built with"]
    assert len(ev.stale_reasons(built(), fingerprint="1:50", approved=1,
                                options=ExportOptions(multi_turn=True))) == 2


def report(findings, **summary):
    return {"summary": summary, "findings": [f.to_dict() for f in findings]}


def test_verdict_says_what_comes_next():
    refused = {"ok": False, "report": report(
        [Finding(4, "missing_content", "error", "empty answer", 12)], errors=1, warnings=0)}
    assert ev.verdict(refused).headline == "Export refused: 1 error. Fix it and build again."
    many = {"ok": False, "report": report([], errors=1500, warnings=3)}  # listed up to a cap
    assert ev.verdict(many) == ev.Verdict(False, 1500, 3,
                                          "Export refused: 1,500 errors. Fix them and build "
                                          "again.")
    assert ev.verdict(many, stale=True).headline == "The last build was refused (1,500 errors)."
    warned = {"ok": True, "report": report([], examples=12, warnings=2)}
    assert ev.verdict(warned).headline == ("The file passed validation. 12 examples, 2 warnings "
                                           "to acknowledge before the download.")
    assert ev.verdict(warned, stale=True).headline.startswith(
        "The last build passed validation. 12 examples")
    clean = {"ok": True, "report": report([], examples=1)}
    assert ev.verdict(clean).headline == "The file passed validation. 1 example, no warnings."


def test_error_rows_and_warning_counts_per_rule():
    findings = [
        Finding(0, "few_examples", "warning", "12 examples"),
        Finding(2, "duplicate", "warning", "same as line 1", 7),
        Finding(3, "missing_content", "error", "empty answer", 8),
        Finding(5, "duplicate", "warning", "same as line 1", 9),
    ]
    rep = report(findings, rules={"duplicate": 1200, "few_examples": 1, "missing_content": 1})
    assert ev.error_rows(rep) == [{"rule": "missing_content", "where": "line 3", "pair_id": 8,
                                   "message": "empty answer"}]
    assert ev.warning_counts(rep) == [  # the true total when more exist than are listed
        {"rule": "duplicate", "warnings": 1200, "for example": "same as line 1"},
        {"rule": "few_examples", "warnings": 1, "for example": "12 examples"}]
    assert ev.warning_counts(report(findings[:2])) == [
        {"rule": "duplicate", "warnings": 1, "for example": "same as line 1"},
        {"rule": "few_examples", "warnings": 1, "for example": "12 examples"}]
    assert ev.where(0) == "whole file"


def test_a_selected_finding_opens_its_pair_with_the_finding_text():
    rows = [{"rule": "pii_email", "pair_id": 41, "message": "email in text: a***@b.kr"},
            {"rule": "too_few_examples", "pair_id": None, "message": "3 example(s)"}]
    assert ev.selected_row(rows, []) is None and ev.selected_row(rows, [5]) is None
    assert ev.review_params(ev.selected_row(rows, [0])) == {
        "pair": "41", "finding": "pii_email: email in text: a***@b.kr"}
    assert ev.review_params(rows[1]) is None
    long = ev.review_params({"rule": "near_duplicate", "pair_id": 3, "message": "유사 " * 400})
    assert len(long["finding"]) == 300 and long["finding"].startswith("near_duplicate: 유사")


def test_empty_states_name_the_next_step():
    nothing = ev.empty_state({"pending": 0, "approved": 0, "rejected": 0, "deleted": 0})
    assert (nothing.action, nothing.page) == ("Import conversations", "pages/import.py")
    unreviewed = ev.empty_state({"pending": 4, "approved": 0, "rejected": 1, "deleted": 0})
    assert (unreviewed.action, unreviewed.page) == ("Review pairs", "pages/review.py")
    assert unreviewed.message.startswith("None of the 5 pairs is approved yet")
    assert ev.empty_state({"pending": 1, "approved": 0}).message.startswith(
        "The one pair is not approved yet")
    assert ev.empty_state({"pending": 4, "approved": 1}) is None
    assert ev.approved_line({"approved": 1, "pending": 1200}) == (
        "1 approved pair will be exported (1,200 still pending review).")


def test_form_values_give_back_the_options_they_came_from(tmp_path):
    few = tmp_path / "few.jsonl"
    few.write_text("{}\n", encoding="utf-8")
    options = ev.form_options(target="together", model="gpt-4o-mini", epochs=3,
                              multi_turn=True, check_few_shot=True, few_shot_file=few)
    values = ev.form_values(options)
    assert values == {"ex_target": "together", "ex_model": "gpt-4o-mini", "ex_epochs": 3,
                      "ex_multi_turn": True, "ex_few_shot": True}
    again = ev.form_options(target=values["ex_target"], model=values["ex_model"],
                            epochs=values["ex_epochs"], multi_turn=values["ex_multi_turn"],
                            check_few_shot=values["ex_few_shot"], few_shot_file=few)
    assert again == options
    assert "ex_model" not in ev.form_values(ExportOptions())
