"""Mapped imports from the CLI and the Import page: paths or uploads, one mapping, one run.

The same promises as the plain importer: files and records stream (a folder of 200,000
files is walked lazily, a JSONL file read line by line), each bad file or record becomes a
named rejection while the good ones go in, and importing the same records twice adds
nothing. `progress` hears (files done, files in all) every few files and at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlite_utils import Database

from ...db import now_iso
from ...runs import finish_run, start_run
from ..decoding import encoding_label
from ..errors import FileRejected
from ..limits import DEFAULT_LIMITS, Limits
from ..names import display_name
from ..report import ImportReport, Rejection
from ..sources import LimitedReader, Source, check_size, source_from_stream
from ..store import ConversationWriter
from .mapper import Mapped
from .reader import read_source
from .spec import MappingSpec
from .writer import PairWriter

Progress = Callable[[int, int | None], None]
PROGRESS_SECONDS = 0.2  # how often progress is told while files stream past
STREAMED_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".tsv")
MAX_STREAMED_BYTES = 64 * 1024**3


@dataclass(slots=True)
class MappedReport(ImportReport):
    """An import report that also counts the ready pairs created and names the mapping."""

    mapping: str = ""
    output: str = ""
    pairs: int = 0

    def to_dict(self) -> dict:
        return {**ImportReport.to_dict(self), "mapping": self.mapping, "output": self.output,
                "pairs": self.pairs}

    def lines(self) -> list[str]:
        out = ImportReport.lines(self)
        if self.output == "pairs":
            out.insert(1, f"Mapping {self.mapping}: {self.pairs} ready pairs created "
                       "(pending review, not split).")
        else:
            out.insert(1, f"Mapping {self.mapping}: conversations wait for a split.")
        return out


def walk_files(paths: Sequence[str | os.PathLike[str]], suffixes: tuple[str, ...]
               ) -> Iterator[str | Rejection]:
    """Files as given; folders walked recursively in sorted order for the files the mapping
    reads (and .zip archives), hidden ones skipped. Plain strings all the way: a walk of
    200,000 files should not build 200,000 path objects."""
    wanted = tuple(s.lower() for s in suffixes) + (".zip",)
    for raw in paths:
        top = os.fspath(raw)
        if os.path.isdir(top):
            found = False
            for root, dirs, files in os.walk(top):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for file in sorted(files):
                    if not file.startswith(".") and file.lower().endswith(wanted):
                        found = True
                        yield os.path.join(root, file)
            if not found:
                yield Rejection(display_name(Path(top).as_posix()), "",
                                "folder holds no files this mapping reads ("
                                + ", ".join(wanted) + ")", "no_supported_files")
        elif os.path.isfile(top):
            yield top
        elif os.path.exists(top):
            yield Rejection(display_name(Path(top).as_posix()), "", "not a regular file",
                            "not_a_file")
        else:
            yield Rejection(display_name(Path(top).as_posix()), "",
                            "no such file or directory", "not_found")


def count_files(paths: Sequence[str | os.PathLike[str]], suffixes: tuple[str, ...]) -> int:
    """How many files a mapped import of `paths` will open (a walk of names only)."""
    return sum(1 for item in walk_files(paths, suffixes) if not isinstance(item, Rejection))


def file_cap(name: str, limits: Limits) -> int:
    """A file read line by line (JSONL, CSV) is never held whole, so the whole-document cap
    does not apply to it: a 1 GB JSONL export imports; a JSON document keeps the cap."""
    if name.lower().endswith(STREAMED_SUFFIXES):
        return max(limits.max_file_bytes, MAX_STREAMED_BYTES)
    return limits.max_file_bytes


def _file_source(path: str, name: str, max_bytes: int) -> Source:
    size = os.stat(path).st_size
    check_size(name, size, max_bytes)

    def opener() -> BinaryIO:
        return LimitedReader(open(path, "rb"), size, "file")  # type: ignore[return-value]

    return Source(name, size, opener, lambda: open(path, "rb"))


def import_mapped_paths(db: Database, spec: MappingSpec,
                        paths: Sequence[str | os.PathLike[str]], *, who: str = "cli",
                        limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
                        ) -> MappedReport:
    total = count_files(paths, spec.suffixes) if progress is not None else None
    sep = os.sep

    def sources() -> Iterator[tuple[bool, Source | Rejection]]:
        for item in walk_files(paths, spec.suffixes):
            if isinstance(item, Rejection):
                yield False, item
                continue
            name = display_name(item if sep == "/" else item.replace(sep, "/"))
            try:
                yield True, _file_source(item, name, file_cap(name, limits))
            except FileRejected as exc:
                yield True, Rejection(name, exc.locator, str(exc), exc.rule)
            except OSError as exc:
                yield True, Rejection(name, "", f"cannot open: {exc.strerror or exc}",
                                      "unreadable")

    settings = {"paths": [display_name(Path(p).as_posix()) for p in paths], "who": who,
                "mapping": spec.name}
    return _run(db, spec, sources(), settings, who, limits, progress, total)


def import_mapped_uploads(db: Database, spec: MappingSpec,
                          uploads: Sequence[tuple[str, BinaryIO]], *, who: str,
                          limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
                          ) -> MappedReport:
    settings = {"uploads": [display_name(n) for n, _ in uploads], "who": who,
                "mapping": spec.name}
    return _run(db, spec, upload_sources(uploads, limits), settings, who, limits, progress,
                len(uploads))


def upload_sources(uploads: Sequence[tuple[str, BinaryIO]], limits: Limits
                   ) -> Iterator[tuple[bool, Source | Rejection]]:
    for raw_name, stream in uploads:
        name = display_name(raw_name)
        try:
            yield True, source_from_stream(stream, name, limits.max_file_bytes)
        except FileRejected as exc:
            yield True, Rejection(name, exc.locator, str(exc), exc.rule)
        except OSError as exc:
            yield True, Rejection(name, "", f"cannot read upload: {exc}", "unreadable")


def _run(db: Database, spec: MappingSpec, sources: Iterator[tuple[bool, Source | Rejection]],
         settings: dict, who: str, limits: Limits, progress: Progress | None,
         total: int | None) -> MappedReport:
    report = MappedReport(mapping=spec.name, output=spec.output)
    run_id = start_run(db, "import", settings)
    report.run_id = run_id
    at = now_iso()
    pair_writer = PairWriter(db, run_id=run_id, imported_at=at, who=who, report=report) \
        if spec.output == "pairs" else None
    writer = pair_writer or ConversationWriter(db, run_id=run_id, imported_at=at, report=report)

    def encoding_seen(name: str, encoding: str) -> None:
        report.file(name).encoding = encoding_label(encoding)

    def take_rejected() -> None:
        for rejection in writer.take_rejected():
            report.reject(rejection)

    def counts() -> None:
        report.imported, report.duplicates = writer.imported, writer.duplicates
        report.pairs = pair_writer.pairs_created if pair_writer is not None else 0

    told = time.monotonic()
    try:
        for is_file, source in sources:
            report.files += is_file
            if isinstance(source, Rejection):
                report.reject(source)
            else:
                for item in read_source(spec, source, limits, encoding_seen):
                    if isinstance(item, Rejection):
                        report.reject(item)
                    elif pair_writer is not None:
                        pair_writer.add_with_pairs(item.conversation, item.pairs)
                    else:
                        writer.add(item.conversation)
                take_rejected()
            if progress is not None and time.monotonic() - told >= PROGRESS_SECONDS:
                told = time.monotonic()
                progress(report.files, total)
        writer.flush()
        take_rejected()
    except BaseException as exc:
        counts()
        finish_run(db, run_id, report.counts(), status="failed", message=repr(exc)[:500])
        raise
    counts()
    if progress is not None:
        progress(report.files, total)
    finish_run(db, run_id, {**report.counts(), "pairs": report.pairs},
               message=report.lines()[0])
    return report


def preview(spec: MappingSpec, uploads: Sequence[tuple[str, BinaryIO]], *, limit: int = 5,
            limits: Limits = DEFAULT_LIMITS) -> list[Mapped | Rejection]:
    """The first `limit` records mapped, nothing written (the Import page's preview)."""
    out: list[Mapped | Rejection] = []
    for _, source in upload_sources(uploads, limits):
        if isinstance(source, Rejection):
            out.append(source)
            continue
        for item in read_source(spec, source, limits):
            out.append(item)
            if len(out) >= limit:
                return out
    return out
