"""Batch import entry points used by the CLI and the Import page.

Files are parsed one at a time and streamed into the database in batches; a bad file or
record becomes a `Rejection` in the report and never stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from sqlite_utils import Database

from ..db import now_iso
from ..models import Conversation
from ..runs import finish_run, start_run
from .decoding import encoding_label
from .errors import FileRejected
from .formats import SUPPORTED_SUFFIXES, is_supported, parse_file
from .limits import DEFAULT_LIMITS, Limits
from .names import display_name
from .report import ImportReport, Rejection
from .sources import Source, source_from_path, source_from_stream
from .speakers import SpeakerRoles
from .store import ConversationWriter

__all__ = ["ImportReport", "Rejection", "import_paths", "import_uploads", "expand_paths"]


def import_paths(db: Database, paths: Sequence[str | os.PathLike[str]], *, who: str = "cli",
                 limits: Limits = DEFAULT_LIMITS, roles: SpeakerRoles | None = None
                 ) -> ImportReport:
    """Import files and directories (searched recursively for supported files).

    ``roles`` (from `speakers.speaker_roles`) names the people of chat-style transcripts."""
    names = [display_name(Path(p).as_posix()) for p in paths]
    report = ImportReport()

    def sources() -> Iterator[tuple[bool, Source | Rejection]]:
        for item in expand_paths(paths):
            if isinstance(item, Rejection):
                yield False, item  # missing path or empty directory: not a file
                continue
            name = display_name(item.as_posix())
            try:
                yield True, source_from_path(item, name, limits.max_file_bytes)
            except FileRejected as exc:
                yield True, Rejection(name, exc.locator, str(exc), exc.rule)
            except OSError as exc:
                yield True, Rejection(name, "", f"cannot open: {exc.strerror or exc}",
                                      "unreadable")

    return _run(db, report, sources(), _settings({"paths": names, "who": who}, roles), limits,
                roles)


def import_uploads(db: Database, uploads: Sequence[tuple[str, BinaryIO]], *, who: str,
                   limits: Limits = DEFAULT_LIMITS, roles: SpeakerRoles | None = None
                   ) -> ImportReport:
    """Import uploaded files given as (file name, binary stream)."""
    report = ImportReport()

    def sources() -> Iterator[tuple[bool, Source | Rejection]]:
        for raw_name, stream in uploads:
            name = display_name(raw_name)
            try:
                yield True, source_from_stream(stream, name, limits.max_file_bytes)
            except FileRejected as exc:
                yield True, Rejection(name, exc.locator, str(exc), exc.rule)
            except OSError as exc:
                yield True, Rejection(name, "", f"cannot read upload: {exc}", "unreadable")

    settings = {"uploads": [display_name(name) for name, _ in uploads], "who": who}
    return _run(db, report, sources(), _settings(settings, roles), limits, roles)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Rejection]:
    """Files as given, directories walked in sorted order for supported extensions."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for file in sorted(files):
                    if not file.startswith(".") and is_supported(file):
                        found = True
                        yield Path(root) / file
            if not found:
                yield Rejection(display_name(path.as_posix()), "",
                                "directory holds no supported files ("
                                + ", ".join(SUPPORTED_SUFFIXES) + ")", "no_supported_files")
        elif path.is_file():
            yield path
        elif path.exists():
            yield Rejection(display_name(path.as_posix()), "", "not a regular file", "not_a_file")
        else:
            yield Rejection(display_name(path.as_posix()), "", "no such file or directory",
                            "not_found")


def _settings(settings: dict, roles: SpeakerRoles | None) -> dict:
    return {**settings, "roles": roles.describe()} if roles is not None else settings


def _run(db: Database, report: ImportReport, sources: Iterator[tuple[bool, Source | Rejection]],
         settings: dict, limits: Limits, roles: SpeakerRoles | None = None) -> ImportReport:
    run_id = start_run(db, "import", settings)
    report.run_id = run_id
    writer = ConversationWriter(db, run_id=run_id, imported_at=now_iso(), report=report)

    def encoding_seen(name: str, encoding: str) -> None:
        report.file(name).encoding = encoding_label(encoding)

    def take_rejected() -> None:
        for rejection in writer.take_rejected():
            report.reject(rejection)

    try:
        for is_file, source in sources:
            report.files += is_file
            if isinstance(source, Rejection):
                report.reject(source)
                continue
            for item in parse_file(source, limits, encoding_seen, roles=roles):
                if isinstance(item, Conversation):
                    writer.add(item)
                else:
                    report.reject(item)
            take_rejected()
        writer.flush()
        take_rejected()
    except BaseException as exc:
        report.imported, report.duplicates = writer.imported, writer.duplicates
        finish_run(db, run_id, report.counts(), status="failed", message=repr(exc)[:500])
        raise
    report.imported, report.duplicates = writer.imported, writer.duplicates
    finish_run(db, run_id, report.counts(), message=report.lines()[0])
    return report
