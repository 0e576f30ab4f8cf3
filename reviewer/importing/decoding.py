"""Bytes → text for import files: UTF-8, UTF-8 with BOM, or Korean CP949/EUC-KR.

The whole file is validated (streaming, in chunks) before parsing starts, so a file is
either decoded in full with one encoding or rejected; it is never half mis-decoded.
CP949 decodes many arbitrary byte strings, so it is only accepted when UTF-8 fails *and*
the result looks like Korean text: no control characters, and the non-ASCII characters are
mostly Hangul. A refusal names the line and byte offset of the first problem; UTF-16 without
a byte-order mark is recognised by its NUL bytes.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from .errors import FileRejected

CHUNK = 1 << 20

# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Non-ASCII that is still ordinary in Korean documents: Hangul, CJK/fullwidth punctuation,
# general punctuation, Latin-1 symbols.
_KOREAN_OK = re.compile(
    r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\u3000-\u303f\uff00-\uffef\u2000-\u206f"
    r"\u00a0-\u00ff\u2190-\u21ff\u25a0-\u25ff]"
)
MIN_KOREAN_SHARE = 0.9
# How much of a file's start is checked for UTF-16 without a BOM, and the share of NUL
# bytes on one parity that gives it away (spaces and ASCII punctuation in Korean text).
UTF16_SAMPLE = 4096
UTF16_NUL_SHARE = 0.1

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
CP949 = "cp949"
# How an encoding is named in reports.
ENCODING_LABELS = {UTF8: "UTF-8", UTF8_BOM: "UTF-8 with BOM", CP949: "CP949"}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


def detect_encoding(opener: Callable[[], BinaryIO]) -> str:
    """Return the codec name that decodes the whole file, or raise `FileRejected`."""
    with opener() as stream:
        head = stream.read(UTF16_SAMPLE)
    if head.startswith(codecs.BOM_UTF8):
        problem = _validate(opener, UTF8_BOM)
        if problem is None:
            return UTF8_BOM
        if problem.rule == "binary_data":
            raise FileRejected(f"not a text file: {problem.message}", rule=problem.rule,
                               locator=problem.locator)
        raise FileRejected(f"starts with a UTF-8 byte-order mark but is not UTF-8: "
                           f"{problem.message}", rule=problem.rule, locator=problem.locator)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise FileRejected("UTF-16 text is not supported; save the file as UTF-8",
                           rule="utf16")
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        raise FileRejected(utf16.message, rule=utf16.rule, locator=utf16.locator)
    problem = _validate(opener, UTF8)
    if problem is None:
        return UTF8
    if problem.rule == "binary_data":
        raise FileRejected(f"not a text file: {problem.message}", rule=problem.rule,
                           locator=problem.locator)
    if _validate(opener, CP949, korean=True) is None:
        return CP949
    raise FileRejected(
        f"cannot decode: not UTF-8 ({problem.message}) and not Korean CP949/EUC-KR text",
        rule="bad_encoding", locator=problem.locator,
    )


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file does not decode, and where (the locator names the line)."""

    rule: str
    message: str
    locator: str = ""


def _utf16_without_bom(head: bytes) -> Problem | None:
    """UTF-16 text without a byte-order mark: many NUL bytes, nearly all on one parity."""
    pairs = len(head) // 2
    if pairs < 2 or b"\x00" not in head:
        return None
    even = head[0:pairs * 2:2].count(0)
    odd = head[1:pairs * 2:2].count(0)
    for nuls, others, order in ((odd, even, "little"), (even, odd, "big")):
        if nuls >= max(2, pairs * UTF16_NUL_SHARE) and others <= pairs * 0.01:
            first = head.index(0)
            return Problem("utf16", f"looks like UTF-16 ({order}-endian) without a byte-order "
                           f"mark: NUL byte at byte offset {first}; save the file as UTF-8 "
                           "(nothing from this file was imported)", "line 1")
    return None


def _validate(opener: Callable[[], BinaryIO], encoding: str, *, korean: bool = False
              ) -> Problem | None:
    """Decode the whole stream; return what is wrong and where, or None when fine."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0  # bytes read before this chunk
    lines = 0  # newlines before this chunk
    hangul = non_ascii = odd = 0
    with opener() as stream:
        while True:
            chunk = stream.read(CHUNK)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                where = max(exc.start, 0)
                line = lines + chunk.count(b"\n", 0, where) + 1
                return Problem("bad_encoding", f"invalid byte at byte offset "
                               f"{offset + where}", f"line {line}")
            control = _CONTROL.search(text)
            if control:
                pos = control.start()
                start = offset - pending + (3 if encoding == UTF8_BOM and offset == 0 else 0)
                at = start + len(text[:pos].encode(encoding.replace("-sig", "")))
                line = lines + text.count("\n", 0, pos) + 1
                return Problem("binary_data", f"control character U+{ord(text[pos]):04X} at byte "
                               f"offset {at} (binary data?); nothing from this "
                               "file was imported", f"line {line}")
            lines += text.count("\n")
            if korean and text:
                hangul += len(_HANGUL.findall(text))
                foreign = _NON_ASCII.findall(text)
                non_ascii += len(foreign)
                odd += sum(1 for ch in foreign if not _KOREAN_OK.match(ch))
            if final:
                break
            offset += len(chunk)
    if korean:
        if hangul == 0:
            return Problem("bad_encoding", "no Hangul text")
        if non_ascii and (non_ascii - odd) / non_ascii < MIN_KOREAN_SHARE:
            return Problem("bad_encoding", "does not look like Korean text")
    return None


def open_text(opener: Callable[[], BinaryIO], encoding: str, *,
              newline: str | None = None) -> TextIO:
    """A text stream over the source in a validated encoding."""
    return io.TextIOWrapper(opener(), encoding=encoding, errors="strict", newline=newline)


def decode_bytes(data: bytes) -> str:
    """Decode an in-memory byte string with the same rules (used for small inputs)."""
    encoding = detect_encoding(lambda: io.BytesIO(data))
    return data.decode(encoding)
