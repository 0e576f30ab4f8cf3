"""Exact and near-duplicate detection.

Exact duplicates: an example is reduced to its roles and texts, case-folded with whitespace
collapsed, and hashed (Python's string hash: keys are only compared within one run); equal
keys are duplicates.

Near duplicates: MinHash with LSH banding over numpy arrays, a batch of examples at a time.
- Shingles are the overlapping 8-byte windows of the normalised UTF-8 text of the user and
  assistant messages (about 8 Latin letters or 2-3 Hangul syllables): byte windows work the
  same for English and Korean, where word shingles break on particles attached to words.
- A window is kept when its mixed 64-bit hash is 0 mod ``SAMPLE`` (the choice depends on the
  content only, so two texts keep the same windows where they agree); ``NUM_PERM`` = 32
  multiply-add maps of the kept hashes give 32 minima per example.
- ``BANDS`` = 8 bands of 4 values: examples sharing a band are candidates (probability 0.985
  at similarity 0.8, 0.40 at 0.5), confirmed when their signatures agree on at least
  ``THRESHOLD`` of positions. Only the low byte of each minimum is kept for that (b-bit
  MinHash, corrected for the 1/256 chance agreement): 64 bytes per example in all.
- Texts shorter than ``MIN_BYTES`` are left to the exact check.

``datasketch`` (MinHash and MinHashLSH) was measured doing this part alone on the 200,000
examples of ``bench/validate_bench.py --datasketch``: about 110 s and a 490 MB process (a
Python set per LSH bucket), against about 3 s and 64 bytes per example here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .chat_rules import ExampleView

NUM_PERM = 32
BANDS = 8
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.8
SAMPLE = 8
MIN_BYTES = 24
MAX_TEXT_BYTES = 4096  # the near-duplicate check looks at the first 4 KB of an example's text
MAX_BUCKET = 50        # a member of an LSH bucket is compared with at most 50 earlier ones
METHOD = (f"MinHash over 8-byte shingles, {NUM_PERM} hashes, LSH {BANDS}x{ROWS} bands, "
          f"estimated Jaccard >= {THRESHOLD}")
SYSTEM_TEXTS = 10_000  # distinct system prompts whose keys are cached

_MIX = np.uint64(0x9E3779B97F4A7C15)
_rng = np.random.default_rng(20241121)
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1))
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_A32 = (_A >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
_B32 = (_B >> np.uint64(32)).astype(np.uint32)
_EMPTY = np.uint32(0xFFFFFFFF)
_EMPTY_WORD = np.uint64(0xFFFFFFFFFFFFFFFF)
_NONE = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))


def normalise(text: str) -> str:
    """Case-folded, whitespace collapsed."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text.casefold()  # printable: no whitespace but single inner spaces
    return " ".join(text.split()).casefold()


class Keys:
    """Keys of an example's texts for the file-wide checks; system prompts repeat, so theirs
    are cached."""

    def __init__(self) -> None:
        self.systems: dict[str, tuple[str, int]] = {}

    def _system(self, text: str) -> tuple[str, int]:
        hit = self.systems.get(text)
        if hit is None:
            norm = normalise(text)
            hit = (norm, hash(norm))
            if len(self.systems) < SYSTEM_TEXTS:
                self.systems[text] = hit
        return hit

    def system(self, text: str) -> int:
        return self._system(text)[1]

    def example(self, view: ExampleView) -> tuple[int, int, bytes]:
        """``(exact key, answer key, MinHash text)``: the exact key covers the roles and every
        counted string, the answer key the assistant text; the MinHash text is the user and
        assistant text (its first ``MAX_TEXT_BYTES``)."""
        strings = [self._system(s)[0] if s is view.system else normalise(s)
                   for s in view.strings]
        answers = [normalise(s) for s in view.assistant]
        users = {id(u) for u in view.user}
        text = " ".join([n for s, n in zip(view.strings, strings, strict=True)
                         if id(s) in users and n] + [a for a in answers if a])
        answer = " ".join([a for a in answers if a])
        return (hash((view.roles, *strings, None, *answers)), hash(answer),
                text.encode("utf-8", "surrogatepass")[:MAX_TEXT_BYTES])


