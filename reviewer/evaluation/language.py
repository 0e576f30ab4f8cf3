"""Which tokenisation an item gets: Korean or English, decided by the share of Hangul.

Support answers often mix scripts ("PHY의 RGMII delay를 확인하세요"). A Hangul syllable
carries about as much as a short Latin word, so a modest share of Hangul among the
letters already marks a text as Korean; the Korean morpheme tokenizer copes with the
embedded Latin words, while the English tokenizer would glue particles onto them.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["ko", "en"]
KOREAN_MIN_HANGUL_SHARE = 0.2


def is_hangul(char: str) -> bool:
    code = ord(char)
    return (
        0xAC00 <= code <= 0xD7A3  # syllables
        or 0x1100 <= code <= 0x11FF  # jamo
        or 0x3130 <= code <= 0x318F  # compatibility jamo
        or 0xA960 <= code <= 0xA97F  # jamo extended-A
        or 0xD7B0 <= code <= 0xD7FF  # jamo extended-B
    )


def hangul_share(text: str) -> float:
    """Hangul characters over all letters (0.0 when there are no letters)."""
    letters = hangul = 0
    for char in text:
        if char.isalpha():
            letters += 1
            hangul += is_hangul(char)
    return hangul / letters if letters else 0.0


def detect_language(text: str, min_share: float = KOREAN_MIN_HANGUL_SHARE) -> Language:
    share = hangul_share(text)
    return "ko" if share > 0 and share >= min_share else "en"
