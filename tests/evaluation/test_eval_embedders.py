"""The hashing and bundled embedders: shape, unit length, determinism, offline loading."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from reviewer.evaluation import Embedder, HashingEmbedder, UseEmbedder
from reviewer.evaluation.embedder import l2_normalise
from reviewer.evaluation.use_embedder import is_loaded
from reviewer.paths import PROJECT_DIR


def test_hashing_embedder_is_deterministic_and_unit_length():
    texts = ["Reset the router.", "라우터를 재부팅하세요.", "Reset the router."]
    first, second = HashingEmbedder(128).embed(texts), HashingEmbedder(128).embed(texts)
    assert first.shape == (3, 128) and first.dtype == np.float32
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first[0], first[2])


def test_hashing_embedder_scores_shared_character_ngrams_higher():
    a, b, c = HashingEmbedder().embed(
        ["the driver fails after the update", "after the update the driver fails",
         "invoices are sent monthly"])
    assert float(a @ b) > float(a @ c) + 0.3


def test_hashing_embedder_is_the_same_in_another_process():
    code = ("from reviewer.evaluation import HashingEmbedder;"
            "print(HashingEmbedder(16).embed(['비밀번호 변경'])[0].round(5).tolist())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": "123"}, check=True)
    here = HashingEmbedder(16).embed(["비밀번호 변경"])[0].round(5).tolist()
    assert other.stdout.strip() == str(here)


def test_blank_text_gives_a_zero_row_not_nan():
    rows = HashingEmbedder().embed(["", "   "])
    assert not np.isnan(rows).any() and not rows.any()


def test_l2_normalise_leaves_the_input_alone():
    raw = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    out = l2_normalise(raw)
    assert out.tolist() == [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    assert raw.tolist() == [[3.0, 4.0], [0.0, 0.0]]


def test_every_embedder_meets_the_protocol():
    assert isinstance(HashingEmbedder(), Embedder)
    assert isinstance(UseEmbedder(), Embedder)


def test_bundled_encoder_gives_unit_512_vectors_in_batches(use_embedder):
    texts = [f"문의 {i}: 드라이버 설치가 안 됩니다" if i % 2 else f"Question {i}: no link"
             for i in range(7)]
    batched = UseEmbedder(batch_size=3).embed(texts)
    whole = use_embedder.embed(texts)
    assert batched.shape == (7, 512) == whole.shape
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    assert np.allclose(batched, whole, atol=1e-5)
    assert use_embedder.embed([]).shape == (0, 512)
    assert use_embedder.version == "0.2.1" and is_loaded()


def test_bundled_encoder_loads_and_embeds_with_the_network_unreachable(tmp_path):
    """A fresh process where every socket connect and DNS lookup fails, and is counted.

    Where user namespaces are available the process also runs with no network interface
    but loopback (``unshare -rn``).
    """
    script = tmp_path / "offline.py"
    script.write_text(textwrap.dedent("""
        import json, socket
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args[:2])
            raise OSError("network disabled for this test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.getaddrinfo = refuse
        socket.create_connection = refuse
        from reviewer.evaluation import UseEmbedder
        vectors = UseEmbedder().embed(["비밀번호를 바꾸고 싶어요", "I want to change my password"])
        print(json.dumps({"shape": list(vectors.shape), "attempts": len(attempts),
                          "cosine": float(vectors[0] @ vectors[1])}))
    """))
    command = [sys.executable, str(script)]
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        command = [unshare, "-rn", *command]
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "PYTHONPATH": str(PROJECT_DIR)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["shape"] == [2, 512]
    assert result["attempts"] == 0
    assert result["cosine"] > 0.5  # the Korean and English sentences mean the same


@pytest.mark.parametrize("size", [0, -1])
def test_batch_size_must_be_positive(size):
    with pytest.raises(ValueError, match="batch size"):
        UseEmbedder(batch_size=size)
