"""Bad-input corpus: each file holds one defect; the exact rule, line and severity must be
reported, and nothing else may be an error elsewhere. Good files must have no errors."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.validation import MAX_LINE_BYTES, validate_file

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BAD = CORPUS / "bad"
CASES = {**json.loads((BAD / "expected.json").read_text()),
         **json.loads((BAD / "profiles.json").read_text())}


def test_corpus_has_at_least_thirty_defect_classes():
    assert len(CASES) >= 30
    assert {p.name for p in BAD.glob("*.jsonl")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_reports_exact_rule_and_line(name):
    case = CASES[name]
    report = validate_file(BAD / name, target=case.get("target", "openai"))
    got = {(f.rule, f.line, f.severity) for f in report.findings}
    assert (case["rule"], case["line"], case["severity"]) in got
    stray = [f for f in report.errors
             if f.line != case["line"] or case["severity"] == "warning"]
    assert not stray, stray
    assert report.ok == (case["severity"] == "warning")


@pytest.mark.parametrize("name,target", [("chat.jsonl", "openai"), ("tools.jsonl", "openai"),
                                         ("multi_turn_weights.jsonl", "openai"),
                                         ("prompt_completion.jsonl", "prompt-completion")])
def test_good_files_have_no_errors(name, target):
    report = validate_file(CORPUS / "good" / name, target=target)
    assert report.ok, report.errors
    assert report.summary["examples"] >= 50


def test_tool_calling_file_is_clean_and_counts_tool_arguments():
    report = validate_file(CORPUS / "good" / "tools.jsonl")
    assert report.findings == []
    assert report.summary["tokens"]["messages"]["max"] == 5


def test_enormous_line_is_skipped_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.jsonl"
    good = (BAD / "garbage.jsonl").read_text().splitlines()
    with path.open("w") as fh:
        fh.write("\n".join(good[:3]) + "\n")
        fh.write('{"messages": [{"role": "user", "content": "')
        chunk = "x" * (1 << 20)
        for _ in range(MAX_LINE_BYTES // len(chunk) + 2):
            fh.write(chunk)
        fh.write('"}]}\n')
        fh.write("\n".join(good[10:20]) + "\n")
    report = validate_file(path)
    assert ("line_too_long", 4, "error") in {(f.rule, f.line, f.severity) for f in report.findings}
    assert [f.line for f in report.errors] == [4]
    assert report.summary["examples"] == 14


@pytest.mark.parametrize("name", ["binary.jsonl", "deep_nesting.jsonl", "garbage.jsonl"])
def test_cli_never_tracebacks_and_exits_one_on_errors(name):
    result = CliRunner().invoke(cli, ["validate", str(BAD / name), "--json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.output)
    assert set(payload) == {"summary", "findings"}
    assert {"line", "rule", "severity", "message"} <= set(payload["findings"][0])