def signatures(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of a batch of normalised UTF-8 texts: ``(band keys uint32 [n,
    BANDS], low bytes uint8 [n, NUM_PERM])``. Texts too short to compare get band keys that
    match nothing."""
    n = len(blobs)
    lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=n)
    buf = b"".join(blobs) + b"\0" * 16
    total = int(lengths.sum())
    sig = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint32)
    if total >= 8:
        # the 8-byte window starting at every byte, read in place (unaligned strides)
        windows = np.ndarray(shape=(total,), dtype="<u8", buffer=buf, strides=(1,))
        ends = np.cumsum(lengths)
        mixed = windows * _MIX
        mixed ^= mixed >> np.uint64(29)
        pos = np.flatnonzero((mixed & np.uint64(SAMPLE - 1)) == 0)
        owner = np.searchsorted(ends, pos, side="right")
        inside = owner < n
        inside[inside] &= pos[inside] + 8 <= ends[owner[inside]]
        h = (mixed[pos[inside]] >> np.uint64(32)).astype(np.uint32)
        who = owner[inside]
        if h.size:
            counts = np.bincount(who, minlength=n)
            has = counts > 0
            offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))[has]
            mins = np.empty((NUM_PERM, offsets.size), dtype=np.uint32)
            for p in range(NUM_PERM):
                np.minimum.reduceat(h * _A32[p] + _B32[p], offsets, out=mins[p])
            sig[has] = mins.T
    usable = lengths >= MIN_BYTES
    sig[~usable] = _EMPTY
    bands = sig.reshape(n, BANDS, ROWS).astype(np.uint64)
    keys = np.zeros((n, BANDS), dtype=np.uint64)
    for r in range(ROWS):
        keys = keys * np.uint64(0x100000001B3) + bands[:, :, r]
    keys = (keys ^ (keys >> np.uint64(32))).astype(np.uint32)
    keys[~usable] = _EMPTY  # never candidates: see _band_pairs
    return keys, (sig & np.uint32(0xFF)).astype(np.uint8)


def _similar(low_a: np.ndarray, low_b: np.ndarray, a: np.ndarray, b: np.ndarray
             ) -> np.ndarray:
    """Estimated similarity of rows ``low_a[a[i]]`` and ``low_b[b[i]]`` (compared as four
    64-bit words); empty signatures get 0."""
    x = np.ascontiguousarray(low_a).view("<u8")[a]
    y = np.ascontiguousarray(low_b).view("<u8")[b]
    agree = (NUM_PERM - np.count_nonzero((x ^ y).view(np.uint8), axis=1)) / NUM_PERM
    sim = np.clip((agree - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)
    empty = (x == _EMPTY_WORD).all(axis=1) | (y == _EMPTY_WORD).all(axis=1)
    sim[empty] = 0.0
    return sim


def _band_pairs(col: np.ndarray, low: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Confirmed pairs ``(earlier, later, similarity)`` of one band: each member of a bucket
    is compared with up to ``MAX_BUCKET`` earlier members, one distance at a time (memory
    stays linear)."""
    order = np.argsort(col, kind="stable")  # equal keys stay in input order
    keys = col[order]
    new_run = np.ones(col.size, dtype=bool)
    new_run[1:] = keys[1:] != keys[:-1]
    new_run |= keys == _EMPTY  # short texts: every one its own bucket
    run_start = np.flatnonzero(new_run)
    pos = np.arange(col.size) - run_start[np.cumsum(new_run) - 1]  # position inside the run
    members = np.flatnonzero(pos >= 1)
    found: list[tuple[np.ndarray, ...]] = []
    for d in range(1, MAX_BUCKET + 1):
        members = members[pos[members] >= d]
        if not members.size:
            break
        a, b = order[members - d], order[members]
        sims = _similar(low, low, a, b)
        keep = sims >= THRESHOLD
        found.append((a[keep], b[keep], sims[keep]))
    return found


def near_pairs(keys: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each example with a near duplicate before it, the most similar earlier one:
    arrays ``(earlier, later, similarity)`` sorted by ``later``."""
    found = [f for band in range(keys.shape[1]) for f in _band_pairs(keys[:, band], low)]
    if not found:
        return _NONE
    a, b, sims = (np.concatenate(x) for x in zip(*found, strict=True))
    return best_per_later(a.astype(np.int64), b.astype(np.int64), sims)


def best_per_later(a: np.ndarray, b: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each distinct ``b`` the most similar ``a`` (ties: the earliest), sorted by ``b``."""
    if not b.size:
        return a, b, sims
    order = np.lexsort((a, -sims, b))
    a, b, sims = a[order], b[order], sims[order]
    first = np.ones(b.size, dtype=bool)
    first[1:] = b[1:] != b[:-1]
    return a[first], b[first], sims[first]


def cross_pairs(keys_a: np.ndarray, low_a: np.ndarray, keys_b: np.ndarray,
                low_b: np.ndarray) -> tuple[np.ndarray, ...]:
    """Near duplicates between two sets: for each row of ``b`` with a match, the most similar
    row of ``a`` (up to ``MAX_BUCKET`` candidates per bucket); arrays sorted by ``b``."""
    found: list[tuple[np.ndarray, ...]] = []
    for band in range(keys_a.shape[1] if keys_a.size and keys_b.size else 0):
        order = np.argsort(keys_a[:, band], kind="stable")
        sorted_keys = keys_a[order, band]
        col = keys_b[:, band]
        left = np.searchsorted(sorted_keys, col, side="left")
        count = np.minimum(np.searchsorted(sorted_keys, col, side="right") - left, MAX_BUCKET)
        count[col == _EMPTY] = 0
        hit = np.flatnonzero(count)
        for d in range(int(count.max()) if hit.size else 0):  # the d-th member of each bucket
            hit = hit[count[hit] > d]
            a, b = order[left[hit] + d], hit
            sims = _similar(low_a, low_b, a, b)
            keep = sims >= THRESHOLD
            found.append((a[keep], b[keep], sims[keep]))
    if not found:
        return _NONE
    a, b, sims = (np.concatenate(x) for x in zip(*found, strict=True))
    return best_per_later(a.astype(np.int64), b.astype(np.int64), sims)


def exact_groups(exact: np.ndarray) -> list[np.ndarray]:
    """Index groups (in input order) that share an exact key; singletons are never built."""
    if exact.size < 2:
        return []
    order = np.argsort(exact, kind="stable")  # equal keys stay in input order
    s = exact[order]
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] != s[:-1]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, s.size))
    multi = sizes > 1
    return [order[a:a + z] for a, z in zip(starts[multi], sizes[multi], strict=True)]
