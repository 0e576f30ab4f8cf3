"""Exact and near-duplicate detection.

Exact duplicates: every example is reduced to a normalised key (roles and text, case-folded,
whitespace collapsed) and hashed to 64 bits; equal hashes are duplicates.

Near duplicates: MinHash with LSH banding, fully vectorised with numpy.
- Shingles are the overlapping 8-byte windows of the normalised UTF-8 text of the user and
  assistant messages (about 8 Latin letters or 2-3 Hangul syllables). Byte windows work the
  same for English and Korean, where word shingles break on particles attached to words.
  The windows of a chunk of examples are read straight out of one buffer as 64-bit integers.
- Each window is mixed with a 64-bit multiplier and only windows whose mixed hash is 0 mod
  ``SAMPLE`` are kept. The choice depends on the content only, so two texts keep the same
  windows where they agree; the Jaccard similarity of the kept sets estimates that of all
  windows, at an eighth of the cost.
- ``NUM_PERM`` = 32 multiply-shift hash functions give a signature of 32 minima per example.
  Signatures are split into ``BANDS`` = 8 bands of 4 values; examples sharing any band are
  candidates (probability 0.985 at similarity 0.8, 0.40 at 0.5). Candidates are confirmed when
  their signatures agree on at least ``THRESHOLD`` = 0.8 of positions (the MinHash estimate
  of Jaccard similarity). Only the low byte of each value is kept for that check (b-bit
  MinHash, corrected for the 1/256 chance agreement), so memory stays at 64 bytes per example.
- Texts shorter than 24 bytes are left to the exact check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

NUM_PERM = 32
BANDS = 8
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.8
SAMPLE = 8
MIN_BYTES = 24
MAX_TEXT_BYTES = 4096  # near-duplicate check looks at the first 4 KB of an example's text
METHOD = (f"MinHash over 8-byte shingles, {NUM_PERM} hashes, LSH {BANDS}x{ROWS} bands, "
          f"estimated Jaccard >= {THRESHOLD}")

_MIX = np.uint64(0x9E3779B97F4A7C15)
_rng = np.random.default_rng(20241121)
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1))
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_SHIFT = np.uint64(32)
_EMPTY = np.uint32(0xFFFFFFFF)


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def exact_key(parts: Sequence[str]) -> int:
    """64-bit hash of the normalised parts (signed, fits numpy int64)."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(normalise(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return int.from_bytes(h.digest(), "little", signed=True)


