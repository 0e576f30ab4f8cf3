"""The OpenAI-compatible embedder, driven through the real SDK against a loopback server."""

from __future__ import annotations

import numpy as np
import pytest
from embeddings_server import DEFAULT_DIM

from reviewer.evaluation import ApiEmbedder, EmbeddingError, HashingEmbedder

KEY = "-".join(("sk", "test", "0123456789abcdef"))  # assembled: no key-shaped literal


def make(server, **kwargs) -> ApiEmbedder:
    options = {"base_url": server.base_url, "model": "embed-small", "api_key": KEY,
               "max_retries": 0, **kwargs}
    return ApiEmbedder(**options)


def test_embeds_in_batches_with_the_explicit_key(embeddings_server):
    texts = [f"질문 {i}: 링크가 끊깁니다" if i % 2 else f"question {i}" for i in range(5)]
    embedder = make(embeddings_server, batch_size=2)
    vectors = embedder.embed(texts)
    expected = HashingEmbedder(DEFAULT_DIM).embed(texts)
    assert vectors.shape == (5, DEFAULT_DIM)
    assert np.allclose(vectors, expected, atol=1e-5)  # the server's 3x rows come back unit-length
    assert [r.body["input"] for r in embeddings_server.requests] == [
        texts[0:2], texts[2:4], texts[4:5]]
    for request in embeddings_server.requests:
        assert request.path == "/v1/embeddings"
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.body["model"] == "embed-small"
        assert request.body["encoding_format"] == "float"
        assert "dimensions" not in request.body
    assert embedder.dim == DEFAULT_DIM and len(embeddings_server.requests) == 3


def test_never_takes_the_key_from_the_environment(embeddings_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "-".join(("sk", "from", "the", "environment")))
    with pytest.raises(ValueError, match="API key"):
        ApiEmbedder(base_url=embeddings_server.base_url, model="m", api_key="")
    make(embeddings_server).embed(["hello"])
    assert embeddings_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_rows_are_put_back_in_input_order(embeddings_server):
    embeddings_server.reverse_order = True
    texts = ["first text", "second text", "세 번째 문장"]
    vectors = make(embeddings_server).embed(texts)
    assert np.allclose(vectors, HashingEmbedder(DEFAULT_DIM).embed(texts), atol=1e-5)


def test_dimensions_are_passed_on_and_checked(embeddings_server):
    embedder = make(embeddings_server, dimensions=32)
    assert embedder.embed(["a sentence"]).shape == (1, 32)
    assert embeddings_server.requests[-1].body["dimensions"] == 32
    assert embedder.dim == 32 and "dim=32" in embedder.version
    embeddings_server.dim_override = 48
    with pytest.raises(EmbeddingError, match="unexpected sizes"):
        embedder.embed(["another sentence"])


def test_dim_is_probed_once_when_not_configured(embeddings_server):
    embedder = make(embeddings_server)
    assert embedder.dim == DEFAULT_DIM
    assert embedder.dim == DEFAULT_DIM
    assert len(embeddings_server.requests) == 1


def test_http_errors_become_embedding_errors_without_the_key(embeddings_server):
    embeddings_server.fail_next(401, f"Incorrect API key provided: {KEY}")
    embedder = make(embeddings_server)
    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(["text"])
    assert "401" in str(caught.value) and KEY not in str(caught.value)
    assert KEY not in repr(embedder)
    assert embedder.embed(["text"]).shape == (1, DEFAULT_DIM)  # the next call is fine


def test_blank_input_is_refused_before_any_request(embeddings_server):
    with pytest.raises(EmbeddingError, match="position 1"):
        make(embeddings_server).embed(["fine", "  "])
    assert embeddings_server.requests == []


def test_unreachable_endpoint_is_an_embedding_error(embeddings_server):
    url = embeddings_server.base_url
    embeddings_server.stop()
    with pytest.raises(EmbeddingError, match="failed"):
        ApiEmbedder(base_url=url, model="m", api_key=KEY, max_retries=0, timeout=5).embed(["x"])


def test_recorded_version_names_model_and_host_but_no_credentials(embeddings_server):
    host = embeddings_server.base_url.split("//", 1)[1]
    embedder = ApiEmbedder(base_url=f"http://user:secret@{host}/?token=abc", model="e5",
                           api_key=KEY)
    assert embedder.name == "openai-compatible/e5"
    assert embedder.version == f"e5@http://{host}"
    assert "secret" not in embedder.version and "abc" not in embedder.version
