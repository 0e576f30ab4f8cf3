"""The per-file import report: counts, detected encoding, duplicates and where their first
copy is, rejections; the same entries in `reviewer import`'s text and JSON output."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.importing import import_paths, import_uploads

EN = ("Customer: My X200 router drops Wi-Fi every evening.\n"
      "Engineer: Update the X200 firmware to 2.1 and turn off band steering.\n"
      "---\n"
      "Customer: Will the update erase my settings?\n"
      "Engineer: No, the X200 update keeps every setting.\n")
KO = ("고객: 프린터 P7에서 용지 걸림 오류가 계속 나요.\n"
      "엔지니어: 뒷면 덮개를 열고 걸린 용지를 제거한 뒤 전원을 껐다 켜 주세요.\n")
KO_OTHER = ("고객: 모니터 M5 화면이 깜박입니다.\n"
            "엔지니어: 케이블을 다시 연결하고 주사율을 60Hz로 낮춰 주세요.\n")


def entries(report) -> dict[str, dict]:
    return {entry["file"]: entry for entry in report.to_dict()["per_file"]}


def test_each_file_has_its_counts_and_encoding(db):
    report = import_uploads(db, [
        ("en.txt", io.BytesIO(EN.encode("utf-8"))),
        ("ko.md", io.BytesIO(KO.encode("utf-8-sig"))),
        ("legacy.txt", io.BytesIO(KO_OTHER.encode("cp949"))),
        ("broken.jsonl", io.BytesIO(b'{"turns": [{"speaker": "customer", "text": "hi"}]}\n{\n')),
    ], who="tester")
    files = entries(report)
    assert list(files) == ["en.txt", "ko.md", "legacy.txt", "broken.jsonl"]
    assert [files[n]["encoding"] for n in files] == ["UTF-8", "UTF-8 with BOM", "CP949", "UTF-8"]
    assert [files[n]["imported"] for n in files] == [2, 1, 1, 1]
    assert files["broken.jsonl"]["rejected"] == 1
    assert sum(f["rejected"] for f in files.values()) == len(report.rejected)
    assert sum(f["imported"] for f in files.values()) == report.imported == 5


def test_duplicates_say_whether_they_repeat_an_earlier_import_or_this_one(db):
    import_uploads(db, [("first.txt", io.BytesIO(EN.encode()))], who="tester")
    again = EN + "---\n" + KO + "---\n" + KO  # two earlier copies, a repeat inside the file
    report = import_uploads(db, [
        ("again.txt", io.BytesIO(again.encode())),
        ("copy_ko.txt", io.BytesIO(KO.encode())),  # repeats a record of again.txt
    ], who="tester")
    files = entries(report)
    again_entry, copy_entry = files["again.txt"], files["copy_ko.txt"]
    assert (again_entry["imported"], again_entry["duplicates_of_earlier_imports"],
            again_entry["duplicates_within_this_import"]) == (1, 2, 1)
    assert again_entry["first_copies_earlier"] == [{"file": "first.txt", "locator": "line 1"},
                                                   {"file": "first.txt", "locator": "line 4"}]
    assert again_entry["first_copies_here"] == [{"file": "again.txt", "locator": "line 7"}]
    assert (copy_entry["imported"], copy_entry["duplicates_within_this_import"]) == (0, 1)
    assert copy_entry["first_copies_here"] == [{"file": "again.txt", "locator": "line 7"}]
    assert report.duplicates == 4
    line = report.per_file["again.txt"].line()
    assert line.startswith("again.txt [UTF-8]: 1 imported, 0 rejected, 3 duplicates: ")
    assert "2 of an earlier import (first copy: first.txt line 1, line 4)" in line
    assert "1 within this import (first copy: again.txt line 7)" in line


def test_duplicates_across_batches_of_one_import_count_as_this_import(db, tmp_path,
                                                                     monkeypatch):
    # Batches of one: the first copy is already stored when its repeat is looked up.
    from reviewer.importing import store as store_module

    monkeypatch.setattr(store_module, "BATCH_SIZE", 1)
    (tmp_path / "a.txt").write_text(EN + "---\n" + KO, encoding="utf-8")
    (tmp_path / "b.txt").write_text(KO, encoding="utf-8")
    report = import_paths(db, [tmp_path / "a.txt", tmp_path / "b.txt"])
    b = report.per_file[(tmp_path / "b.txt").as_posix()]
    assert (b.imported, b.duplicates_here, b.duplicates_earlier) == (0, 1, 0)
    assert b.first_copies_here == [((tmp_path / "a.txt").as_posix(), "line 7")]


def test_zip_members_are_files_of_their_own(db):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("en.txt", EN)
        archive.writestr("old/ko.txt", KO_OTHER.encode("cp949"))
    buffer.seek(0)
    report = import_uploads(db, [("dump.zip", buffer)], who="tester")
    files = entries(report)
    assert {n: (f["encoding"], f["imported"]) for n, f in files.items()} == {
        "dump.zip:en.txt": ("UTF-8", 2), "dump.zip:old/ko.txt": ("CP949", 1)}


def test_cli_text_has_one_line_per_file_and_json_the_same_entries(tmp_path):
    (tmp_path / "en.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "legacy.txt").write_bytes(KO_OTHER.encode("cp949"))
    db_file = str(tmp_path / "cli.db")
    paths = [str(tmp_path / "en.txt"), str(tmp_path / "legacy.txt")]
    first = CliRunner().invoke(cli, ["--db", db_file, "import", *paths])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0] == "Imported 3 conversations from 2 files; 0 duplicates skipped; 0 rejected."
    assert lines[1:] == [f"  {paths[0]} [UTF-8]: 2 imported, 0 rejected, 0 duplicates",
                         f"  {paths[1]} [CP949]: 1 imported, 0 rejected, 0 duplicates"]
    again = CliRunner().invoke(cli, ["--db", db_file, "import", "--json", paths[1]])
    (entry,) = json.loads(again.output)["per_file"]
    assert entry["file"] == paths[1] and entry["encoding"] == "CP949"
    assert (entry["imported"], entry["duplicates_of_earlier_imports"]) == (0, 1)
    assert entry["first_copies_earlier"] == [{"file": paths[1], "locator": "line 1"}]
