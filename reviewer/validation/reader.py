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


def iter_raw_lines(path: Path, *, max_line: int = MAX_LINE_BYTES
                   ) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, raw bytes without the newline)``; ``None`` for a line longer
    than ``max_line`` bytes (never held in memory whole). The file is read in blocks and
    split on newlines (much cheaper per line than ``readline``)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, errors mapped to ReadError
    except OSError as exc:
        raise ReadError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with fh:
        number = 0
        carry: list[bytes] = []             # pieces of the current, unfinished line
        carried = 0                         # its length so far
        while True:
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
                    raw = piece if len(piece) <= max_line else None
                number += 1
                if raw is not None and raw.endswith(b"\r"):
                    raw = raw[:-1]
                yield number, raw
            if tail:
                carried += len(tail)
                if carried <= max_line:
                    carry.append(tail)
                else:
                    carry = []  # too long: keep only its length


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # built once, not per line


def parse_line(number: int, raw: bytes | None) -> tuple[Any, Finding | None]:
    """Parse one raw line: ``(object, None)`` or ``(None, finding)``."""
    if raw is None:
        return None, error(number, "line_too_long",
                           f"line is longer than {MAX_LINE_BYTES // 2**20} MB; not read")
    if number == 1 and raw.startswith(_BOM):
        return None, error(number, "bom", "file starts with a UTF-8 byte-order mark; remove it")
    if not raw.strip():
        return None, warning(number, "blank_line", "blank line (skipped; not an example)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, error(number, "invalid_utf8",
                           f"not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})")
    try:
        obj = _DECODER.decode(text)
    except RecursionError:
        return None, error(number, "invalid_json", "JSON nested too deeply to parse")
    except ValueError as exc:
        msg = str(exc).split(": line ")[0]
        return None, error(number, "invalid_json", f"not valid JSON ({msg})"[:200])
    if not isinstance(obj, dict):
        return None, error(number, "data_type",
                           f"line is a JSON {type(obj).__name__}, not an object")
    return obj, None
