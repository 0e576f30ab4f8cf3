"""Where import bytes come from: a path, an uploaded stream, or a zip member.

A `Source` can be opened more than once (encoding detection reads the file once to
validate it, the parser reads it again), and every opening is capped by a
`LimitedReader`, so nothing is ever read past the size we agreed to.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .errors import FileRejected
from .limits import human_bytes

Opener = Callable[[], BinaryIO]


class LimitedReader(io.RawIOBase):
    """Read-only wrapper that fails once more than `limit` bytes come out."""

    def __init__(self, raw: BinaryIO, limit: int, label: str, *, close_raw: bool = True):
        self._raw = raw
        self._left = limit
        self._limit = limit
        self._label = label
        self._close_raw = close_raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)
        want = min(len(view), self._left + 1)
        data = self._raw.read(want)
        if not data:
            return 0
        if len(data) > self._left:
            raise FileRejected(
                f"{self._label} is larger than {human_bytes(self._limit)}; refused",
                rule="too_large",
            )
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed and self._close_raw:
            self._raw.close()
        super().close()


@dataclass(slots=True)
class Source:
    """One importable file: a display name, its size in bytes, and how to (re)open it."""

    name: str
    size: int
    opener: Opener
    # A seekable handle on the raw bytes (zip needs one); None for zip members.
    seekable: Opener | None = None

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()

    def open(self) -> BinaryIO:
        raw: Any = self.opener()  # a raw byte stream; BufferedReader adds the buffering
        return io.BufferedReader(raw, buffer_size=1 << 16)


def check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileRejected(
            f"file is {human_bytes(size)}, over the {human_bytes(max_bytes)} limit; refused",
            rule="too_large",
        )
    if size == 0:
        raise FileRejected("file is empty", rule="empty_file")


def source_from_path(path: Path, name: str, max_bytes: int) -> Source:
    """Size comes from ``stat``; the file is not opened unless it is under the cap."""
    size = path.stat().st_size
    check_size(name, size, max_bytes)

    def opener() -> BinaryIO:
        return LimitedReader(open(path, "rb"), size, "file")  # type: ignore[return-value]

    return Source(name, size, opener, lambda: open(path, "rb"))


def stream_length(stream: BinaryIO) -> int | None:
    """Length of a seekable stream without reading it (None when it cannot seek)."""
    size = getattr(stream, "size", None)  # Streamlit's UploadedFile has .size
    if isinstance(size, int):
        return size
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return int(end)
    except (OSError, AttributeError, ValueError):
        return None


def source_from_stream(stream: BinaryIO, name: str, max_bytes: int) -> Source:
    """Seekable streams are re-read in place; others are spooled (capped) to a temp file."""
    size = stream_length(stream)
    if size is None:
        stream = _spool(stream, max_bytes)
        size = stream_length(stream) or 0
    check_size(name, size, max_bytes)
    start = 0

    def opener() -> BinaryIO:
        stream.seek(start)
        return LimitedReader(stream, size, "file", close_raw=False)  # type: ignore[return-value]

    def seekable() -> BinaryIO:
        stream.seek(start)
        return _Unclosable(stream)  # type: ignore[return-value]

    return Source(name, size, opener, seekable)


class _Unclosable(io.BufferedIOBase):
    """Caller-owned stream handed out for one use; closing the view leaves it open."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._raw.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _spool(stream: BinaryIO, max_bytes: int) -> BinaryIO:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    limited = LimitedReader(stream, max_bytes, "file", close_raw=False)
    shutil.copyfileobj(limited, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]
