"""Exact and near-duplicate detection.

Exact duplicates: every example is reduced to a normalised key (roles and text, case-folded,
whitespace collapsed) and hashed to 64 bits (``collect.Keys``); equal hashes are duplicates.

Near duplicates: MinHash with LSH banding, fully vectorised with numpy.
- Shingles are the overlapping 8-byte windows of the normalised UTF-8 text of the user and
  assistant messages (about 8 Latin letters or 2-3 Hangul syllables). Byte windows work the
  same for English and Korean, where word shingles break on particles attached to words.
  The windows of a chunk of examples are read straight out of one buffer as 64-bit integers.
- Each window is mixed with a 64-bit multiplier and only windows whose mixed hash is 0 mod
  ``SAMPLE`` are kept. The choice depends on the content only, so two texts keep the same
  windows where they agree; the Jaccard similarity of the kept sets estimates that of all
  windows, at an eighth of the cost.
- ``NUM_PERM`` = 32 hash functions (multiply-add maps of the upper 32 bits of the mixed
  window hash) give a signature of 32 minima per example.
  Signatures are split into ``BANDS`` = 8 bands of 4 values; examples sharing any band are
  candidates (probability 0.985 at similarity 0.8, 0.40 at 0.5). Candidates are confirmed when
  their signatures agree on at least ``THRESHOLD`` = 0.8 of positions (the MinHash estimate
  of Jaccard similarity). Only the low byte of each value is kept for that check (b-bit
  MinHash, corrected for the 1/256 chance agreement), so memory stays at 64 bytes per example.
- Texts shorter than 24 bytes are left to the exact check (their signatures are empty and
  never confirmed).
- Candidate pairs of all bands are built and confirmed with array operations; a bucket
  compares each member with at most 50 earlier members.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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
_A32 = (_A >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
_B32 = (_B >> np.uint64(32)).astype(np.uint32)
_EMPTY = np.uint32(0xFFFFFFFF)
_EMPTY_WORD = np.uint64(0xFFFFFFFFFFFFFFFF)


def normalise(text: str) -> str:
    """Case-folded, whitespace collapsed. Printable text (whose only whitespace is the ASCII
    space) with no double, leading or trailing space is already collapsed."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text.casefold()
    return " ".join(text.split()).casefold()


def signatures(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures for a chunk of texts (normalised here)."""
    return signatures_from_bytes(
        [normalise(t).encode("utf-8", "surrogatepass")[:MAX_TEXT_BYTES] for t in texts])


def signatures_from_bytes(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures for a chunk of normalised UTF-8 texts.

    Returns ``(band_keys uint32 [n, BANDS], low_bytes uint8 [n, NUM_PERM])``; rows of texts
    too short to compare have band keys that match nothing (their index, made unique).
    """
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
        h = (mixed[pos[inside]] >> _SHIFT).astype(np.uint32)
        who = owner[inside]
        if h.size:
            counts = np.bincount(who, minlength=n)
            has = counts > 0
            offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))[has]
            v = np.empty_like(h)
            mins = np.empty((NUM_PERM, offsets.size), dtype=np.uint32)
            for p in range(NUM_PERM):  # multiply-add permutations of 32-bit values
                np.multiply(h, _A32[p], out=v)
                v += _B32[p]
                np.minimum.reduceat(v, offsets, out=mins[p])
            sig[has] = mins.T
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


