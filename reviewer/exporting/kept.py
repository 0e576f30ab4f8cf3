"""Kept exports: an export made from the app is written like `reviewer export` writes one
(atomic file, manifest, a `runs` row) under a new timestamped name in `exports/` beside the
database, so every downloaded file can be traced later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from ..db import resolve_db_path
from ..validation import ValidationReport
from .options import ExportOptionError, ExportOptions
from .service import prepare_export, write_prepared

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _database_file(db: Database) -> Path | None:
    for row in db.execute("PRAGMA database_list").fetchall():
        if row[1] == "main" and row[2]:
            return Path(row[2])
    return None


def default_export_dir(db: Database | Path | str | None = None) -> Path:
    """`exports/` beside the database file (so `data/reviewer.db` → `data/exports/`)."""
    if isinstance(db, Database):
        db_file = _database_file(db)
    elif db is None:
        db_file = resolve_db_path()
    else:
        db_file = Path(db)
    if db_file is None or str(db_file) == ":memory:":
        db_file = resolve_db_path(None)
    return db_file.parent / "exports"


def timestamped_path(target: str, directory: Path | None = None,
                     now: datetime | None = None) -> Path:
    """Reserve a new `<YYYYmmdd-HHMMSS>-<target>.jsonl` in `directory` (default: the
    export dir). The name is claimed with an exclusive create, so two sessions exporting in
    the same second get different files; the caller replaces the empty placeholder."""
    directory = Path(directory) if directory is not None else default_export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    safe = _UNSAFE.sub("-", target).strip("-.") or "export"
    counter = 1
    while True:
        suffix = "" if counter == 1 else f"-{counter}"
        candidate = directory / f"{stamp}-{safe}{suffix}.jsonl"
        try:
            with open(candidate, "x"):
                return candidate
        except FileExistsError:
            counter += 1


@dataclass
class KeptExport:
    """A kept export: the file, its manifest and the run that wrote it. ``data`` is the
    written file's bytes (what a download offers); empty when the export was refused, in
    which case nothing is kept and the run says why."""

    ok: bool
    data: bytes
    report: ValidationReport
    path: Path | None
    manifest: Path | None
    run_id: int | None


def export_and_keep(db: Database, options: ExportOptions, *, who: str,
                    directory: Path | None = None) -> KeptExport:
    """Prepare and validate a single-file export, then write it with its manifest and run
    row to a new timestamped name under ``directory`` (default: `default_export_dir`).
    Raises ExportOptionError for a holdout (a kept export is one file) or a bad few-shot
    file, OSError when it cannot be written."""
    if options.holdout is not None:
        raise ExportOptionError("a kept export is a single file; export a holdout with the CLI")
    prepared = prepare_export(db, options)
    path = timestamped_path(options.target, directory or default_export_dir(db))
    try:
        result = write_prepared(db, prepared, path, who=who)
    except BaseException:
        path.unlink(missing_ok=True)  # the reserved, still empty name
        raise
    if not result.ok:
        path.unlink(missing_ok=True)
        return KeptExport(False, b"", result.report, None, None, result.run_id)
    written = result.files[0]
    return KeptExport(True, written.read_bytes(), result.report, written, result.manifest,
                      result.run_id)
