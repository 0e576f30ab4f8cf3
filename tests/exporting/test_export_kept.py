"""Kept exports: the app's export written like the CLI's, under a timestamped name."""

import json
import threading
from datetime import datetime

import pytest

from reviewer import db as db_mod
from reviewer.exporting import (
    ExportOptionError,
    ExportOptions,
    default_export_dir,
    export_and_keep,
    timestamped_path,
)
from reviewer.runs import recent_runs


def test_default_export_dir_is_beside_the_database(db, db_path, tmp_path):
    assert default_export_dir(db) == db_path.parent / "exports"
    assert default_export_dir(tmp_path / "data" / "reviewer.db") == tmp_path / "data" / "exports"


def test_default_export_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWER_DB", str(tmp_path / "d" / "r.db"))
    assert default_export_dir() == tmp_path / "d" / "exports"


def test_timestamped_names_are_free_and_safe(tmp_path):
    when = datetime(2026, 3, 2, 10, 1, 5)
    first = timestamped_path("hf-messages", tmp_path / "ex", now=when)
    assert first.name == "20260302-100105-hf-messages.jsonl"
    assert not first.exists()  # no empty placeholder before the data exists
    first.write_text("{}\n")
    second = timestamped_path("hf-messages", tmp_path / "ex", now=when)
    assert second.name == "20260302-100105-hf-messages-2.jsonl"
    (tmp_path / "ex" / "20260302-100105-hf-messages-2.manifest.json").write_text("{}")
    third = timestamped_path("hf-messages", tmp_path / "ex", now=when)  # a lone manifest
    assert third.name == "20260302-100105-hf-messages-3.jsonl"
    odd = timestamped_path("../../evil", tmp_path / "ex", now=when)
    assert odd.parent == tmp_path / "ex" and odd.name == "20260302-100105-evil.jsonl"


def test_kept_export_has_its_manifest_and_run(db, seed, tmp_path):
    made = seed(db, 12)
    kept = export_and_keep(db, ExportOptions(target="hf-messages"), who="지수",
                           directory=tmp_path / "kept")
    assert kept.ok and kept.path is not None and kept.path.parent == tmp_path / "kept"
    assert kept.path.name.endswith("-hf-messages.jsonl")
    assert kept.data == kept.path.read_bytes() and len(kept.data.splitlines()) == 12
    manifest = json.loads(kept.manifest.read_text("utf-8"))
    assert manifest["created_by"] == "지수" and manifest["settings"]["target"] == "hf-messages"
    assert sorted(manifest["files"][0]["pair_ids"]) == sorted(
        pid for ids in made.values() for pid in ids)
    [run] = recent_runs(db, 1)
    assert run["id"] == kept.run_id and run["status"] == "done"


def test_kept_exports_in_the_same_second_get_their_own_names(db, seed, tmp_path):
    seed(db, 12)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(export_and_keep(
        db_mod.connect(db.conn.execute("PRAGMA database_list").fetchone()[2]),
        ExportOptions(), who="t", directory=tmp_path / "kept"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    paths = [r.path for r in results]
    assert len(results) == 4 and len(set(paths)) == 4 and all(r.ok for r in results)
    assert all(p.read_bytes() == results[0].data for p in paths)


def test_refused_export_keeps_nothing(db, seed, tmp_path):
    seed(db, 4)  # fewer than 10 examples is an error
    kept = export_and_keep(db, ExportOptions(), who="t", directory=tmp_path / "kept")
    assert not kept.ok and kept.data == b"" and kept.path is None and kept.manifest is None
    assert list((tmp_path / "kept").iterdir()) == []
    [run] = recent_runs(db, 1)
    assert run["id"] == kept.run_id and run["status"] == "refused"


def test_a_kept_export_is_one_file(db, seed, tmp_path):
    seed(db, 12)
    with pytest.raises(ExportOptionError, match="single file"):
        export_and_keep(db, ExportOptions(holdout=0.2), who="t", directory=tmp_path / "kept")
    assert not (tmp_path / "kept").exists()
