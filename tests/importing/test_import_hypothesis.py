"""Property-based fuzzing of every importer (hypothesis, derandomized so CI sees the same
cases every run).

* Arbitrary bytes under every supported extension, and byte mutations of valid files: no
  exception escapes and the report can always be printed and stored.
* Structure-aware: valid records (English, Korean, RTL, markup, emoji) with exactly one record
  corrupted in a known way: every good record is imported and the one rejection names the
  bad record's place and rule.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.db import connect
from reviewer.importing import ImportReport, import_paths, import_uploads

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXTENSIONS = ["txt", "md", "json", "jsonl", "ndjson", "csv", "tsv", "zip", "bin"]


@contextmanager
def fresh_db() -> Iterator:
    """A new in-memory database per example: the same schema, no disk syncs."""
    database = connect(":memory:")
    try:
        yield database
    finally:
        database.close()


def run(files: list[tuple[str, bytes]]) -> ImportReport:
    with fresh_db() as database:
        report = import_uploads(database, [(n, io.BytesIO(d)) for n, d in files], who="fuzz")
        stored = database.execute("SELECT count(*) FROM conversations").fetchone()[0]
    assert stored == report.imported
    assert_printable(report)
    return report


def assert_printable(report: ImportReport) -> None:
    """What the CLI prints and the Import page shows must be valid text."""
    "\n".join(report.lines()).encode("utf-8")
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    for rejection in report.rejected:
        assert rejection.source and rejection.reason and rejection.rule


# ---- arbitrary bytes ---------------------------------------------------------------------

@FUZZ
@given(ext=st.sampled_from(EXTENSIONS), data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(ext, data):
    report = run([(f"fuzz.{ext}", data)])
    assert report.files == 1 and (report.imported or report.rejected)


# ---- valid records -------------------------------------------------------------------------

# No control characters or line separators: inside a record they would be a defect of their
# own (refused as binary data, or a line break that changes the record count).
PLAIN = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
SPECIMENS = ["고객: 전원이 안 켜져요", "\u202egnp.exe", "<script>alert(1)</script>",
             "[link](javascript:alert(1)) ![x](http://example.test/a.png)", "# heading",
             "😀🖨 프린터", "مرحبا بالعالم", "a\u200bb", "**bold** _it_"]
WORDS = st.lists(st.one_of(st.text(PLAIN, max_size=30), st.sampled_from(SPECIMENS)),
                 max_size=3).map(" ".join)


@dataclass(frozen=True)
class Record:
    question: str
    answer: str
    shape: str


def records(n_max: int = 6) -> st.SearchStrategy[list[Record]]:
    one = st.tuples(WORDS, WORDS, st.sampled_from(["messages", "qa", "turns"]))
    return st.lists(one, min_size=1, max_size=n_max).map(lambda items: [
        Record(f"Q{i} {q}", f"A{i} {a}", shape) for i, (q, a, shape) in enumerate(items)])


def as_json(record: Record) -> dict:
    if record.shape == "messages":
        return {"messages": [{"role": "user", "content": record.question},
                             {"role": "assistant", "content": record.answer}]}
    if record.shape == "turns":
        return {"turns": [{"speaker": "Customer", "text": record.question},
                          {"speaker": "Engineer", "text": record.answer}]}
    return {"question": record.question, "answer": record.answer}


def csv_safe(text: str) -> str:
    return text.replace('"', "'").replace(",", ";")


# ---- one corrupted record ------------------------------------------------------------------

SURROGATE_SLOT = "@@lone@@"
RECORD_DEFECTS = {
    "invalid_text": st.integers(0xD800, 0xDFFF).map(
        lambda code: json.dumps({"question": f"x{SURROGATE_SLOT}y", "answer": "a"}).replace(
            SURROGATE_SLOT, f"\\u{code:04x}")),
    "nesting_too_deep": st.sampled_from([
        "[" * 100_000 + "]" * 100_000,
        '{"question": "q", "answer": "a", "meta": ' + '{"k": ' * 60_000 + "0" + "}" * 60_000
        + "}"]),
    "number_too_long": st.integers(4_301, 6_000).map(
        lambda digits: '{"question": "q", "answer": "a", "ticket": ' + "9" * digits + "}"),
    "non_finite_number": st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400"]).map(
        lambda constant: f'{{"question": {constant}, "answer": "a"}}'),
    "not_a_conversation": st.sampled_from([
        '{"foo": 1}', "[1, 2, 3]", '"no speaker labels here"', '{"messages": []}', "null",
        "42", '{"messages": [{"role": "system", "content": "only a system line"}]}']),
}
JSONL_DEFECTS = {**RECORD_DEFECTS,
                 "invalid_json": st.sampled_from(['{"question": "cut here', '{"a": 1,}',
                                                  "{'single': 'quotes'}", "%%% not json"])}


@st.composite
def defect(draw, table: dict) -> tuple[str, str]:
    rule = draw(st.sampled_from(sorted(table)))
    return rule, draw(table[rule])


@st.composite
def jsonl_case(draw):
    good = draw(records())
    rule, bad = draw(defect(JSONL_DEFECTS))
    ascii_only = draw(st.booleans())
    lines = [json.dumps(as_json(r), ensure_ascii=ascii_only) for r in good]
    at = draw(st.integers(0, len(lines)))
    lines.insert(at, bad)
    return "\n".join(lines).encode(), len(good), (f"line {at + 1}", rule)


@st.composite
def json_case(draw):
    good = draw(records())
    rule, bad = draw(defect(RECORD_DEFECTS))
    items = [json.dumps(as_json(r), ensure_ascii=draw(st.booleans())) for r in good]
    at = draw(st.integers(0, len(items)))
    items.insert(at, bad)
    body = "[\n" + ",\n".join(items) + "\n]"
    if draw(st.booleans()):
        body = '{"conversations": ' + body + "}"
    return body.encode(), len(good), (f"index {at}", rule)


@st.composite
def csv_case(draw):
    good = draw(records())
    rows = [f"{csv_safe(r.question)},{csv_safe(r.answer)}" for r in good]
    at = draw(st.integers(0, len(rows)))
    rows.insert(at, '"' + rows[at - 1] if at else '"unclosed question,answer')
    text = "question,answer\n" + "\n".join(rows) + draw(st.sampled_from(["\n", ""]))
    return text.encode(), len(good), (f"row {at + 2}", "unclosed_quote")


LONG_FORM_DEFECTS = {
    "wrong_columns": st.just("bad1"),
    "empty_field": st.sampled_from(["bad1,Customer,", ",Customer,text without an id"]),
    "unclosed_quote": st.just('bad1,Customer,"this quote never closes'),
}


@st.composite
def long_form_case(draw):
    good = draw(records())
    rows = []
    for i, r in enumerate(good):
        rows += [f"c{i},Customer,{csv_safe(r.question)}", f"c{i},Engineer,{csv_safe(r.answer)}"]
    rule, bad = draw(defect(LONG_FORM_DEFECTS))
    at = draw(st.integers(0, len(rows)))
    rows.insert(at, bad)
    text = "conversation_id,speaker,text\n" + "\n".join(rows) + "\n"
    return text.encode(), len(good), (f"row {at + 2}", rule)


NO_LABELS = st.text(st.sampled_from("abcxyz 가나다라마 0123456789."), max_size=40).map(
    lambda words: "note " + words)


@st.composite
def transcript_case(draw):
    good = draw(records())
    blocks = [[f"Customer: {r.question}", f"Engineer: {r.answer}"] for r in good]
    at = draw(st.integers(0, len(blocks)))
    blocks.insert(at, draw(st.lists(NO_LABELS, min_size=1, max_size=3)))
    line = 1 + sum(len(b) + 1 for b in blocks[:at])  # each block, then its separator
    text = "\n---\n".join("\n".join(b) for b in blocks) + "\n"
    return text.encode(), len(good), (f"line {line}", "no_turns")


CASES = {"jsonl": jsonl_case(), "json": json_case(), "csv": csv_case(),
         "long.csv": long_form_case(), "txt": transcript_case(), "md": transcript_case()}


@pytest.mark.parametrize("ext", sorted(CASES))
@FUZZ
@given(data=st.data())
def test_one_bad_record_keeps_every_good_one(ext, data):
    raw, good, (locator, rule) = data.draw(CASES[ext])
    name = f"dump.{ext}"
    report = run([(name, raw)])
    assert [(r.source, r.locator, r.rule) for r in report.rejected] == [(name, locator, rule)]
    assert report.imported == good


@FUZZ
@given(first=jsonl_case(), second=csv_case(), third=transcript_case())
def test_bad_records_in_a_zip_and_beside_it(first, second, third):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("in/a.jsonl", first[0])
        archive.writestr("in/b.csv", second[0])
    report = run([("bundle.zip", bundle.getvalue()), ("c.txt", third[0])])
    # The three files may share a record (all are drawn alike): kept once, counted duplicate.
    assert report.imported + report.duplicates == first[1] + second[1] + third[1]
    assert [(r.source, r.locator, r.rule) for r in report.rejected] == [
        ("bundle.zip:in/a.jsonl", *first[2]), ("bundle.zip:in/b.csv", *second[2]),
        ("c.txt", *third[2])]


@FUZZ
@given(good=records(), boms=st.lists(st.booleans(), min_size=6, max_size=6))
def test_a_bom_before_any_jsonl_line_is_not_a_defect(good, boms):
    lines = [("\ufeff" if bom else "") + json.dumps(as_json(r)) for r, bom in zip(good, boms,
                                                                                  strict=False)]
    report = run([("joined.jsonl", "\n".join(lines).encode())])
    assert (report.imported, report.rejected) == (len(good), [])


# ---- byte mutations of valid files ------------------------------------------------------

@st.composite
def mutated(draw):
    ext = draw(st.sampled_from(sorted(CASES)))
    raw = bytearray(draw(CASES[ext])[0])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["flip", "insert", "cut"]))
        if action == "flip" and raw:
            raw[min(pos, len(raw) - 1)] = draw(st.integers(0, 255))
        elif action == "insert":
            raw[pos:pos] = draw(st.sampled_from([
                b"\x00", b"\xff", b'"', b"\n", b"[" * 3000, b"\xef\xbb\xbf", b"NaN", b",",
                b"\\ud800", "고객:".encode("cp949"), b"---\n", b"Engineer: "]))
        else:
            del raw[pos:pos + draw(st.integers(1, 40))]
    return ext, bytes(raw)


@FUZZ
@given(case=mutated())
def test_mutated_valid_files_never_raise(case):
    ext, raw = case
    report = run([(f"mutated.{ext}", raw)])
    assert report.files == 1


# ---- file names ----------------------------------------------------------------------------

NAME_BYTES = st.binary(min_size=1, max_size=40).filter(
    lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b"..")
    and not b.startswith(b"."))


@FUZZ
@given(name=NAME_BYTES)
def test_any_file_name_is_imported_and_printable(name):
    with tempfile.TemporaryDirectory() as folder:
        raw_path = os.fsencode(folder) + b"/" + name + b".jsonl"
        with open(raw_path, "wb") as handle:
            handle.write(b'{"question": "q", "answer": "a"}\n')
        with fresh_db() as database:
            report = import_paths(database, [folder])
            source = database.execute("SELECT source FROM conversations").fetchone()[0]
    assert (report.imported, report.rejected) == (1, [])
    source.encode("utf-8")
    assert source.endswith(".jsonl")
    assert_printable(report)
