"""Whatever bytes a file holds, import never raises: it imports or rejects with a message.

Deterministic pseudo-random inputs (fixed seeds), mutated from real samples and from scratch,
across every supported extension.
"""

from __future__ import annotations

import io
import json
import random

import pytest

from reviewer.importing import import_uploads
from reviewer.paths import SAMPLES_DIR

EXTENSIONS = ["txt", "md", "json", "jsonl", "csv", "zip"]
SAMPLES = sorted(p for p in SAMPLES_DIR.iterdir() if p.is_file())


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        op = rng.random()
        pos = rng.randrange(len(buf) + 1)
        if op < 0.4 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op < 0.7:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            del buf[pos:pos + rng.randint(1, 64)]
    return bytes(buf)


def _random_json(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "none", "list", "dict", "bool", "hangul"]
    kind = rng.choice(kinds if depth < 4 else kinds[:3])
    if kind == "str":
        return rng.choice(["Customer", "Engineer", "user", "assistant", "text", "", "Q) hi"])
    if kind == "hangul":
        return "고객: 안녕하세요\n엔지니어: 네"
    if kind == "int":
        return rng.randint(-5, 5)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["turns", "messages", "text", "role", "content", "speaker", "conversations", "x"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


@pytest.mark.parametrize("seed", range(6))
def test_mutated_samples_never_raise(db, seed):
    rng = random.Random(seed)
    uploads = []
    for sample in SAMPLES:
        data = _mutate(sample.read_bytes(), rng)
        uploads.append((f"fuzz{seed}_{sample.name}", io.BytesIO(data)))
    report = import_uploads(db, uploads, who="fuzz")
    assert report.files == len(uploads)
    for rejection in report.rejected:
        assert rejection.source.startswith(f"fuzz{seed}_") and rejection.reason


@pytest.mark.parametrize("seed", range(4))
def test_random_structures_and_bytes_never_raise(db, seed):
    rng = random.Random(1000 + seed)
    uploads = []
    for i in range(30):
        ext = rng.choice(EXTENSIONS)
        if ext in ("json", "jsonl"):
            items = [json.dumps(_random_json(rng), ensure_ascii=rng.random() < 0.5)
                     for _ in range(rng.randint(1, 5))]
            data = ("\n".join(items) if ext == "jsonl" else items[0]).encode()
        else:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        uploads.append((f"r{i}.{ext}", io.BytesIO(data)))
    report = import_uploads(db, uploads, who="fuzz")
    assert report.imported + len(report.rejected) + report.duplicates >= 1
    assert all(r.reason for r in report.rejected)
