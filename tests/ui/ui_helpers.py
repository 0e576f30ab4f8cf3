"""Helpers for page tests: AppTest on the real app against the per-test SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from reviewer.db import now_iso
from reviewer.review import store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE_FILES = sorted(p.name for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py")


def seed(db, n: int, *, per_conversation: int = 5, text=None,
         conversation_text=None) -> list[int]:
    """Insert ``n`` pending pairs and their conversations; returns the pair ids."""
    text = text or (lambda i: (f"Summary {i}", f"Question number {i}?", f"Answer number {i}."))
    conversation_text = conversation_text or (lambda c: f"Customer: help with {c}\nEngineer: ok")
    at = now_iso()
    new = []
    with db.atomic():
        for i in range(n):
            conv = f"conv{i // per_conversation:05d}"
            if i % per_conversation == 0:
                db.execute(
                    "INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                    " imported_at, split_status) VALUES (?,?,?,?,?,?,?,?)",
                    [conv, "dump.txt", f"line {i + 1}", "txt", conversation_text(conv),
                     json.dumps([]), at, "split"])
            system, question, answer = text(i)
            new.append(store.NewPair(conv, system, question, answer,
                                     position=i % per_conversation, origin="rules"))
        return store.add_pairs(db, new, who="seed")


def make_app(who: str | None = "tester") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if who:
        at.session_state["reviewer_name"] = who
    return at


def open_page(page: str, who: str | None = "tester", query: dict | None = None) -> AppTest:
    """Run app.py once, then switch to ``pages/<page>`` (the normal in-app route)."""
    at = make_app(who)
    at.run()
    if query:
        for k, v in query.items():
            at.query_params[k] = v
    return at.switch_page(f"pages/{page}").run()
