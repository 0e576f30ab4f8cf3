"""File names and texts that are safe to print, store and put in a JSON report.

A name read from disk may hold bytes that are not UTF-8 (a CP949 name copied from a Korean
Windows machine); Python keeps those as lone surrogates, which cannot be written to a
terminal or to SQLite. Such a name is shown decoded as CP949 when it is valid Korean text,
otherwise with ``\\xNN`` escapes for the bytes; the file itself is still read by its real path.
"""

from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def is_encodable(text: str) -> bool:
    """True when `text` can be written as UTF-8 (no lone surrogates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """`text` unchanged when it is valid Unicode, else with its lone surrogates escaped."""
    if is_encodable(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _component(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        korean = raw.decode("cp949")
    except UnicodeDecodeError:
        korean = ""
    if korean and _HANGUL.search(korean) and is_encodable(korean):
        return korean
    return raw.decode("utf-8", "backslashreplace")


def display_name(name: str) -> str:
    """A printable name for a path string from the file system (see the module doc)."""
    if is_encodable(name):
        return name
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a byte
        return printable(name)
    return "/".join(_component(part) for part in raw.split(b"/"))


def member_display_name(filename: str, utf8_flag: bool) -> str:
    """A zip member's name: archives from Windows tools often store UTF-8 or CP949 bytes
    without the UTF-8 flag, which `zipfile` then reads as CP437."""
    if utf8_flag:
        return printable(filename)
    try:
        raw = filename.encode("cp437")
    except UnicodeEncodeError:
        return printable(filename)
    if raw.isascii():
        return filename
    return "/".join(_component(part) if _decodes(part) else part.decode("cp437")
                    for part in raw.split(b"/"))


def _decodes(raw: bytes) -> bool:
    """Whether a name component reads as UTF-8 or as Korean CP949."""
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    try:
        return bool(_HANGUL.search(raw.decode("cp949")))
    except UnicodeDecodeError:
        return False
