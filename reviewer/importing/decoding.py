"""Bytes → text for import files: UTF-8, UTF-8 with BOM, or Korean CP949/EUC-KR.

The whole file is validated (streaming, in chunks) before parsing starts, so a file is
either decoded in full with one encoding or rejected; it is never half mis-decoded.
CP949 decodes many arbitrary byte strings, so it is only accepted when UTF-8 fails *and*
the result looks like Korean text: no control characters, and the non-ASCII characters are
mostly Hangul.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
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

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
CP949 = "cp949"


def detect_encoding(opener: Callable[[], BinaryIO]) -> str:
    """Return the codec name that decodes the whole file, or raise `FileRejected`."""
    with opener() as stream:
        head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        problem = _validate(opener, UTF8_BOM)
        if problem:
            raise FileRejected(f"starts with a UTF-8 byte-order mark but {problem}")
        return UTF8_BOM
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise FileRejected("UTF-16 text is not supported; save the file as UTF-8")
    problem = _validate(opener, UTF8)
    if problem is None:
        return UTF8
    if problem.startswith("contains control"):
        raise FileRejected(f"not a text file: {problem}")
    if _validate(opener, CP949, korean=True) is None:
        return CP949
    raise FileRejected(
        f"cannot decode: not UTF-8 ({problem}) and not Korean CP949/EUC-KR text"
    )


def _validate(opener: Callable[[], BinaryIO], encoding: str, *, korean: bool = False) -> str | None:
    """Decode the whole stream; return a short problem description or None when fine."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    hangul = non_ascii = odd = 0
    with opener() as stream:
        while True:
            chunk = stream.read(CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                return f"invalid byte at offset {offset + max(exc.start, 0)}"
            if _CONTROL.search(text):
                return "contains control characters (binary data?)"
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
            return "no Hangul text"
        if non_ascii and (non_ascii - odd) / non_ascii < MIN_KOREAN_SHARE:
            return "does not look like Korean text"
    return None


def open_text(opener: Callable[[], BinaryIO], encoding: str, *,
              newline: str | None = None) -> TextIO:
    """A text stream over the source in a validated encoding."""
    return io.TextIOWrapper(opener(), encoding=encoding, errors="strict", newline=newline)


def decode_bytes(data: bytes) -> str:
    """Decode an in-memory byte string with the same rules (used for small inputs)."""
    encoding = detect_encoding(lambda: io.BytesIO(data))
    return data.decode(encoding)
