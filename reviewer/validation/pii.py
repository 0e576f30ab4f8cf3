"""Personal data left in text: emails, phone numbers (incl. Korean formats), IP addresses,
API-key-like strings, payment card numbers (Luhn-checked) and Korean resident registration
numbers. Matches are reported masked; the original value never reaches the report.

Each row of :data:`KINDS` is a kind's pattern and its anchor: a short pattern that every
match contains (``@`` for an email, a run of digits for a phone number). A pattern only runs
on text where its anchor is found, which keeps the scan cheap on ordinary prose; the tests
check every row's anchor against matches of its pattern. Patterns use ASCII classes: a
Hangul particle right after a number ("010-1234-5678로") must not hide it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_ok(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _ipv6_ok(value: str) -> bool:
    if not any(c.isalpha() for c in value) and "::" not in value:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _key_ok(value: str) -> bool:
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return True
    # base64-like: needs a mix of upper, lower and digits to not be a long word/path
    return (any(c.isdigit() for c in value) and any(c.isupper() for c in value)
            and any(c.islower() for c in value))


@dataclass(frozen=True)
class Kind:
    name: str
    anchor: re.Pattern[str]  # found in every match of the pattern; best a literal (fast)
    pattern: re.Pattern[str]
    accept: Callable[[str], bool] = lambda value: True


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE | re.ASCII)


# Seven or more digits, spaces, brackets, dots and dashes: phone, card and resident numbers,
# and IPv4 addresses all have such a run.
_DIGITS = _re(r"\d[\d ().-]{5,}\d")

# In priority order: where matches of two rows overlap, the earlier row's is kept.
KINDS: tuple[Kind, ...] = (
    Kind("email", _re("@"), _re(
        r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")),
    Kind("rrn", _DIGITS, _re(
        r"(?<![\d-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-[1-8]\d{6}(?![\d-])")),
    Kind("api_key", _re("sk-"), _re(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}")),
    Kind("api_key", _re("AKIA"), _re(r"\bAKIA[0-9A-Z]{16}\b")),
    Kind("api_key", _re("gh[pousr]_"), _re(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    Kind("api_key", _re("xox[abprs]-"), _re(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    Kind("api_key", _re(r"[A-Za-z0-9+/_-]{32}"), _re(
        r"\b[0-9a-fA-F]{32,}\b|(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}"), _key_ok),
    Kind("phone", _DIGITS, _re(r"""
        (?<![\w+])(?:\+82[ -]?(?:0?1[016789]|0?[2-6]\d?)[ -]?\d{3,4}[ -]?\d{4}
        |01[016789][ -]?\d{3,4}[ -]?\d{4}|0(?:2|[3-6][1-5]|70)[ )-]\d{3,4}-\d{4}
        |\+\d{1,3}[ -]\d{1,4}[ -]\d{3,4}[ -]\d{3,4}|\(\d{3}\)[ ]?\d{3}-\d{4}
        |\d{3}-\d{3}-\d{4})(?![\w-])""")),
    Kind("card", _DIGITS, _re(
        r"(?<![\d-])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\d-])"), _card_ok),
    Kind("ipv4", _DIGITS, _re(r"""
        (?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}
        (?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])""")),
    Kind("ipv6", _re(r":[0-9A-Fa-f]{0,4}:"), _re(
        r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])"),
        _ipv6_ok),
)
LABELS = {"email": "email address", "phone": "phone number", "ipv4": "IPv4 address",
          "ipv6": "IPv6 address", "api_key": "API-key-like string", "card": "card number",
          "rrn": "resident registration number"}


def mask(value: str) -> str:
    """Keep a little of the shape, hide the rest: ``jo******om``; short values fully hidden."""
    if len(value) <= 6:
        return "*" * len(value)
    keep = 2 if len(value) < 16 else 4
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def scan(text: str) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, masked match)`` for personal data found in ``text``, in text order."""
    found: list[tuple[int, int, int, str]] = []  # (start, row, end, value): every match
    anchored: dict[re.Pattern[str], bool] = {}  # rows may share an anchor
    for row, kind in enumerate(KINDS):
        hit = anchored.get(kind.anchor)
        if hit is None:
            hit = anchored[kind.anchor] = kind.anchor.search(text) is not None
        if hit:
            found.extend((m.start(), row, m.end(), m.group())
                         for m in kind.pattern.finditer(text))
    end = 0
    for start, row, stop, value in sorted(found):
        if start >= end:  # text inside an earlier match (even a rejected one) is part of it
            end = stop
            if KINDS[row].accept(value):
                yield KINDS[row].name, mask(value)


def scan_texts(texts: list[str]) -> dict[str, list[str]]:
    """Masked matches per kind over the texts of one example (scanned as one text: no
    pattern matches across a line break)."""
    kinds: dict[str, list[str]] = {}
    for kind, masked in scan("\n".join(texts)):
        kinds.setdefault(kind, []).append(masked)
    return kinds


def label(kind: str) -> str:
    return LABELS.get(kind, kind)
