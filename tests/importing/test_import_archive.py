"""Zip imports: members imported like files; escapes, bombs and floods refused."""

from __future__ import annotations

import io
import json
import struct
import zipfile

from reviewer.importing import Limits, import_paths, import_uploads

CONV = "Customer: How do I reset the HN5500?\nEngineer: Pull RSTn low for 500 us.\n"


def make_zip(path, members: dict[str, bytes | str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_members_of_several_formats(db, tmp_path):
    path = tmp_path / "dump.zip"
    make_zip(path, {
        "a/one.txt": CONV,
        "b/two.jsonl": json.dumps({"question": "q?", "answer": "a"}) + "\n",
        "c/three.txt": "고객: 질문\n상담원: 답변\n".encode("cp949"),
        "d/": b"",
        "__MACOSX/._one.txt": b"\x00\x05\x16\x07",
    })
    report = import_paths(db, [path])
    assert (report.imported, report.rejected, report.files) == (3, [], 1)
    sources = {r[0] for r in db.execute("SELECT source FROM conversations").fetchall()}
    assert f"{path.as_posix()}:a/one.txt" in sources


def test_zip_slip_members_refused_others_imported(db, tmp_path):
    path = tmp_path / "evil.zip"
    make_zip(path, {"../../etc/evil.txt": CONV, "/abs/evil.txt": CONV.replace("HN5500", "X"),
                    "C:/win/evil.txt": CONV.replace("HN5500", "Y"),
                    "ok.txt": CONV.replace("HN5500", "TB-32")})
    report = import_paths(db, [path])
    assert report.imported == 1
    reasons = {r.source.split(":", 1)[1]: r.reason for r in report.rejected}
    assert "escapes the archive" in reasons["../../etc/evil.txt"]
    assert "absolute path" in reasons["/abs/evil.txt"]
    assert "absolute path" in reasons["C:/win/evil.txt"]


def test_total_uncompressed_size_capped_before_reading(db, tmp_path):
    path = tmp_path / "bomb.zip"
    make_zip(path, {"zeros.txt": b"Customer: " + b"0" * 3_000_000})
    assert path.stat().st_size < 50_000  # highly compressed
    report = import_paths(db, [path], limits=Limits(max_zip_total_bytes=1_000_000))
    assert report.imported == 0
    (rejection,) = report.rejected
    assert rejection.locator == "" and "unpacks to 2.9 MB" in rejection.reason


def test_member_lying_about_its_size_is_stopped_while_reading(db, tmp_path):
    path = tmp_path / "liar.zip"
    make_zip(path, {"big.txt": CONV + "Engineer: " + "x" * 200_000 + "\n"})
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    # Uncompressed size field of the central directory entry claims 64 bytes.
    struct.pack_into("<I", data, central + 24, 64)
    path.write_bytes(bytes(data))
    report = import_paths(db, [path])
    assert report.imported == 0
    (rejection,) = report.rejected
    assert "CRC" in rejection.reason or "larger than" in rejection.reason
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0


def test_member_count_capped(db, tmp_path):
    path = tmp_path / "many.zip"
    make_zip(path, {f"m{i}.txt": CONV.replace("HN5500", f"chip {i}") for i in range(6)})
    report = import_paths(db, [path], limits=Limits(max_zip_members=5))
    assert report.imported == 0
    assert "holds 6 files, over the limit of 5" in report.rejected[0].reason
    assert import_paths(db, [path], limits=Limits(max_zip_members=6)).imported == 6


def test_nested_zip_refused_and_unsupported_member_reported(db, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.txt", CONV)
    path = tmp_path / "outer.zip"
    make_zip(path, {"inner.zip": inner.getvalue(), "image.png": b"\x89PNG", "ok.txt": CONV})
    report = import_paths(db, [path])
    assert report.imported == 1
    reasons = {r.source.rsplit(":", 1)[1]: r.reason for r in report.rejected}
    assert "nested archives" in reasons["inner.zip"]
    assert "unsupported file type '.png'" in reasons["image.png"]


def test_not_a_zip(db, tmp_path):
    report = import_uploads(db, [("fake.zip", io.BytesIO(b"this is not a zip"))], who="t")
    assert "not a valid zip archive" in report.rejected[0].reason


def test_zip_upload(db, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("t.txt", CONV)
    report = import_uploads(db, [("up.zip", buffer)], who="alice")
    assert report.imported == 1 and not report.rejected
    assert not buffer.closed  # the caller's stream is left open


def test_limited_reader_stops_at_the_limit():
    import pytest

    from reviewer.importing.errors import FileRejected
    from reviewer.importing.sources import LimitedReader

    reader = io.BufferedReader(LimitedReader(io.BytesIO(b"x" * 100), 10, "archive member"))
    with pytest.raises(FileRejected, match="larger than 10 bytes"):
        reader.read()
    assert io.BufferedReader(LimitedReader(io.BytesIO(b"x" * 10), 10, "m")).read() == b"x" * 10
