"""Import corpus (tests/corpus/import): each hostile file must give exactly its expected
rejection (rule, file, line or index) and import every good record around it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.db import connect
from reviewer.importing import import_paths

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "import"
CASES: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def test_corpus_lists_every_file():
    assert {p.name for p in CORPUS.iterdir() if p.name != "expected.json"} == set(CASES)
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_gives_its_rejection_and_keeps_good_records(db, name):
    case = CASES[name]
    path = CORPUS / name
    report = import_paths(db, [path])
    expected = [] if case["rule"] is None else [
        ((CORPUS / case["source"]).as_posix(), case["locator"], case["rule"])]
    assert [(r.source, r.locator, r.rule) for r in report.rejected] == expected
    assert all(r.reason for r in report.rejected)
    assert report.imported == case["imported"]
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == case["imported"]


def test_whole_corpus_in_one_cli_run(tmp_path):
    db_file = tmp_path / "corpus.db"
    files = [str(CORPUS / name) for name in sorted(CASES)]  # not expected.json
    result = CliRunner().invoke(cli, ["--db", str(db_file), "import", "--json", *files])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    report = json.loads(result.output)
    want_rejected = sum(1 for c in CASES.values() if c["rule"] is not None)
    want_imported = sum(c["imported"] for c in CASES.values())
    # Some good records repeat across corpus files (the same generator): kept, not lost.
    assert report["imported"] + report["duplicates"] == want_imported
    assert report["rejected"] == want_rejected
    got = {(Path(r["source"]).name, r["locator"], r["rule"]) for r in report["rejections"]}
    assert got == {(Path(c["source"]).name, c["locator"], c["rule"])
                   for c in CASES.values() if c["rule"] is not None}
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone() == (
            report["imported"],)
    finally:
        conn.close()


def test_file_name_in_cp949_bytes(tmp_path):
    """Not in the corpus folder: a name that is not UTF-8 cannot be kept in the repository."""
    raw = os.fsencode(tmp_path) + b"/" + "상담기록".encode("cp949") + b".jsonl"
    with open(raw, "wb") as handle:
        handle.write((CORPUS / "lone_surrogate.jsonl").read_bytes())
    database = connect(tmp_path / "names.db")
    try:
        report = import_paths(database, [tmp_path])
    finally:
        database.close()
    case = CASES["lone_surrogate.jsonl"]
    assert report.imported == case["imported"]
    assert [(Path(r.source).name, r.locator, r.rule) for r in report.rejected] == [
        ("상담기록.jsonl", case["locator"], case["rule"])]
