"""Atomic file writes: a failed or interrupted export leaves no partial file behind.

Each file is written to a temporary file in the destination directory, flushed and
fsynced, and only then renamed over the destination with `os.replace` (atomic on POSIX
and Windows within one file system). `StagedFiles` does this for several files at once:
nothing is renamed until every file has been written, and the renames run in staging order
(data files first, the manifest last).

A process killed while writing leaves its temporaries behind. Their names carry the owner
(`.<name>.p<pid>s<pid start>h<host tag>.<random>.tmp`), so the next write into the same
directory removes the temporaries of owners on this host that are gone (`remove_stale_temps`)
and never touches those of a live writer.

A kill between two renames cannot be made impossible (POSIX has no multi-file rename): the
manifest names the sha256 of each data file, and a reader tells a complete export from a
torn one by checking them (`reviewer validate --manifest M`; see `manifest.verify_manifest`).

`REVIEWER_CRASH_AT=<step>` makes the writer SIGKILL its own process at that step, for the
crash tests only (steps: `write` in the middle of the first file, `staged` when every
temporary is written, `renamed-N` after the N-th rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..jobs.store import process_alive, this_process

CRASH_ENV = "REVIEWER_CRASH_AT"
_OWNED_TEMP = re.compile(r"^\..+\.p(\d+)s(\d+|x)h([0-9a-f]{6})\.[A-Za-z0-9_]+\.tmp$")


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


def crash_point(step: str) -> None:
    """Kill this process at `step` when `REVIEWER_CRASH_AT` names it (crash tests only)."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:6]


def _owner_tag() -> str:
    _host, pid, started = this_process()
    return f"p{pid}s{started or 'x'}h{_host_tag()}"


def remove_stale_temps(directory: Path) -> list[Path]:
    """Remove the temporaries in `directory` left by writers on this host that are gone."""
    removed: list[Path] = []
    host = _host_tag()
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _OWNED_TEMP.match(entry.name)
        if match is None or match.group(3) != host:
            continue
        pid, started = int(match.group(1)), match.group(2)
        if process_alive(pid, None if started == "x" else started):
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed.append(entry)
    return removed


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
        self._cleaned: set[Path] = set()
        self.removed_temps: list[Path] = []  # stale temporaries of dead writers, removed

    def write(self, path: Path, produce: Callable[[Callable[[bytes], None]], None]) -> WrittenFile:
        """Stage `path`; `produce(write)` is called with a function taking bytes."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent not in self._cleaned:
            self._cleaned.add(path.parent)
            self.removed_temps += remove_stale_temps(path.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{_owner_tag()}.", suffix=".tmp",
                                        dir=path.parent)
        tmp = Path(tmp_name)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o644)  # mkstemp's 0600 would make exports private by accident
            with os.fdopen(fd, "wb") as handle:
                writer = _HashingWriter(handle)
                produce(_crash_midway(writer.write) if not self._staged else writer.write)
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
        crash_point("staged")
        try:
            for number, (tmp, path, written) in enumerate(self._staged, start=1):
                os.replace(tmp, path)
                crash_point(f"renamed-{number}")
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


def _crash_midway(write: Callable[[bytes], None]) -> Callable[[bytes], None]:
    """`write`, dying after the first chunk when the crash step is `write`."""
    if os.environ.get(CRASH_ENV) != "write":
        return write

    def write_then_crash(data: bytes) -> None:
        write(data)
        crash_point("write")

    return write_then_crash


def atomic_write_bytes(path: Path, data: bytes) -> WrittenFile:
    """Write one file atomically."""
    with StagedFiles() as staged:
        staged.write_bytes(path, data)
        return staged.commit()[0]


def atomic_write_json(path: Path, obj: Any) -> WrittenFile:
    data = json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return atomic_write_bytes(path, data)