def signatures(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures for a chunk of texts.

    Returns ``(band_keys uint32 [n, BANDS], low_bytes uint8 [n, NUM_PERM])``; rows of texts
    too short to compare have band keys that match nothing (their index, made unique).
    """
    n = len(texts)
    blobs = [normalise(t).encode("utf-8", "surrogatepass")[:MAX_TEXT_BYTES] for t in texts]
    lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=n)
    buf = b"".join(blobs) + b"\0" * 16
    total = int(lengths.sum())
    sig = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint32)
    if total >= 8:
        m = total // 8 + 1
        views = [np.frombuffer(buf, dtype="<u8", count=m, offset=o) for o in range(8)]
        windows = np.stack(views, axis=1).ravel()[:total]  # window starting at every byte
        ends = np.cumsum(lengths)
        mixed = windows * _MIX
        mixed ^= mixed >> np.uint64(29)
        pos = np.flatnonzero((mixed & np.uint64(SAMPLE - 1)) == 0)
        owner = np.searchsorted(ends, pos, side="right")
        inside = owner < n
        inside[inside] &= pos[inside] + 8 <= ends[owner[inside]]
        h = mixed[pos[inside]]
        who = owner[inside]
        if h.size:
            counts = np.bincount(who, minlength=n)
            has = counts > 0
            offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))[has]
            for p in range(NUM_PERM):
                v = ((h * _A[p] + _B[p]) >> _SHIFT).astype(np.uint32)
                sig[has, p] = np.minimum.reduceat(v, offsets)
    usable = lengths >= MIN_BYTES
    sig[~usable] = _EMPTY
    bands = sig.reshape(n, BANDS, ROWS).astype(np.uint64)
    keys = np.zeros((n, BANDS), dtype=np.uint64)
    for r in range(ROWS):
        keys = keys * np.uint64(0x100000001B3) + bands[:, :, r]
    keys = (keys ^ (keys >> np.uint64(32))).astype(np.uint32)
    # unusable rows: make every band key unique so they never become candidates
    idx = np.flatnonzero(~usable)
    if idx.size:
        keys[idx] = (np.uint32(0x80000000) | (idx.astype(np.uint32)[:, None] * np.uint32(BANDS)
                     + np.arange(BANDS, dtype=np.uint32))) ^ np.uint32(0x5BD1E995)
    return keys, (sig & np.uint32(0xFF)).astype(np.uint8)


def estimated_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard estimate from b-bit (8-bit) MinHash rows, corrected for chance agreement."""
    agree = (a == b).mean(axis=-1)
    return np.clip((agree - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)


def near_pairs(keys: np.ndarray, low: np.ndarray, *, max_bucket: int = 50
               ) -> list[tuple[int, int, float]]:
    """Confirmed near-duplicate pairs ``(earlier index, later index, similarity)``.

    Within a bucket each member is compared to the bucket's earlier members (at most
    ``max_bucket`` of them, so a huge bucket of identical texts stays linear).
    """
    n = keys.shape[0]
    if n < 2:
        return []
    found: dict[tuple[int, int], float] = {}
    for band in range(keys.shape[1]):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        sorted_keys = col[order]
        same = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        if not same.size:
            continue
        # walk runs of equal keys
        run_start = None
        prev = -2
        runs = []
        for i in same:
            if i != prev + 1:
                if run_start is not None:
                    runs.append((run_start, prev + 2))
                run_start = i
            prev = i
        runs.append((run_start, prev + 2))
        for a, b in runs:
            members = np.sort(order[a:b])
            for j in range(1, len(members)):
                later = members[j]
                earlier = members[max(0, j - max_bucket):j]
                sims = estimated_similarity(low[earlier], low[later][None, :])
                best = int(np.argmax(sims))
                if sims[best] >= THRESHOLD:
                    pair = (int(earlier[best]), int(later))
                    found[pair] = max(found.get(pair, 0.0), float(sims[best]))
    return sorted(((a, b, s) for (a, b), s in found.items()), key=lambda t: (t[1], t[0]))


@dataclass
class DupIndex:
    """Collects exact keys and MinHash data for a stream of examples (appended per chunk)."""

    lines: list[np.ndarray] = field(default_factory=list)
    pair_ids: list[np.ndarray] = field(default_factory=list)
    exact: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    low: list[np.ndarray] = field(default_factory=list)

    def add(self, lines: Sequence[int], pair_ids: Sequence[int | None],
            exact: Sequence[int], texts: Sequence[str]) -> None:
        if not lines:
            return
        self.lines.append(np.asarray(lines, dtype=np.int64))
        self.pair_ids.append(np.asarray([-1 if p is None else p for p in pair_ids],
                                        dtype=np.int64))
        self.exact.append(np.asarray(exact, dtype=np.int64))
        k, lo = signatures(texts)
        self.keys.append(k)
        self.low.append(lo)

    def arrays(self):
        if not self.lines:
            z = np.zeros(0, dtype=np.int64)
            return (z, z, z, np.zeros((0, BANDS), np.uint32), np.zeros((0, NUM_PERM), np.uint8))
        return (np.concatenate(self.lines), np.concatenate(self.pair_ids),
                np.concatenate(self.exact), np.concatenate(self.keys),
                np.concatenate(self.low))


def exact_groups(exact: np.ndarray) -> list[np.ndarray]:
    """Index groups (in input order) that share an exact key; singletons are never built."""
    if exact.size < 2:
        return []
    order = np.argsort(exact, kind="stable")
    s = exact[order]
    same = s[1:] == s[:-1]
    if not same.any():
        return []
    starts = np.flatnonzero(same & np.concatenate(([True], ~same[:-1])))
    groups = []
    for start in starts:
        end = start + 1
        while end < same.size and same[end]:
            end += 1
        groups.append(np.sort(order[start:end + 1]))
    return groups
