"""Whether a text is in the language of its conversation (Korean or English), by Hangul share.

Korean support talk is full of Latin product names, code and log lines, so a Korean text is
one where Hangul makes up a real share of the letters, and an English one has (almost)
none. Text copied from the conversation is never in the wrong language, whatever its
letters: an English log line in a Korean conversation is quoted, not translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .overlap import Piece, Side

KOREAN, ENGLISH = "Korean", "English"
KOREAN_SHARE = 0.3  # Hangul share of the letters from which a text is Korean
ENGLISH_SHARE = 0.05  # ... and under which it is English (between the two: mixed, not judged)
MIN_LETTERS = 12  # shorter texts (a product name, "OK") are not judged
COPIED = 0.8  # share of a text's 5-grams found in the conversation that makes it a quote

_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")


def hangul_share(text: str) -> tuple[float, int]:
    """``(Hangul share of the letters, number of letters)``."""
    hangul = len(_HANGUL.findall(text))
    letters = hangul + len(_LATIN.findall(text))
    return (hangul / letters if letters else 0.0), letters


def language_of(text: str) -> str | None:
    """`KOREAN`, `ENGLISH`, or None for short or mixed text."""
    share, letters = hangul_share(text)
    if letters < MIN_LETTERS:
        return None
    if share >= KOREAN_SHARE:
        return KOREAN
    if share < ENGLISH_SHARE:
        return ENGLISH
    return None


def mismatch(text: str, conversation_texts: Iterable[str]) -> str | None:
    """The language `text` is written in when it is not its conversation's, else None."""
    texts = list(conversation_texts)
    expected = language_of("\n".join(texts))
    got = language_of(text)
    if expected is None or got is None or got == expected:
        return None
    if Side(Piece.of(t) for t in texts).containment(Piece.of(text)) >= COPIED:
        return None
    return got
