"""Kept exports: an export made from the app is written like `reviewer export` writes one
(atomic file, manifest, a `runs` row) under a new timestamped name in `exports/` beside the
database, so every downloaded file can be traced later. No name is reserved on disk before
its data exists: a lock held while choosing the name and writing keeps names apart.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from ..db import resolve_db_path
from ..validation import ValidationReport
from .manifest import manifest_path_for
from .options import ExportOptionError, ExportOptions
from .service import prepare_export, write_prepared

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_THREAD_LOCK = threading.Lock()  # sessions of one app process


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
    """A free `<YYYYmmdd-HHMMSS>-<target>.jsonl` in `directory` (default: the export dir):
    neither it nor its manifest exists. Nothing is created, so a crash leaves no empty file;
    hold `kept_names` from choosing the name until the file is written, so that two sessions
    exporting in the same second get different names."""
    directory = Path(directory) if directory is not None else default_export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    safe = _UNSAFE.sub("-", target).strip("-.") or "export"
    counter = 1
    while True:
        suffix = "" if counter == 1 else f"-{counter}"
        candidate = directory / f"{stamp}-{safe}{suffix}.jsonl"
        if not candidate.exists() and not manifest_path_for(candidate).exists():
            return candidate
        counter += 1


@contextlib.contextmanager
def kept_names(directory: Path) -> Iterator[None]:
    """Exclusive use of `directory`'s new names, across threads and processes. The lock
    is an advisory lock on the directory itself: no file to leave behind, and it dies with
    its process."""
    directory.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK:
        try:
            import fcntl

            fd = os.open(directory, os.O_RDONLY)
        except (ImportError, OSError):  # no advisory locks here: threads are still covered
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


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
    directory = directory or default_export_dir(db)
    with kept_names(directory):
        path = timestamped_path(options.target, directory)
        result = write_prepared(db, prepared, path, who=who)
    if not result.ok:
        return KeptExport(False, b"", result.report, None, None, result.run_id)
    written = result.files[0]
    return KeptExport(True, written.read_bytes(), result.report, written, result.manifest,
                      result.run_id)
