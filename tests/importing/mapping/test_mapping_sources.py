"""Sources other than the presets' own: CSV rows, JSONL lines exploded, records that are
not where the mapping says, and builder presets delegating to a reader function."""

from __future__ import annotations

import importlib.machinery
import json
import sys
import types

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.importing.mapping import get_preset, import_mapped_paths, mapping_from_dict
from reviewer.importing.report import Rejection
from reviewer.models import Conversation, Turn

FAQ = {"output": "pairs", "files": ["csv"], "require": ["질문", "답변"],
       "pair": {"system": "{분류} 상담", "question": "{질문}", "answer": "{답변}"}}


def test_csv_rows_are_records_numbered_like_a_spreadsheet(db, tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text("분류,질문,답변\n프린터,용지가 걸려요.,뒷면 덮개를 여세요.\n"
                    "network,\"The link drops, why?\",Update the firmware.\n"
                    "프린터,토너는 어디서 사나요?,\n", encoding="utf-8")
    report = import_mapped_paths(db, mapping_from_dict(FAQ, name="faq"), [path], who="t")
    assert (report.imported, report.pairs) == (2, 2)
    assert [(r.locator, r.reason) for r in report.rejected] == [("row 4", "missing field '답변'")]
    rows = db.execute("SELECT system, question FROM pairs ORDER BY id").fetchall()
    assert rows == [("프린터 상담", "용지가 걸려요."), ("network 상담", "The link drops, why?")]


def test_jsonl_lines_can_hold_many_records(db, tmp_path):
    path = tmp_path / "batches.jsonl"
    path.write_text('{"items": [{"q": "Reset?", "a": "Hold RSTn."}, {"q": "Port?"}]}\n'
                    '{"other": 1}\n', encoding="utf-8")
    spec = mapping_from_dict({"output": "pairs", "records": "items[]",
                              "pair": {"question": "{q}", "answer": "{a}"}}, name="b")
    report = import_mapped_paths(db, spec, [path], who="t")
    assert report.pairs == 1
    assert [(r.locator, r.reason) for r in report.rejected] == [
        ("line 1 items[1]", "missing field 'a' (in the answer template)"),
        ("line 2", "no records at 'items[]'")]


def test_hostile_json_values_refuse_only_their_record(db, tmp_path):
    path = tmp_path / "docs.json"
    path.write_text('[{"title": "A", "category": "c", "body": "ok"}, '
                    '{"title": "B", "category": "c", "body": NaN}, '
                    '{"title": "\\ud800", "category": "c", "body": "x"}]', encoding="utf-8")
    report = import_mapped_paths(db, get_preset("doc-json").spec, [path], who="t")
    assert report.pairs == 1
    assert [(r.locator, r.rule) for r in report.rejected] == [
        ("index 1", "non_finite_number"), ("index 2", "invalid_text")]


def test_folder_walk_takes_the_mappings_files_and_names_an_empty_folder(db, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("not for this mapping", encoding="utf-8")
    (tmp_path / "a" / ".hidden.json").write_text("{}", encoding="utf-8")
    report = import_mapped_paths(db, get_preset("aihub-dialect").spec, [tmp_path / "a"],
                                 who="t")
    assert report.files == 0
    assert [r.rule for r in report.rejected] == ["no_supported_files"]


def fake_reader_module(monkeypatch, seen: list[dict]) -> None:
    """A reader function where a builder preset looks for one (a real module object)."""
    module = types.ModuleType("reviewer.importing.replygraph")
    module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)

    def read_reply_graph(stream, source, options):
        seen.append(dict(options))
        for number, line in enumerate(stream.read().splitlines()[1:], start=2):
            who, text = line.split(",", 1)
            if not text:
                yield Rejection(source, f"row {number}", "empty message", "empty_text")
                continue
            role = "engineer" if who in options.get("staff", []) else "customer"
            yield Conversation(source, f"row {number}", [Turn(role, text, who)], "csv")

    module.read_reply_graph = read_reply_graph  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_builder_preset_delegates_files_and_options(monkeypatch, tmp_path):
    seen: list[dict] = []
    fake_reader_module(monkeypatch, seen)
    assert get_preset("reply-graph-csv").missing == ""
    path = tmp_path / "thread.csv"
    path.write_text("who,text\nkim,프린터가 안 돼요\nminsu,전원을 껐다 켜 주세요\nlee,\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "b.db"), "import", "--preset",
                                      "reply-graph-csv", "--option", 'staff=["minsu", "alice"]',
                                      "--option", "gap_minutes=45", str(path)])
    assert result.exit_code == 1, result.output
    assert "Imported 2 conversations from 1 file" in result.output
    assert "thread.csv row 4: empty message" in result.output
    assert seen == [{"staff": ["minsu", "alice"], "gap_minutes": 45}]


def test_a_comma_list_fills_a_list_option():
    from reviewer.commands.import_ import _option_value

    assert _option_value("minsu,alice", []) == ["minsu", "alice"]
    assert _option_value("minsu,alice", None) == "minsu,alice"
    assert _option_value("30", 10) == 30


def test_records_paths_are_tried_in_order(db, tmp_path):
    conv = {"convo_id": 7, "original": [["customer", "Where is my order?"],
                                        ["agent", "It ships today."]]}
    (tmp_path / "split.json").write_text(
        json.dumps({"train": [conv]}), encoding="utf-8")
    (tmp_path / "plain.json").write_text(
        json.dumps([conv, {**conv, "convo_id": 8}]), encoding="utf-8")
    spec = get_preset("speaker-text-arrays").spec
    report = import_mapped_paths(db, spec, [tmp_path / "split.json", tmp_path / "plain.json"],
                                 who="t")
    assert (report.imported, report.duplicates) == (1, 2)
    assert report.rejected == []
    spec = mapping_from_dict({"records": ["items[]", "rows[]"], "turns": {"text": "t"}})
    assert [p.text for p in spec.records] == ["items[]", "rows[]"]


def test_line_streamed_files_are_not_held_to_the_document_cap(db, tmp_path):
    from reviewer.importing.limits import Limits

    small = Limits(max_file_bytes=200)
    lines = "".join(json.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."}) + "\n"
                    for i in range(40))
    (tmp_path / "big.jsonl").write_text(lines, encoding="utf-8")
    (tmp_path / "big.json").write_text("[" + lines.strip().replace("\n", ",") + "]",
                                       encoding="utf-8")
    report = import_mapped_paths(db, get_preset("prompt-completion").spec,
                                 [tmp_path / "big.jsonl", tmp_path / "big.json"], who="t",
                                 limits=small)
    assert report.pairs == 40
    assert [(r.source.rsplit("/", 1)[-1], r.rule) for r in report.rejected] == [
        ("big.json", "too_large")]
