"""`reviewer validate` never shows a traceback, whatever the file holds: exit 0, 1 or 2 only.

Seeded mutations of the good corpus (byte flips, insertions, cuts) and random JSON shapes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli

GOOD = sorted((Path(__file__).resolve().parent.parent / "corpus" / "good").glob("*.jsonl"))
TARGETS = ["openai", "together", "fireworks", "mistral", "hf-messages", "prompt-completion"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 10)):
        pos = rng.randrange(len(buf) + 1)
        roll = rng.random()
        if roll < 0.4 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif roll < 0.7:
            buf[pos:pos] = rng.choice([b"\x00", b"\xff\xfe", b'{"', b"]", b"<|endoftext|>",
                                       "고객".encode("cp949"), b"\n\n", b"null", b"1e999"])
        else:
            del buf[pos:pos + rng.randint(1, 40)]
    return bytes(buf)


def _shape(rng: random.Random, depth: int = 0):
    if depth > 3:
        return rng.choice(["x", 1, None, True])
    return rng.choice([
        lambda: {"messages": [_shape(rng, depth + 1) for _ in range(rng.randint(0, 3))]},
        lambda: {"role": rng.choice(["user", "assistant", "tool", "sys"]),
                 "content": _shape(rng, depth + 1), "weight": rng.choice([0, 1, 2, "1", None])},
        lambda: {"prompt": "q", "completion": _shape(rng, depth + 1)},
        lambda: [_shape(rng, depth + 1)],
        lambda: "text",
        lambda: rng.randint(-3, 3),
    ])()


def _run(path: Path, target: str) -> None:
    result = CliRunner().invoke(cli, ["validate", str(path), "--target", target, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code in (0, 1):
        payload = json.loads(result.output)
        assert {"summary", "findings"} <= set(payload)
        assert all(f["severity"] in ("error", "warning") and isinstance(f["line"], int)
                   for f in payload["findings"])


@pytest.mark.parametrize("seed", range(8))
def test_mutated_good_files(tmp_path, seed):
    rng = random.Random(seed)
    for source in GOOD:
        path = tmp_path / f"m{seed}_{source.name}"
        path.write_bytes(_mutate(source.read_bytes(), rng))
        _run(path, rng.choice(TARGETS))


@pytest.mark.parametrize("seed", range(4))
def test_random_shapes(tmp_path, seed):
    rng = random.Random(500 + seed)
    lines = [json.dumps(_shape(rng), ensure_ascii=rng.random() < 0.5) for _ in range(40)]
    path = tmp_path / "shapes.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    for target in TARGETS:
        _run(path, target)
