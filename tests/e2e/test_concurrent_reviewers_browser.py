"""Five reviewers on one server at once, each approving by key in their own browser: every
decision lands exactly once under the right name, and none is silently dropped. Prints the
time from key press to saved row (p50 / p95) — figures, not assertions."""

from __future__ import annotations

import json
import statistics
import time

import pytest
from playwright.sync_api import Browser, expect

from reviewer.db import connect, now_iso
from reviewer.review import store

pytestmark = pytest.mark.e2e
expect.set_options(timeout=60_000)

REVIEWERS = ["Kim", "Lee", "Park", "Choi", "Jung"]
PER_REVIEWER = 6


def seed(db_path) -> None:
    db = connect(db_path)
    try:
        rows = []
        for name in REVIEWERS:
            for n in range(PER_REVIEWER):
                cid = f"{name}-{n}"
                turns = [{"role": "customer", "speaker": "Customer", "text": f"Q {cid}?"},
                         {"role": "engineer", "speaker": "Engineer", "text": f"A {cid}."}]
                db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                           " imported_at) VALUES (?, ?, ?, 'txt', 'x', ?, ?)",
                           [cid, f"{name.lower()}.txt", f"line {n + 1}", json.dumps(turns),
                            now_iso()])
                rows.append(store.NewPair(cid, "Support.", f"Q {cid}?", f"A {cid}.",
                                          origin="rules", question_turns=(0,),
                                          answer_turns=(1,)))
        store.add_pairs(db, rows, who="seed")
    finally:
        db.close()


def approved_by(db_path, name: str) -> int:
    db = connect(db_path)
    try:
        return int(db.execute("SELECT count(*) FROM pairs WHERE status = 'approved' AND"
                              " updated_by = ?", [name]).fetchone()[0])
    finally:
        db.close()


def test_five_reviewers_at_once_lose_nothing(browser: Browser, live_app):
    url, db_path = live_app
    seed(db_path)
    contexts = [browser.new_context(viewport={"width": 1440, "height": 900})
                for _ in REVIEWERS]
    try:
        run_reviewers(db_path, url, contexts)
    finally:
        for context in contexts:
            context.close()


def run_reviewers(db_path, url: str, contexts) -> None:
    pages = []
    for name, context in zip(REVIEWERS, contexts, strict=True):
        page = context.new_page()
        page.goto(f"{url}/review")
        page.get_by_label("Your name").fill(name)
        page.get_by_role("button", name="Start reviewing").click()
        # Each reviewer takes one source file: the queue is their own.
        page.get_by_test_id("stSelectbox").filter(has_text="Source file").click()
        page.get_by_role("option", name=f"{name.lower()}.txt").click()
        expect(page.get_by_text(f"Q {name}-0?", exact=True).first).to_be_visible()
        pages.append(page)
    waits: list[float] = []
    for round_ in range(PER_REVIEWER):
        for name, page in zip(REVIEWERS, pages, strict=True):
            expect(page.get_by_text(f"Q {name}-{round_}?", exact=True).first).to_be_visible()
        pressed = time.monotonic()
        for page in pages:  # all five press at (nearly) the same moment
            page.keyboard.press("a")
        for name in REVIEWERS:
            deadline = time.monotonic() + 60
            while approved_by(db_path, name) < round_ + 1:
                assert time.monotonic() < deadline, f"{name}'s approval {round_ + 1} was lost"
                time.sleep(0.02)
            waits.append(time.monotonic() - pressed)
    for name in REVIEWERS:
        assert approved_by(db_path, name) == PER_REVIEWER
    db = connect(db_path)
    try:
        events = db.execute("SELECT who, count(*) FROM events WHERE action = 'status'"
                            " GROUP BY who").fetchall()
    finally:
        db.close()
    assert dict(events) == dict.fromkeys(REVIEWERS, PER_REVIEWER)  # each decision once
    waits.sort()
    p95 = waits[min(len(waits) - 1, int(len(waits) * 0.95))]
    print(f"\n{len(REVIEWERS)} reviewers, {len(waits)} approvals: key press to saved row "
          f"p50 {statistics.median(waits):.2f} s, p95 {p95:.2f} s")
