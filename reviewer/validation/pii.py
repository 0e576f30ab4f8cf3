"""Personal data left in text: emails, phone numbers (incl. Korean formats), IP addresses,
API-key-like strings, payment card numbers (Luhn-checked) and Korean resident registration
numbers. Matches are reported masked; the original value never reaches the report."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

_PATTERN = re.compile(
    r"""
    (?P<email>[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})
  | (?P<rrn>(?<![\d-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-[1-8]\d{6}(?![\d-]))
  | (?P<api_key>\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|\bAKIA[0-9A-Z]{16}\b
        |\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}
        |\b[0-9a-fA-F]{32,}\b|(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2})
  | (?P<phone>(?<![\w+])(?:\+82[ -]?(?:0?1[016789]|0?[2-6]\d?)[ -]?\d{3,4}[ -]?\d{4}
        |01[016789][ -]?\d{3,4}[ -]?\d{4}|0(?:2|[3-6][1-5]|70)[ )-]\d{3,4}-\d{4}
        |\+\d{1,3}[ -]\d{1,4}[ -]\d{3,4}[ -]\d{3,4}|\(\d{3}\)[ ]?\d{3}-\d{4}
        |\d{3}-\d{3}-\d{4})(?![\w-]))
  | (?P<card>(?<![\d-])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\d-]))
  | (?P<ipv4>(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}
        (?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]))
  | (?P<ipv6>(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:]))
    """,
    # ASCII classes: a Hangul particle right after a number ("010-1234-5678로") must not
    # hide it, and the byte-level pre-check below relies on ASCII digits and letters.
    re.VERBOSE | re.ASCII,
)

KINDS = ("email", "phone", "ipv4", "ipv6", "api_key", "card", "rrn")
_LABEL = {"email": "email address", "phone": "phone number", "ipv4": "IPv4 address",
          "ipv6": "IPv6 address", "api_key": "API-key-like string", "card": "card number",
          "rrn": "resident registration number"}
# Cheap first pass: the full pattern only runs on texts that could hold a match. Every
# alternative of the pattern needs one of: an "@"; a key prefix; two colons; a run of 32+
# key characters [A-Za-z0-9+/_-] (hex and base64-like keys); four dot-separated digit groups
# (IPv4); or 8+ characters of digits and " .()-" that start and end with a digit (phones,
# cards, resident numbers). The last two are found on a byte-translated copy of the text where a
# plain substring search or a regex with a literal first byte replaces per-character
# regex work.
_GH = re.compile(r"gh[pousr]_")
_IPV6 = re.compile(r"::|[0-9A-Fa-f]:[0-9A-Fa-f]*:")
_KEYCHARS = bytes(1 if chr(b) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789+/_-" else 0 for b in range(256))
_KEYRUN = b"\x01" * 32
_DIGITS = bytes(ord("0") if chr(b).isdigit() and b < 128 else
                ord("1") if chr(b) in " ()-" else ord(".") if b == ord(".") else 0
                for b in range(256))
_NUMBER_RUN = re.compile(rb"0[01.]{6,}0|0\.0{1,3}\.0{1,3}\.0")  # phone/card/id; IPv4


def might_contain(text: str) -> bool:
    """False only when :func:`scan` cannot find anything in ``text`` (a fast pre-check)."""
    if "@" in text or "sk-" in text or "AKIA" in text or "xox" in text:
        return True
    if "_" in text and _GH.search(text):
        return True
    if ":" in text and _IPV6.search(text):
        return True
    raw = text.encode("utf-8", "surrogatepass")
    if _KEYRUN in raw.translate(_KEYCHARS):
        return True
    digits = raw.translate(_DIGITS)
    return _NUMBER_RUN.search(digits) is not None


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


def mask(value: str) -> str:
    """Keep a little of the shape, hide the rest: ``jo******om``; short values fully hidden."""
    if len(value) <= 6:
        return "*" * len(value)
    keep = 2 if len(value) < 16 else 4
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _accept(kind: str, value: str) -> bool:
    if kind == "card":
        digits = re.sub(r"[ -]", "", value)
        return 13 <= len(digits) <= 19 and luhn_ok(digits)
    if kind == "ipv6":
        if value.count(":") < 2 or not any(c.isalpha() for c in value) and "::" not in value:
            return False
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return False
        return True
    if kind == "api_key":
        if value.startswith(("sk-", "AKIA", "gh", "xox")):
            return True
        if re.fullmatch(r"[0-9a-fA-F]+", value):
            return True
        # base64-like: needs a mix of upper, lower and digits to not be a long word/path
        return (any(c.isdigit() for c in value) and any(c.isupper() for c in value)
                and any(c.islower() for c in value))
    return True


def scan(text: str) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, masked match)`` for personal data found in ``text``."""
    if not might_contain(text):
        return
    for m in _PATTERN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        if _accept(kind, value):
            yield kind, mask(value)


def scan_texts(texts: list[str]) -> dict[str, list[str]]:
    """Masked matches per kind over the texts of one example (one pre-check for all)."""
    if not texts or not might_contain("\n".join(texts) if len(texts) > 1 else texts[0]):
        return {}
    kinds: dict[str, list[str]] = {}
    for text in texts:
        for kind, masked in scan(text):
            kinds.setdefault(kind, []).append(masked)
    return kinds


def label(kind: str) -> str:
    return _LABEL.get(kind, kind)
