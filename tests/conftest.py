"""Shared fixtures: every test gets its own real SQLite file in a temp dir."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from fakes import fake_openai  # noqa: F401  (fixture: a fake OpenAI-compatible server)

from reviewer import db as dbmod

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test touches data/reviewer.db, the network or a real API key."""
    monkeypatch.setenv("REVIEWER_DB", str(tmp_path / "reviewer.db"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("REVIEWER_ALLOW_CUSTOM_ENDPOINT", raising=False)
    # No providers file in the test's dir: the built-in providers apply unless a test writes one.
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(tmp_path / "providers.toml"))


@pytest.fixture(autouse=True)
def _close_connections(monkeypatch):
    """Every SQLite connection a test opens (directly, through the app, or on a job thread)
    is closed when the test ends, so no test leaks file handles or WAL locks to the next."""
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def tracking_connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", tracking_connect)
    yield
    for conn in opened:
        # One made on another thread without check_same_thread cannot be closed from here.
        with contextlib.suppress(sqlite3.ProgrammingError):
            conn.close()


@pytest.fixture(autouse=True)
def _forget_structured_output_rungs():
    """Each test starts with no server's structured-output form known."""
    from reviewer.llm.structured import RUNG_CACHE

    RUNG_CACHE.forget()
    yield
    RUNG_CACHE.forget()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "reviewer.db"


@pytest.fixture
def db(db_path):
    database = dbmod.connect(db_path)
    yield database
    database.close()
