"""Fixtures for the splitting tests: the fake OpenAI server and conversation rows."""

from __future__ import annotations

from fakes import fake_openai  # noqa: F401  (re-exported as a fixture)
