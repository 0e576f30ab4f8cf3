"""Fixtures for the splitting tests: the fake OpenAI server and stored conversations."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fakes import fake_openai  # noqa: F401  (re-exported as a fixture)
from splitting_samples import store_conversation

AddConversation = Callable[..., str]


@pytest.fixture
def add_conversation(db_path) -> AddConversation:
    def add(turns: list[tuple[str, str]], **kwargs) -> str:
        return store_conversation(db_path, turns, **kwargs)

    return add
