"""Test doubles that speak real protocols (HTTP on loopback), shared by the test areas.

To use the fake OpenAI server in another test area, import the fixture into that area's
conftest: ``from fakes import fake_openai  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .openai_server import FakeOpenAIServer, RecordedRequest, Reply, answer_from_request

__all__ = ["FakeOpenAIServer", "RecordedRequest", "Reply", "answer_from_request", "fake_openai"]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A started fake OpenAI-compatible server; ``.base_url`` ends in ``/v1``."""
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
