"""Fixtures for the training tests: an export (with a holdout) that passed the gate."""

from __future__ import annotations

import pytest

from reviewer.db import now_iso
from reviewer.exporting import ExportOptions
from reviewer.exporting.service import export_dataset
from reviewer.review import store

QUESTIONS = ["How do I reset the X200?", "Where is firmware 2.3?", "SPI 클럭은 얼마인가요?",
             "Why does the LED blink red?", "프린터 용지가 걸려요.", "Can I power it from USB?",
             "How long is the warranty?", "배터리가 빨리 닳아요.", "Can it go outdoors?",
             "Does it support night vision?", "What voltage does it need?",
             "모니터에 화면이 안 나와요."]


@pytest.fixture
def exported(db, tmp_path):
    for n, question in enumerate(QUESTIONS):
        db.execute("INSERT INTO conversations (id, text, turns, imported_at) VALUES"
                   " (?, 'x', '[]', ?)", [f"c{n}", now_iso()])
        store.add_pairs(db, [store.NewPair(f"c{n}", "Support chat.", question,
                                           f"Answer number {n} for: {question}",
                                           status="approved", origin="rules")], who="seed")
    result = export_dataset(db, tmp_path / "set.jsonl", ExportOptions(holdout=2), who="t")
    assert result.ok
    return result.manifest


