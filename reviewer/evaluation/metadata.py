"""What a scored run was scored with, and the guard against comparing unlike runs.

The same pair of texts scores BLEU 4.8 with one tokenizer and 20.9 with another, and
cosines from two embedding models live on different scales. A run therefore carries the
embedder, the tokenizers and every package version that decides a score, and two runs
are compared only when all of it is identical.
"""

from __future__ import annotations

from typing import Any

from .embedder import Embedder
from .lexical import LexicalScorer

# Bump when this package changes how a score is computed (not only when a dependency does).
SCORING_VERSION = 1


class IncomparableRuns(ValueError):
    """Two runs were scored differently (or over different items) and must not be compared."""


def scoring_metadata(
    embedder: Embedder, lexical: LexicalScorer, *, korean_min_hangul_share: float
) -> dict[str, Any]:
    return {
        "scoring_version": SCORING_VERSION,
        "embedder": {"name": embedder.name, "version": embedder.version, "dim": embedder.dim},
        "lexical": lexical.metadata(),
        "language": {"rule": "hangul share of letters in the reference",
                     "korean_min_hangul_share": korean_min_hangul_share},
    }


def metadata_differences(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Dotted paths where the two metadata records differ, with both values."""
    out: list[str] = []
    for key in sorted(set(a) | set(b), key=str):
        path = f"{prefix}{key}"
        left, right = a.get(key), b.get(key)
        if isinstance(left, dict) and isinstance(right, dict):
            out += metadata_differences(left, right, prefix=f"{path}.")
        elif left != right:
            out.append(f"{path}: {left!r} != {right!r}")
    return out


def ensure_comparable(a: dict, b: dict) -> None:
    """Raise `IncomparableRuns` unless both runs were scored with exactly the same setup."""
    differences = metadata_differences(a, b)
    if differences:
        raise IncomparableRuns(
            "runs scored with different setups cannot be compared: " + "; ".join(differences)
        )
