"""Fixtures for the crash tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from crash_checks import write_transcripts

from reviewer.db import opened
from reviewer.importing import import_paths


@pytest.fixture
def add_conversation(tmp_path, db_path) -> Callable[[int], None]:
    """Import `n` small conversations (English and Korean alternate) into the database."""
    def add(n: int = 2) -> None:
        folder = write_transcripts(tmp_path / f"in-{time.monotonic_ns()}", n)
        with opened(db_path) as db:
            import_paths(db, [folder])

    return add
