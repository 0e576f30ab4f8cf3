"""How much of one text occurs in another, for English and Korean alike.

Texts are compared as sets of character n-grams over their *units*: case-folded letters and
digits only (spaces and punctuation dropped), with every Hangul syllable spelled out as its
two or three letters (jamo, Unicode NFKD). Word tokens fail on Korean: spacing is unreliable
("할 수 있습니다" / "할수있습니다") and particles stick to the noun ("소켓을", "소켓은"), so the
same word rarely appears as the same token twice. Dropping the spaces removes the spacing
problem; spelling syllables out makes a Korean n-gram cover about as much text as an English
one (a syllable carries about as much as two or three Latin letters), so one n serves both
scripts, and a changed particle only spoils the grams that touch its last letters.

`GRAM` = 5, from the benchmark's sweep (bench/flags_bench.py): the gap between the least
supported grounded answer (copied, edited or reworded from the engineer's turns) and the
best supported unsupported one (from another conversation, or made up around the
conversation's own words) is widest at n = 5 and 6 (0.12 of support; n = 3: 0.06, n = 8:
0.09). Shorter grams are shared by unrelated text (common letter runs such as "tion",
"하는"); longer ones let one changed particle or inflection spoil several grams of a
reworded sentence. Of the two, 5 keeps more grams in short texts.

Everything here is linear in the text length: one normalisation pass, one set of slices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GRAM = 5

_NOT_UNIT = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+|\n+")
# A quantity as written: digits with inner dots or commas ("31.0.5", "1,000", "4.7"). Lone
# digits are left out (list steps "1." "2." and small counts get renumbered in any rewrite),
# and so are digits that are part of a name ("TB-32", "RX60", "v3"): n-grams cover names.
_NUMBER = re.compile(r"(?<![A-Za-z\d.,])(?<![A-Za-z]-)(?:\d+(?:[.,]\d+)+|\d\d+)(?![\d])")


def units(text: str, /) -> str:
    """Case-folded letters and digits of `text`, Hangul syllables spelled out as jamo."""
    return _NOT_UNIT.sub("", unicodedata.normalize("NFKD", text.casefold()))


def grams_of(unit_text: str, n: int = GRAM) -> frozenset[str]:
    """The distinct n-grams of an already normalised text (none when shorter than n)."""
    return frozenset(unit_text[i:i + n] for i in range(len(unit_text) - n + 1))


def numbers(text: str) -> frozenset[str]:
    """Numbers of two or more digits written in `text`, thousands commas removed ("1,000"
    and "1000" are one)."""
    folded = unicodedata.normalize("NFKC", text)
    return frozenset(m.group().replace(",", "") for m in _NUMBER.finditer(folded))


def sentences(text: str) -> list[str]:
    """`text` cut after sentence-ending punctuation followed by a space, and at line breaks."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


@dataclass(frozen=True, slots=True)
class Piece:
    """A text prepared for comparison: its units and their n-grams."""

    units: str
    grams: frozenset[str]

    @classmethod
    def of(cls, text: str, n: int = GRAM) -> Piece:
        u = units(text)
        return cls(u, grams_of(u, n))

    @property
    def empty(self) -> bool:
        return not self.units


class Side:
    """Several texts (a conversation's turns, or one speaker's) to look a piece up in.

    Grams are collected per text, so no gram spans the end of one turn and the start of the
    next.
    """

    def __init__(self, pieces: Iterable[Piece]):
        self.pieces: tuple[Piece, ...] = tuple(pieces)
        gathered: set[str] = set()
        for piece in self.pieces:
            gathered |= piece.grams
        self.grams: frozenset[str] = frozenset(gathered)

    def __bool__(self) -> bool:
        return any(not p.empty for p in self.pieces)

    def containment(self, piece: Piece) -> float:
        """Share of `piece`'s n-grams found here (1.0 for an empty piece).

        A piece shorter than one gram counts as found when it occurs inside one of the
        texts, else not.
        """
        if piece.empty:
            return 1.0
        if not piece.grams:
            return 1.0 if any(piece.units in p.units for p in self.pieces) else 0.0
        return len(piece.grams & self.grams) / len(piece.grams)


def covering_turns(piece: Piece, turns: Sequence[Piece], *, prefer: Iterable[int] = (),
                   min_share: float = 0.0, max_turns: int = 32) -> list[int]:
    """Indices of the turns that together hold `piece`, found greedily.

    Each step takes the turn that adds the most not yet covered grams (ties: a turn in
    `prefer`, then the earlier one). A turn is kept when it adds at least a tenth of the
    piece's grams or when most of the turn itself is in the piece (a short turn that was
    quoted whole); stray turns that share a few common grams are not. Returns sorted indices,
    empty when the turns found hold less than `min_share` of the piece.
    """
    if piece.empty:
        return []
    preferred = frozenset(prefer)
    if not piece.grams:
        found = [i for i, t in enumerate(turns) if piece.units in t.units]
        found.sort(key=lambda i: (i not in preferred, i))
        return found[:1]
    left = set(piece.grams)
    total = len(piece.grams)
    chosen: list[int] = []
    candidates = {i for i, t in enumerate(turns) if t.grams & piece.grams}
    while left and candidates and len(chosen) < max_turns:
        best, best_key = -1, (0, False, 0)
        for i in candidates:
            gain = len(turns[i].grams & left)
            if gain * 10 < total and gain * 2 < len(turns[i].grams):
                continue  # a stray turn sharing a few common grams
            key = (gain, i in preferred, -i)
            if key > best_key:
                best, best_key = i, key
        if best < 0:
            break
        chosen.append(best)
        left -= turns[best].grams
        candidates.discard(best)
    if (total - len(left)) < min_share * total:
        return []
    return sorted(chosen)
