"""Atomic file writes: a failed or interrupted export leaves no partial file behind.

Each file is written to a temporary file in the destination directory, flushed and
fsynced, and only then renamed over the destination with `os.replace` (atomic on POSIX
and Windows within one file system). `StagedFiles` does this for several files at once:
nothing is renamed until every file has been written, so an export with train,
validation and manifest files either appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    sha256: str
    bytes: int
    lines: int


class _HashingWriter:
    """Counts and hashes what goes through to the file."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.lines = 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        self.lines += data.count(b"\n")


def dumps_line(obj: Any) -> bytes:
    """One JSONL line: compact, UTF-8, Hangul kept as is (not \\u escapes)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def jsonl_bytes(objects: Iterable[Any]) -> bytes:
    return b"".join(dumps_line(obj) for obj in objects)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on every platform."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class StagedFiles:
    """Write several files to temporaries, then publish them all with `commit()`.

    Use as a context manager: leaving the block without `commit()` (or with an exception)
    removes every temporary, and destinations are left as they were.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path, WrittenFile]] = []

    def write(self, path: Path, produce: Callable[[Callable[[bytes], None]], None]) -> WrittenFile:
        """Stage `path`; `produce(write)` is called with a function taking bytes."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o644)  # mkstemp's 0600 would make exports private by accident
            with os.fdopen(fd, "wb") as handle:
                writer = _HashingWriter(handle)
                produce(writer.write)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written = WrittenFile(path, writer.digest.hexdigest(), writer.size, writer.lines)
        self._staged.append((tmp, path, written))
        return written

    def write_bytes(self, path: Path, data: bytes) -> WrittenFile:
        return self.write(path, lambda write: write(data))

    def write_jsonl(self, path: Path, objects: Iterable[Any]) -> WrittenFile:
        def produce(write: Callable[[bytes], None]) -> None:
            for obj in objects:
                write(dumps_line(obj))

        return self.write(path, produce)

    def commit(self) -> list[WrittenFile]:
        """Rename every staged file into place (in staging order)."""
        done: list[WrittenFile] = []
        directories: set[Path] = set()
        for _tmp, path, _written in self._staged:
            if path.is_dir():  # os.replace would fail halfway through the set
                self.abort()
                raise IsADirectoryError(21, "Is a directory", str(path))
        try:
            for tmp, path, written in self._staged:
                os.replace(tmp, path)
                done.append(written)
                directories.add(path.parent)
        finally:
            self.abort()
        for directory in directories:
            _fsync_dir(directory)
        return done

    def abort(self) -> None:
        """Remove every temporary not yet published."""
        for tmp, _path, _written in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()


def atomic_write_bytes(path: Path, data: bytes) -> WrittenFile:
    """Write one file atomically."""
    with StagedFiles() as staged:
        staged.write_bytes(path, data)
        return staged.commit()[0]


def atomic_write_json(path: Path, obj: Any) -> WrittenFile:
    data = json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return atomic_write_bytes(path, data)
