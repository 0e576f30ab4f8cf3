"""Property-based fuzzing of `reviewer validate` (hypothesis, derandomized).

* Arbitrary bytes, for every target: the CLI exits 0, 1 or 2 with a JSON report, never a
  traceback, and every finding points at a line of the file.
* Structure-aware: valid chat examples (English, Korean, RTL, markup, emoji) with exactly one
  line corrupted: that line gets an error, no good line does, and every good line is counted.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.cli import cli
from reviewer.validation import validate_file

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TARGETS = ["openai", "together", "fireworks", "mistral", "hf-messages", "prompt-completion"]


def validate_bytes(data: bytes, target: str = "openai"):
    """`reviewer validate FILE --json` on `data`: (exit code, parsed report or None)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(data)
        result = CliRunner().invoke(cli, ["validate", str(path), "--target", target, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        return 2, None
    return result.exit_code, json.loads(result.output)


@FUZZ
@given(data=st.binary(max_size=3000), target=st.sampled_from(TARGETS))
def test_arbitrary_bytes_give_a_report_never_a_traceback(data, target):
    code, report = validate_bytes(data, target)
    if report is not None:
        lines = data.count(b"\n") + 1
        assert all(0 <= f["line"] <= lines for f in report["findings"])
        assert (code == 1) == any(f["severity"] == "error" for f in report["findings"])


PLAIN = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
SPECIMENS = ["전원이 안 켜져요", "\u202egnp.exe", "<script>alert(1)</script>",
             "[link](javascript:alert(1))", "😀🖨", "مرحبا", "**bold**"]
WORDS = st.lists(st.one_of(st.text(PLAIN, max_size=30), st.sampled_from(SPECIMENS)),
                 max_size=3).map(lambda parts: " ".join(parts).replace("<|", "< |"))


def good_line(i: int, question: str, answer: str) -> str:
    return json.dumps({"messages": [
        {"role": "system", "content": "You answer questions about Acme printers."},
        {"role": "user", "content": f"Question {i}: {question}"},
        {"role": "assistant", "content": f"Answer {i}: {answer}"},
    ]}, ensure_ascii=i % 2 == 0)


DEFECTS = st.sampled_from([
    "%%% not json", '{"messages": [', "[" * 100_000 + "]" * 100_000,
    '{"messages": [{"role": "user", "content": NaN}, {"role": "assistant", "content": "a"}]}',
    '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], '
    '"n": ' + "9" * 5000 + "}",
    "[1, 2, 3]", '"a string"', "null", '{"conversation": []}', '{"messages": []}',
    '{"messages": [{"role": "customer", "content": "q"}, {"role": "assistant", "content": "a"}]}',
    '{"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "a"}]}',
    '{"messages": [{"role": "user", "content": "q"}]}',
    '{"messages": [{"role": "user", "content": "q"}, '
    '{"role": "assistant", "content": "a <|endoftext|>"}]}',
    '\ufeff{"messages": [{"role": "user", "content": "q"}, '
    '{"role": "assistant", "content": "a"}]}',
])


@FUZZ
@given(texts=st.lists(st.tuples(WORDS, WORDS), min_size=10, max_size=16), bad=DEFECTS,
       data=st.data())
def test_one_bad_line_is_named_and_good_lines_counted(texts, bad, data):
    lines = [good_line(i, q, a) for i, (q, a) in enumerate(texts)]
    at = data.draw(st.integers(0, len(lines)), label="bad line index")
    lines.insert(at, bad)
    code, report = validate_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    assert code == 1 and report is not None
    error_lines = {f["line"] for f in report["findings"] if f["severity"] == "error"}
    assert error_lines == {at + 1}, report["findings"]
    assert report["summary"]["examples"] >= len(texts)


GOOD = sorted((Path(__file__).resolve().parent.parent / "corpus" / "good").glob("*.jsonl"))


@st.composite
def mutated_good_file(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(GOOD)).read_bytes()[:6000])
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["flip", "insert", "cut"]))
        if action == "flip" and raw:
            raw[min(pos, len(raw) - 1)] = draw(st.integers(0, 255))
        elif action == "insert":
            raw[pos:pos] = draw(st.sampled_from([
                b"\x00", b"\xff", b'"', b"\n", b"[" * 3000, b"\xef\xbb\xbf", b"NaN", b"1e999",
                b"\\ud800", "고객".encode("cp949"), b"<|endoftext|>", b"9" * 5000, b"{}"]))
        else:
            del raw[pos:pos + draw(st.integers(1, 60))]
    return bytes(raw)


@FUZZ
@given(data=mutated_good_file(), target=st.sampled_from(TARGETS))
def test_mutated_good_files_give_a_report_never_a_traceback(data, target):
    validate_bytes(data, target)


SURROGATE_LINE = ('{"messages": [{"role": "user", "content": "printer \\ud800 jams"}, '
                  '{"role": "assistant", "content": "Clear the tray."}]}')


@pytest.mark.xfail(strict=True, reason="validate does not flag a lone surrogate escape in "
                   "message content (not valid Unicode; the import refuses it)")
def test_lone_surrogate_in_content_is_an_error():
    lines = [good_line(i, "q", "a") for i in range(12)]
    lines.insert(4, SURROGATE_LINE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "surrogate.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        report = validate_file(path)
    assert 5 in {f.line for f in report.errors}
