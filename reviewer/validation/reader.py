"""Streaming JSONL reader: raw byte lines with their 1-based physical line numbers.

Decisions:
- A line must be valid UTF-8 and hold one JSON object; anything else is an error finding for
  that line, and reading continues.
- Blank (whitespace-only) lines are reported as a warning (``blank_line``) and skipped; a
  final newline at the end of the file is not a blank line.
- A line longer than ``MAX_LINE_BYTES`` is not kept in memory: it is skipped in pieces and
  reported as ``line_too_long``.
- A file larger than ``MAX_FILE_BYTES`` (the OpenAI Files API limit) gets a file-level error
  (line 0); its lines are still checked.
- ``NaN``/``Infinity`` are not JSON and are rejected; nesting too deep for the parser is
  reported as ``invalid_json`` rather than crashing.
- I/O problems raise :class:`ReadError` (the CLI maps it to exit code 2).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .findings import Finding, error, warning

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class ReadError(Exception):
    """The file could not be read at all (missing, a directory, permission, I/O failure)."""


def file_findings(path: Path) -> list[Finding]:
    """File-level checks done before reading; raises ReadError when the file is unusable."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not Path(path).is_file():
        raise ReadError(f"{path} is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        mb = st.st_size / 1024 / 1024
        return [error(0, "file_too_large",
                      f"file is {mb:,.0f} MB; the upload limit is {MAX_FILE_BYTES // 2**20} MB")]
    return []


BLOCK_BYTES = 1 << 20


def iter_raw_lines(path: Path, *, max_line: int = MAX_LINE_BYTES, start: int = 0,
                   end: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, raw bytes without the newline)``; ``None`` for a line longer
    than ``max_line`` bytes (never held in memory whole).

    With ``start``/``end`` (byte offsets; ``start`` at a line start) only the lines that
    start inside ``[start, end)`` are read, numbered from 1 within that range. The file is
    read in blocks and split on newlines (much cheaper per line than ``readline``).
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, errors mapped to ReadError
    except OSError as exc:
        raise ReadError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with fh:
        number = 0
        line_start = start                  # file offset of the current line
        limit = float("inf") if end is None else end
        carry: list[bytes] = []             # pieces of the current, unfinished line
        carried = 0                         # its length so far
        try:
            if start:
                fh.seek(start)
        except OSError as exc:
            raise ReadError(f"cannot read {path}: {exc}") from exc
        while line_start < limit:
            try:
                block = fh.read(BLOCK_BYTES)
            except OSError as exc:
                raise ReadError(f"cannot read {path} after line {number}: {exc}") from exc
            if not block:
                if carried:  # a last line without a newline
                    number += 1
                    yield number, (b"".join(carry) if carried <= max_line else None)
                return
            pieces = block.split(b"\n")
            tail = pieces.pop()
            for piece in pieces:
                if carried:
                    length = carried + len(piece)
                    raw = b"".join([*carry, piece]) if length <= max_line else None
                    carry, carried = [], 0
                else:
                    length = len(piece)
                    raw = piece if length <= max_line else None
                number += 1
                line_start += length + 1
                if raw is not None and raw.endswith(b"\r"):
                    raw = raw[:-1]
                yield number, raw
                if line_start >= limit:
                    return
            if tail:
                carried += len(tail)
                if carried <= max_line:
                    carry.append(tail)
                else:
                    carry = []  # too long: keep only its length


def line_starts(path: Path, size: int, pieces: int) -> list[int]:
    """Offsets that cut the file into about ``pieces`` byte ranges at line starts."""
    cuts = [0]
    with open(path, "rb") as fh:
        for k in range(1, pieces):
            target = size * k // pieces
            if target <= cuts[-1]:
                continue
            fh.seek(target - 1)
            pos = target - 1
            while True:  # find the end of the line that holds byte target-1
                chunk = fh.readline(1 << 20)
                pos += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            if pos >= size:
                break
            if pos > cuts[-1]:
                cuts.append(pos)
    return cuts


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # built once, not per line
_JSON_SPACE = " \t\n\r"


def _raw_decode(text: str) -> tuple[Any, int]:
    """``JSONDecoder.raw_decode`` that also allows JSON whitespace before the value (as
    ``decode`` does), without ``decode``'s two regex calls on the common line."""
    if text[:1] in _JSON_SPACE:
        stripped = text.lstrip(_JSON_SPACE)
        obj, end = _DECODER.raw_decode(stripped)
        return obj, end + len(text) - len(stripped)
    return _DECODER.raw_decode(text)


def parse_line(number: int, raw: bytes | None, *, first: bool | None = None
               ) -> tuple[Any, Finding | None]:
    """Parse one raw line: ``(object, None)``, or ``(None, finding)``; blank → ``(None, None)``.
    ``first`` says whether this is the file's first line (default: ``number == 1``)."""
    if raw is None:
        return None, error(number, "line_too_long",
                           f"line is longer than {MAX_LINE_BYTES // 2**20} MB; not read")
    if (number == 1 if first is None else first) and raw.startswith(_BOM):
        return None, error(number, "bom", "file starts with a UTF-8 byte-order mark; remove it")
    if not raw.strip():
        return None, warning(number, "blank_line", "blank line (skipped; not an example)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, error(number, "invalid_utf8",
                           f"not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})")
    try:
        obj, end = _raw_decode(text)
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            raise ValueError("Extra data")
    except RecursionError:
        return None, error(number, "invalid_json", "JSON nested too deeply to parse")
    except ValueError as exc:
        msg = str(exc).split(": line ")[0]
        return None, error(number, "invalid_json", f"not valid JSON ({msg})"[:200])
    if not isinstance(obj, dict):
        return None, error(number, "data_type",
                           f"line is a JSON {type(obj).__name__}, not an object")
    return obj, None
