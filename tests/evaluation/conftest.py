"""Fixtures for the evaluation tests.

The real sentence encoder takes seconds to load, so it is loaded once per test session
and only by the tests that must prove the real model works; everything else uses the
hashing embedder.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from embeddings_server import EmbeddingsServer

from reviewer.evaluation import HashingEmbedder, LexicalScorer, UseEmbedder


@pytest.fixture(scope="session")
def use_embedder() -> UseEmbedder:
    embedder = UseEmbedder()
    embedder.embed(["load the model once"])
    return embedder


@pytest.fixture(scope="session")
def lexical() -> LexicalScorer:
    return LexicalScorer(meteor=False)


@pytest.fixture
def hashing() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def embeddings_server() -> Iterator[EmbeddingsServer]:
    server = EmbeddingsServer().start()
    try:
        yield server
    finally:
        server.stop()
