"""Hostile input: each bad record is refused on its own, named by file, place and rule; every
good record of the batch is kept, and nothing raises or prints a traceback."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from reviewer.cli import cli
from reviewer.importing import import_paths, import_uploads
from reviewer.importing.store import ConversationWriter
from reviewer.models import Conversation, Turn

ROOT = Path(__file__).resolve().parents[2]


def chat(i: int) -> str:
    return json.dumps({"messages": [
        {"role": "user", "content": f"Printer P{i} shows error E{i} after the update."},
        {"role": "assistant", "content": f"Roll P{i} back to firmware 1.{i} and restart it."},
    ]}, ensure_ascii=False)


def count(db) -> int:
    return db.execute("SELECT count(*) FROM conversations").fetchone()[0]


def where(report) -> list[tuple[str, str]]:
    return [(r.locator, r.rule) for r in report.rejected]


SURROGATE = ('{"messages": [{"role": "user", "content": "broken \\ud800 escape"}, '
             '{"role": "assistant", "content": "ok"}]}')


def test_lone_surrogate_rejects_its_line_and_keeps_the_batch(db, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join([chat(1), SURROGATE, chat(3)]) + "\n")
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (2, [("line 2", "invalid_text")])
    assert "\\ud800" in report.rejected[0].reason
    assert count(db) == 2


def test_lone_surrogate_in_json_title_and_speaker(db, tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[{"title": "t\\udfff", "turns": [{"speaker": "Customer", "text": "q"}]},'
                    ' {"turns": [{"speaker": "Cust\\ud83d", "text": "q"}]},'
                    f' {chat(3)}]')
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (
        1, [("index 0", "invalid_text"), ("index 1", "invalid_text")])


def test_surrogate_pairs_are_ordinary_text(db, tmp_path):
    path = tmp_path / "emoji.jsonl"
    path.write_text('{"question": "printer \\ud83d\\udda8 jams", "answer": "clear it"}\n')
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (1, [])
    assert "🖨" in db.execute("SELECT text FROM conversations").fetchone()[0]


def test_deep_nesting_line_is_rejected_and_later_lines_kept(db, tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([chat(1), "[" * 100_000 + "]" * 100_000, chat(3), chat(4)]) + "\n")
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (3, [("line 2", "nesting_too_deep")])


def test_deep_json_document_is_a_rejection_not_a_traceback(db, tmp_path, capfd):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (0, [("index 0", "nesting_too_deep")])
    assert "Traceback" not in capfd.readouterr().err


def test_deep_items_of_a_json_list_are_skipped_one_by_one(db, tmp_path):
    deep_member = '{"messages": [], "meta": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"
    tricky = '["]]]", ' + "[" * 50_000 + '"[[{"' + "]" * 50_000 + "]"  # brackets in strings
    path = tmp_path / "list.json"
    path.write_text(f'{{"conversations": [{chat(1)}, {deep_member}, {chat(3)}, {tricky}, '
                    f'{chat(5)}]}}')
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (
        3, [("index 1", "nesting_too_deep"), ("index 3", "nesting_too_deep")])


def test_integer_over_the_digit_limit_rejects_only_its_line(db, tmp_path):
    path = tmp_path / "big.jsonl"
    huge = '{"question": "q", "answer": "a", "ticket": ' + "7" * 5000 + "}"
    path.write_text("\n".join([chat(1), huge, chat(3)]) + "\n")
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (2, [("line 2", "number_too_long")])
    assert "5000 digits" in report.rejected[0].reason


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused_not_imported_as_text(db, tmp_path, constant):
    path = tmp_path / "nan.jsonl"
    path.write_text("\n".join([chat(1), f'{{"question": {constant}, "answer": "ok"}}',
                               chat(3)]) + "\n")
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (2, [("line 2", "non_finite_number")])
    texts = [r[0] for r in db.execute("SELECT text FROM conversations")]
    assert not any(t.lower().startswith(("question: nan", "question: inf")) for t in texts)


def test_nan_in_a_json_list_item(db, tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(f'[{chat(1)}, {{"turns": [{{"speaker": "Customer", "text": NaN}}]}}, '
                    f'{chat(3)}]')
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (2, [("index 1", "non_finite_number")])


def test_csv_unclosed_quote_rejects_the_row_and_reads_on(db, tmp_path):
    path = tmp_path / "qa.csv"
    path.write_text('question,answer\nq1?,a1\nq2?,a2\n"q3 never closed?,a3\nq4?,a4\nq5?,a5\n')
    report = import_paths(db, [path])
    assert (report.imported, where(report)) == (4, [("row 4", "unclosed_quote")])
    assert "line 4" in report.rejected[0].reason
    questions = sorted(r[0].splitlines()[0] for r in db.execute("SELECT text FROM conversations"))
    assert questions == [f"question: q{i}?" for i in (1, 2, 4, 5)]


def test_csv_quoted_multiline_cells_still_work(db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text('conversation_id,speaker,text\nc1,Customer,"line one\nline ""two"""\n'
                    'c1,Engineer,"fine, thanks"\nc2,Customer,q\nc2,Engineer,"last\nrow"')
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (2, [])


