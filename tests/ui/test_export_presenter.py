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
    assert rows[0]["open"] == "review?pair=9" and rows[1]["open"] is None
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
    assert plain == ExportOptions(target="mistral", model="gpt-4o-mini", multi_turn=True)
    few.write_text("{}\n", encoding="utf-8")
    checked = ev.form_options(target="openai", model=None, epochs=3, multi_turn=False,
                              check_few_shot=True, few_shot_file=few)
    assert (checked.few_shot, checked.epochs) == (few, 3)
    unchecked = ev.form_options(target="openai", model=None, epochs=3, multi_turn=False,
                                check_few_shot=False, few_shot_file=few)
    assert unchecked.few_shot is None


def test_result_state_is_plain_data(tmp_path):
    report = ValidationReport(summary={"examples": 0}, findings=[])
    kept = KeptExport(True, b"x\n", report, tmp_path / "a.jsonl", tmp_path / "a.manifest.json",
                      7)
    state = ev.result_state(kept, "gpt-4o")
    assert state == {"data": b"x\n", "report": report.to_json(), "ok": True, "model": "gpt-4o",
                     "token_counts": [], "copy": str(tmp_path / "a.jsonl"),
                     "manifest": str(tmp_path / "a.manifest.json"), "file_name": "a.jsonl",
                     "run_id": 7}
    refused = ev.result_state(KeptExport(False, b"", report, None, None, 8), None)
    assert (refused["copy"], refused["file_name"], refused["ok"]) == (None, None, False)