def _similar(low_a: np.ndarray, low_b: np.ndarray, a: np.ndarray, b: np.ndarray,
             block: int = 1 << 18) -> np.ndarray:
    """Estimated similarity of rows ``low_a[a[i]]`` and ``low_b[b[i]]``, in blocks.

    Rows are compared as four 64-bit words (XOR, then zero bytes = agreeing positions).
    Texts too short to compare have empty signatures and get similarity 0.
    """
    words_a = np.ascontiguousarray(low_a).view("<u8")
    words_b = np.ascontiguousarray(low_b).view("<u8")
    out = np.empty(a.size, dtype=np.float64)
    for i in range(0, a.size, block):
        x, y = words_a[a[i:i + block]], words_b[b[i:i + block]]
        diff = (x ^ y).view(np.uint8)
        agree = (NUM_PERM - np.count_nonzero(diff, axis=1)) / NUM_PERM
        sim = np.clip((agree - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)
        high = np.flatnonzero(sim >= THRESHOLD)
        if high.size:  # empty signatures (all 0xFF) only matter where the estimate is high
            empty = (x[high] == _EMPTY_WORD).all(axis=1) | (y[high] == _EMPTY_WORD).all(axis=1)
            sim[high[empty]] = 0.0
        out[i:i + block] = sim
    return out


THREADED_BANDS = (20_000, 300_000)   # input sizes whose bands are worked in two threads


def _band_pairs(col: np.ndarray, low: np.ndarray, index: np.ndarray, max_bucket: int
                ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Confirmed pairs ``(earlier, later, similarity)`` of one band, in candidate order."""
    n = col.size
    found = []
    order = np.argsort(col, kind="stable")  # equal keys stay in index order
    sorted_keys = col[order]
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_run[1:])
    if new_run.all():
        return found
    run_start = np.flatnonzero(new_run)
    pos = index - run_start[np.cumsum(new_run) - 1]  # position inside the run
    members = np.flatnonzero(pos >= 1)
    for d in range(1, max_bucket + 1):
        members = members[pos[members] >= d]
        if not members.size:
            break
        # confirm this step's candidates right away: memory stays linear in n
        a, b = order[members - d], order[members]
        sims = _similar(low, low, a, b)
        keep = sims >= THRESHOLD
        if keep.any():
            found.append((a[keep], b[keep], sims[keep]))
    return found


def near_pair_arrays(keys: np.ndarray, low: np.ndarray, *, max_bucket: int = 50
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confirmed near-duplicate pairs as arrays ``(earlier, later, similarity)``, sorted by
    (later, earlier).

    Within an LSH bucket every member is compared to the bucket's earlier members (at most
    ``max_bucket`` of them, so a huge bucket of identical texts stays linear); the candidate
    pairs of all bands are built and checked with array operations.
    """
    n = keys.shape[0]
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if n < 2:
        return empty
    index = np.arange(n)
    bands = range(keys.shape[1])

    def one_band(band: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return _band_pairs(keys[:, band], low, index, max_bucket)

    if THREADED_BANDS[0] <= n <= THREADED_BANDS[1]:
        # numpy releases the GIL in the sorts and array operations: two bands at a time
        # (only for smaller inputs, so the extra band's temporaries stay small)
        with ThreadPoolExecutor(2) as pool:
            per_band = list(pool.map(one_band, bands))
    else:
        per_band = [one_band(band) for band in bands]
    found = [f for band in per_band for f in band]
    found_a = [f[0] for f in found]
    found_b = [f[1] for f in found]
    found_s = [f[2] for f in found]
    if not found_a:
        return empty
    a = np.concatenate(found_a).astype(np.int64)
    b = np.concatenate(found_b).astype(np.int64)
    sims = np.concatenate(found_s)
    _, first = np.unique(a * n + b, return_index=True)  # a pair found in several bands once
    a, b, sims = a[first], b[first], sims[first]
    order = np.lexsort((a, b))
    return a[order], b[order], sims[order]


def near_pairs(keys: np.ndarray, low: np.ndarray, *, max_bucket: int = 50
               ) -> list[tuple[int, int, float]]:
    """Confirmed near-duplicate pairs ``(earlier index, later index, similarity)``."""
    a, b, sims = near_pair_arrays(keys, low, max_bucket=max_bucket)
    return [(int(x), int(y), float(z)) for x, y, z in zip(a, b, sims, strict=True)]


def best_per_later(a: np.ndarray, b: np.ndarray, sims: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each distinct ``b`` the most similar ``a`` (ties: the earliest), sorted by ``b``."""
    if not b.size:
        return a, b, sims
    order = np.lexsort((a, -sims, b))
    a, b, sims = a[order], b[order], sims[order]
    first = np.ones(b.size, dtype=bool)
    first[1:] = b[1:] != b[:-1]
    return a[first], b[first], sims[first]


def cross_pairs(keys_a: np.ndarray, low_a: np.ndarray, keys_b: np.ndarray,
                low_b: np.ndarray, *, max_bucket: int = 50
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near duplicates between two sets: for each row of ``b`` with a match, the most similar
    row of ``a`` (LSH candidates, up to ``max_bucket`` per bucket); arrays sorted by ``b``."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if not keys_a.shape[0] or not keys_b.shape[0]:
        return empty
    found_a, found_b, found_s = [], [], []
    for band in range(keys_a.shape[1]):
        order = np.argsort(keys_a[:, band], kind="stable")
        sorted_keys = keys_a[order, band]
        col = keys_b[:, band]
        left = np.searchsorted(sorted_keys, col, side="left")
        count = np.minimum(np.searchsorted(sorted_keys, col, side="right") - left, max_bucket)
        hit = np.flatnonzero(count)
        if not hit.size:
            continue
        for d in range(int(count.max())):  # the d-th member of each matching bucket
            hit = hit[count[hit] > d]
            a, b = order[left[hit] + d], hit
            sims = _similar(low_a, low_b, a, b)
            keep = sims >= THRESHOLD
            if keep.any():
                found_a.append(a[keep])
                found_b.append(b[keep])
                found_s.append(sims[keep])
    if not found_a:
        return empty
    return best_per_later(np.concatenate(found_a).astype(np.int64),
                          np.concatenate(found_b).astype(np.int64), np.concatenate(found_s))


def exact_groups(exact: np.ndarray) -> list[np.ndarray]:
    """Index groups (in input order) that share an exact key; singletons are never built."""
    if exact.size < 2:
        return []
    order = np.argsort(exact, kind="stable")  # equal keys stay in input order
    s = exact[order]
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] != s[:-1]
    if new.all():
        return []
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, s.size))
    multi = sizes > 1
    return [order[a:a + z] for a, z in zip(starts[multi], sizes[multi], strict=True)]