def test_csv_unclosed_quote_in_long_form_and_on_the_last_row(db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text('conversation_id,speaker,text\nc1,Customer,q1\nc1,Engineer,a1\n'
                    'c2,Customer,"open\nc3,Customer,q3\nc3,Engineer,a3\nc4,Engineer,"tail\n')
    report = import_paths(db, [path])
    assert report.imported == 2  # c1 and c3
    assert where(report) == [("row 4", "unclosed_quote"), ("row 7", "unclosed_quote")]


def test_many_unclosed_quotes_stop_with_a_message(db, tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text("question,answer\n" + '"q,a\n' * 60)
    report = import_paths(db, [path])
    assert report.imported == 0
    assert {r.rule for r in report.rejected} == {"unclosed_quote"}
    assert "was not read" in report.rejected[-1].reason


def test_bom_at_the_start_of_a_jsonl_line_is_stripped(db, tmp_path):
    path = tmp_path / "joined.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + chat(1).encode() + b"\n\xef\xbb\xbf" + chat(2).encode())
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (2, [])


def test_bom_inside_a_transcript_is_stripped(db, tmp_path):
    path = tmp_path / "joined.txt"
    path.write_text("Customer: q1\nEngineer: a1\n---\n\ufeffCustomer: q2\nEngineer: a2\n")
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (2, [])


def test_utf16_without_bom_names_the_offset(db, tmp_path):
    path = tmp_path / "u16.jsonl"
    path.write_bytes((chat(1) + "\n").encode("utf-16-le"))
    report = import_paths(db, [path])
    (rejection,) = report.rejected
    assert (rejection.locator, rejection.rule) == ("line 1", "utf16")
    assert "byte offset 1" in rejection.reason and "UTF-8" in rejection.reason


def test_utf16_big_endian_korean_without_bom(db, tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("고객: 전원이 안 켜져요\n상담원: 리셋 버튼을 누르세요\n".encode("utf-16-be"))
    (rejection,) = import_paths(db, [path]).rejected
    assert rejection.rule == "utf16" and "big-endian" in rejection.reason


def test_nul_byte_in_csv_names_line_and_offset(db, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"question,answer\nq1,a1\nq2,a\x002\n")
    (rejection,) = import_paths(db, [path]).rejected
    assert (rejection.locator, rejection.rule) == ("line 3", "binary_data")
    assert "byte offset 26" in rejection.reason and "U+0000" in rejection.reason


def test_control_character_offset_counts_a_bom_and_multibyte_text(db, tmp_path):
    path = tmp_path / "ko.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "고객: 안녕\n".encode() + b"x\x01")
    (rejection,) = import_paths(db, [path]).rejected
    assert rejection.locator == "line 2"
    assert f"byte offset {3 + len('고객: 안녕'.encode()) + 2}" in rejection.reason


def test_invalid_utf8_names_line_and_offset(db, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Customer: hi\nEngineer: \xff\xfe\xfd\xfc ok\n")
    (rejection,) = import_paths(db, [path]).rejected
    assert (rejection.locator, rejection.rule) == ("line 2", "bad_encoding")
    assert "byte offset 23" in rejection.reason


def test_cp949_file_name_is_shown_in_korean_and_imported(db, tmp_path):
    folder = os.fsencode(tmp_path)
    raw = folder + b"/" + "고객상담".encode("cp949") + b".jsonl"
    with open(raw, "wb") as handle:
        handle.write((chat(1) + "\n" + SURROGATE + "\n").encode())
    report = import_paths(db, [tmp_path])
    assert report.imported == 1
    (rejection,) = report.rejected
    assert rejection.source.endswith("/고객상담.jsonl") and rejection.locator == "line 2"
    source = db.execute("SELECT source FROM conversations").fetchone()[0]
    assert source.endswith("/고객상담.jsonl")


def test_undecodable_file_name_is_escaped_and_imported(db, tmp_path):
    raw = os.fsencode(tmp_path) + b"/dump\xff\xfe.jsonl"
    with open(raw, "wb") as handle:
        handle.write((chat(1) + "\n").encode())
    report = import_paths(db, [tmp_path])
    assert (report.imported, report.rejected) == (1, [])
    source = db.execute("SELECT source FROM conversations").fetchone()[0]
    assert source.endswith("/dump\\xff\\xfe.jsonl")
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")


def test_cli_prints_undecodable_names_and_surrogates_without_traceback(tmp_path):
    raw = os.fsencode(tmp_path) + b"/" + "상담".encode("cp949") + b"\xff.jsonl"
    with open(raw, "wb") as handle:
        handle.write((chat(1) + "\n" + SURROGATE + "\n" + '{"\\udc80": 1}\n').encode())
    db_file = tmp_path / "cli.db"
    for extra in ([], ["--json"]):
        result = CliRunner().invoke(cli, ["--db", str(db_file), "import", *extra, str(tmp_path)])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        result.output.encode("utf-8")
        assert "line 2" in result.output and "line 3" in result.output
    assert sqlite3.connect(db_file).execute("SELECT count(*) FROM conversations").fetchone() == (1,)


def test_cp949_member_names_in_a_zip(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ab12.jsonl", chat(1) + "\n" + SURROGATE + "\n")
    # The name as Windows tools store it: CP949 bytes, without the UTF-8 flag.
    cp949 = "상담".encode("cp949") + b".jsonl"
    data = buffer.getvalue().replace(b"ab12.jsonl", cp949)
    report = import_uploads(db, [("dump.zip", io.BytesIO(data))], who="t")
    assert report.imported == 1
    assert [(r.source, r.locator) for r in report.rejected] == [("dump.zip:상담.jsonl", "line 2")]


def test_three_files_one_bad_record_keeps_every_good_record(db, tmp_path):
    """The failure this guards against: one record the database could not store aborted
    its whole 2,000-row batch and every file after it."""
    sizes = {"first.jsonl": 1500, "second.jsonl": 1000, "third.jsonl": 1000}
    start = 0
    for name, size in sizes.items():
        lines = [chat(i) for i in range(start, start + size)]
        if name == "first.jsonl":
            lines.insert(1200, SURROGATE)
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        start += size
    report = import_paths(db, [tmp_path / name for name in sizes])
    assert report.imported == 3500 and count(db) == 3500
    assert [(Path(r.source).name, r.locator, r.rule) for r in report.rejected] == [
        ("first.jsonl", "line 1201", "invalid_text")]


def test_a_row_the_database_refuses_does_not_take_its_batch_down(db):
    writer = ConversationWriter(db, run_id=None, imported_at="2026-01-01T00:00:00", batch_size=5)
    for i in range(12):
        text = "bad \udc80 text" if i == 3 else f"question {i}"
        writer.add(Conversation(source="x.jsonl", locator=f"line {i + 1}", fmt="jsonl",
                                turns=[Turn("customer", text), Turn("engineer", "answer")]))
    writer.flush()
    assert writer.imported == 11 and count(db) == 11
    (rejection,) = writer.take_rejected()
    assert (rejection.source, rejection.locator, rejection.rule) == ("x.jsonl", "line 4",
                                                                     "invalid_text")
    rejection.describe().encode("utf-8")


def test_import_page_reports_hostile_uploads(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["reviewer_name"] = "tester"
    at.run()
    at = at.switch_page("pages/import.py").run()
    uploader = at.file_uploader[0]
    uploader.upload("a.jsonl", "\n".join([chat(1), SURROGATE, chat(3)]).encode(),
                    "application/octet-stream")
    uploader.upload("deep.json", ("[" * 100_000 + "]" * 100_000).encode(), "application/json")
    uploader.run()
    at.button(key="import_go").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Imported"], metrics["Rejected"]) == ("2", "2")
    (table,) = [d.value for d in at.dataframe if "reason" in d.value.columns]
    assert table[["file", "where"]].values.tolist() == [["a.jsonl", "line 2"],
                                                         ["deep.json", "index 0"]]
