"""Kill `reviewer export` (SIGKILL from inside, `REVIEWER_CRASH_AT`) at every step of writing
its files, over an earlier export of the same name, then export again.

Right after the kill a reader can always tell what it has: `validate --manifest` passes
while the earlier export is untouched or the new one is whole, and fails once a data file
was replaced before its manifest. The rerun leaves no temporary file, a manifest matching
its data, data equal to a clean export's, and the killed run marked interrupted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crash_checks import (
    assert_database_clean,
    copy_database,
    query,
    run_cli,
    temp_files,
)

ROOT = Path(__file__).resolve().parents[2]
FIRST_APPROVED = 35  # the earlier export: pairs 1..35; the killed one: every pair


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Path:
    """The sample conversations imported, split and partly approved."""
    db_path = tmp_path_factory.mktemp("reviewed") / "r.db"
    assert run_cli(db_path, "import", str(ROOT / "data" / "samples")).returncode == 0
    assert run_cli(db_path, "split").returncode == 0
    _approve(db_path, FIRST_APPROVED)
    return db_path


def _approve(db_path: Path, up_to: int | None = None) -> None:
    import sqlite3

    conn = sqlite3.connect(str(db_path))
    with conn:
        conn.execute("UPDATE pairs SET status = 'approved' WHERE ? IS NULL OR id <= ?",
                     [up_to, up_to])
    conn.close()


def _manifest_ok(manifest: Path) -> bool:
    from reviewer.exporting.manifest import verify_manifest

    return not verify_manifest(manifest)


def _export(db_path: Path, out: Path, options: tuple[str, ...]) -> None:
    """An export in this process (the commands under test run in subprocesses)."""
    from reviewer.db import opened
    from reviewer.exporting import ExportOptions, export_dataset

    holdout = float(options[1]) if options else None
    with opened(db_path) as db:
        assert export_dataset(db, out, ExportOptions(holdout=holdout)).ok


@pytest.fixture(scope="module")
def clean_exports(reviewed, tmp_path_factory) -> dict[tuple[str, ...], Path]:
    """The same history without a crash, per set of options: the earlier export, every pair
    approved, the export again (a holdout's held-out conversations stay frozen)."""
    base = tmp_path_factory.mktemp("clean-exports")
    made = {}
    for options in {options for options, *_ in MATRIX}:
        out_dir = base / ("holdout" if options else "single")
        db_path = copy_database(reviewed, base / f"{out_dir.name}.db")
        _export(db_path, base / "earlier" / out_dir.name / "out.jsonl", options)
        _approve(db_path)
        _export(db_path, out_dir / "out.jsonl", options)
        made[options] = out_dir
    return made


SINGLE = ["out.jsonl"]
HOLDOUT = ["out.train.jsonl", "out.valid.jsonl"]
# (extra options, crash step, data files replaced before the kill, manifest replaced)
MATRIX = [
    ((), "write", 0, False),
    ((), "staged", 0, False),
    ((), "renamed-1", 1, False),
    ((), "renamed-2", 1, True),
    (("--holdout", "0.2"), "renamed-1", 1, False),
    (("--holdout", "0.2"), "renamed-2", 2, False),
    (("--holdout", "0.2"), "renamed-3", 2, True),
]


@pytest.mark.parametrize(("options", "step", "replaced", "manifest_replaced"), MATRIX,
                         ids=[f"{'holdout' if o else 'single'}-{s}" for o, s, *_ in MATRIX])
def test_export_killed_at_each_step(options, step, replaced, manifest_replaced, reviewed,
                                    clean_exports, tmp_path):
    db_path = copy_database(reviewed, tmp_path / "r.db")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out, manifest = out_dir / "out.jsonl", out_dir / "out.manifest.json"
    names = HOLDOUT if options else SINGLE
    _export(db_path, out, options)
    earlier = {name: (out_dir / name).read_bytes() for name in names}
    _approve(db_path)

    killed = run_cli(db_path, "export", str(out), *options, REVIEWER_CRASH_AT=step)
    assert killed.returncode == -9
    changed = [name for name in names if (out_dir / name).read_bytes() != earlier[name]]
    assert len(changed) == replaced
    assert _manifest_ok(manifest) == (replaced == 0 or manifest_replaced)
    if step == "renamed-1" and not options:  # the command a reader runs says so too
        torn = run_cli(db_path, "validate", "--manifest", str(manifest))
        assert torn.returncode == 1 and "does not match the manifest" in torn.stdout
    assert bool(temp_files(out_dir)) == (not manifest_replaced)
    assert query(db_path, "SELECT status FROM runs WHERE kind = 'export' ORDER BY id") == [
        ("done",), ("running",)]

    again = run_cli(db_path, "export", str(out), *options)
    assert again.returncode == 0, again.stdout
    assert temp_files(out_dir) == []
    assert _manifest_ok(manifest)
    assert_database_clean(db_path)
    assert query(db_path, "SELECT status FROM runs WHERE kind = 'export' ORDER BY id") == [
        ("done",), ("interrupted",), ("done",)]
    if step == "staged":
        checked = run_cli(db_path, "validate", "--manifest", str(manifest))
        assert checked.returncode == 0 and "matches its" in checked.stdout
    for name in names:
        assert (out_dir / name).read_bytes() == (clean_exports[options] / name).read_bytes()


def test_a_live_writers_temporaries_are_left_alone(tmp_path):
    """Only temporaries of dead owners are removed; a foreign `.tmp` file is never touched."""
    from reviewer.exporting.writer import StagedFiles, remove_stale_temps

    with StagedFiles() as staged:
        staged.write_bytes(tmp_path / "a.jsonl", b"{}\n")
        mine = temp_files(tmp_path)
        (tmp_path / ".someone-else.tmp").write_text("x")
        assert remove_stale_temps(tmp_path) == []
        assert len(mine) == 1 and temp_files(tmp_path) == sorted(mine + [".someone-else.tmp"])
    assert temp_files(tmp_path) == [".someone-else.tmp"]
