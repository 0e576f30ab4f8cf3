"""The import service end to end: idempotency, bad records, caps, directories, runs."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from reviewer.importing import Limits, import_paths, import_uploads
from reviewer.runs import recent_runs

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CONV = "Customer: How do I reset the HN5500?\nEngineer: Pull RSTn low for 500 us.\n"


def count(db) -> int:
    return db.execute("SELECT count(*) FROM conversations").fetchone()[0]


def test_reimport_adds_nothing(db, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(CONV + "---\n" + CONV.replace("HN5500", "TB-32"))
    first = import_paths(db, [path])
    second = import_paths(db, [path])
    assert (first.imported, first.duplicates) == (2, 0)
    assert (second.imported, second.duplicates) == (0, 2)
    assert count(db) == 2


def test_duplicates_within_one_batch_and_across_formats(db, tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text(CONV + "===\n" + CONV.replace(" ", "   "))  # same content, other spacing
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text(json.dumps({"turns": [
        {"role": "customer", "text": "How do I reset the HN5500?"},
        {"role": "engineer", "text": "Pull RSTn low for 500 us."}]}) + "\n")
    report = import_paths(db, [txt, jsonl])
    assert (report.imported, report.duplicates) == (1, 2)


def test_bad_record_in_the_middle_of_a_batch(db, tmp_path):
    path = tmp_path / "batch.jsonl"
    lines = [json.dumps({"question": f"q{i}?", "answer": f"a{i}"}) for i in range(5)]
    lines.insert(2, '{"question": "broken"')
    path.write_text("\n".join(lines) + "\n")
    other = tmp_path / "other.txt"
    other.write_text(CONV)
    report = import_paths(db, [path, other])
    assert report.imported == 6
    (rejection,) = report.rejected
    assert (rejection.source, rejection.locator) == (path.as_posix(), "line 3")
    assert f"{path.as_posix()} line 3: invalid JSON" in "\n".join(report.lines())


def test_oversized_file_refused_without_reading(db, tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024**3)  # 50 GB, sparse: reading it would take minutes
    started = time.perf_counter()
    report = import_paths(db, [path])
    assert time.perf_counter() - started < 2
    assert "over the 200.0 MB limit" in report.rejected[0].reason
    small = tmp_path / "small.txt"
    small.write_text(CONV * 3)
    report = import_paths(db, [small], limits=Limits(max_file_bytes=50))
    assert report.imported == 0 and "limit; refused" in report.rejected[0].reason


def test_oversized_upload_refused(db):
    report = import_uploads(db, [("big.txt", io.BytesIO(CONV.encode() * 100))], who="t",
                            limits=Limits(max_file_bytes=100))
    assert report.imported == 0 and "limit" in report.rejected[0].reason


def test_unseekable_upload_is_spooled_and_capped(db):
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert import_uploads(db, [("p.txt", Pipe(CONV.encode()))], who="t").imported == 1
    report = import_uploads(db, [("q.txt", Pipe(CONV.encode() * 50))], who="t",
                            limits=Limits(max_file_bytes=100))
    assert "larger than" in report.rejected[0].reason


def test_empty_unsupported_missing_and_blank_files(db, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.md"
    blank.write_text("\n\n   \n")
    pdf = tmp_path / "manual.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    report = import_paths(db, [empty, blank, pdf, tmp_path / "missing.txt"])
    reasons = {Path(r.source).name: r.reason for r in report.rejected}
    assert reasons["empty.txt"] == "file is empty"
    assert reasons["blank.md"] == "no conversations found in the file"
    assert "unsupported file type '.pdf'" in reasons["manual.pdf"]
    assert reasons["missing.txt"] == "no such file or directory"
    assert report.files == 3


def test_directories_are_searched_recursively(db, tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".hidden").mkdir()
    (tmp_path / "d" / "one.txt").write_text(CONV)
    (tmp_path / "d" / "sub" / "two.jsonl").write_text(
        json.dumps({"question": "q?", "answer": "a"}) + "\n")
    (tmp_path / "d" / "sub" / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "d" / ".hidden" / "three.txt").write_text(CONV.replace("HN", "XX"))
    report = import_paths(db, [tmp_path / "d"])
    assert (report.imported, report.files, report.rejected) == (2, 2, [])
    (tmp_path / "none").mkdir()
    assert "no supported files" in import_paths(db, [tmp_path / "none"]).rejected[0].reason


def test_run_is_recorded(db, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(CONV + "---\nnot a conversation\n")
    report = import_paths(db, [path], who="bob")
    (run,) = recent_runs(db)
    assert run["id"] == report.run_id and run["kind"] == "import" and run["status"] == "done"
    assert run["settings"] == {"paths": [path.as_posix()], "who": "bob"}
    assert run["counts"] == {"imported": 1, "duplicates": 0, "rejected": 1, "files": 1}
    row = db.execute("SELECT run_id, split_status FROM conversations").fetchone()
    assert row == (report.run_id, "pending")
    assert report.to_dict()["rejections"][0]["locator"] == "line 4"


def test_all_samples_import_cleanly(db):
    report = import_paths(db, [SAMPLES])
    assert report.rejected == []
    assert report.imported >= 20
    fmts = {r[0] for r in db.execute("SELECT DISTINCT fmt FROM conversations")}
    assert {"txt", "md", "json", "json-chat", "jsonl", "jsonl-chat", "csv"} <= fmts
    sources = " ".join(r[0] for r in db.execute("SELECT source FROM conversations"))
    assert ".zip:" in sources and "cp949" in sources
    multi = db.execute("SELECT count(*) FROM conversations WHERE "
                       "(length(turns) - length(replace(turns, '\"customer\"', ''))) / 10 > 1"
                       ).fetchone()[0]
    assert multi >= 5  # several conversations ask more than one question
    # Only dumps live in samples/ (their description is data/README.md), so exactly the
    # documented conversations are imported.
    assert report.imported == 26
    assert not (SAMPLES / "README.md").exists()
