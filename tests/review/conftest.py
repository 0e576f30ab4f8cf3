"""Fixtures for the review store tests: a real SQLite file with generated pairs."""

from __future__ import annotations

import json

import pytest

from reviewer.db import now_iso
from reviewer.review import store


def seed_pairs(db, n: int, *, per_conversation: int = 5, status: str = "pending",
               text=None) -> list[int]:
    """Insert ``n`` pairs (and their conversations) in one transaction; returns pair ids."""
    text = text or (lambda i: (f"Summary {i}", f"Question number {i}?", f"Answer number {i}."))
    at = now_iso()
    conv_rows = []
    pair_rows = []
    for i in range(n):
        conv = f"conv{i // per_conversation:06d}"
        if i % per_conversation == 0:
            turns = json.dumps([{"role": "customer", "speaker": "Customer", "text": f"Q{i}"}])
            conv_rows.append([conv, "dump.txt", f"line {i + 1}", "txt", "", "",
                              f"Customer: conversation {conv}", turns, at, "split"])
        system, question, answer = text(i)
        pair_rows.append(store.NewPair(conv, system, question, answer,
                                       position=i % per_conversation, status=status,
                                       origin="rules"))
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO conversations (id, source, locator, fmt, title, external_id, text,"
            " turns, imported_at, split_status) VALUES (?,?,?,?,?,?,?,?,?,?)", conv_rows)
        return store.add_pairs(db, pair_rows, who="seed")


@pytest.fixture
def seeded(db):
    def _seed(n: int, **kw):
        return seed_pairs(db, n, **kw)
    return _seed
