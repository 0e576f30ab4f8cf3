"""Weak items back to review in a real browser: open Evaluate, send one cluster of weak items
back, and the Review focus view shows the model's answer under the flagged pair's reference.
Run alone with ``pytest -m e2e``."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from reviewer.db import connect, now_iso
from reviewer.evaluation import HashingEmbedder
from reviewer.evaluation.heldout import HeldOutItem
from reviewer.evaluation.runner import run_eval
from reviewer.llm.fake import FakeModel
from reviewer.review import store

pytestmark = pytest.mark.e2e

# (question, reference, the model's answer): one weak pattern of two, a weak one-off, a good one.
ITEMS = [
    ("How do I reset the X200 router?", "Hold the reset button for ten seconds.",
     "Our office opens at nine."),
    ("How do I reset the X300 router?", "Hold reset for ten seconds, then release.",
     "Please call the sales team."),
    ("배터리가 빨리 닳아요.", "화면 밝기를 낮추고 절전 모드를 켜 주세요.",
     "주문 번호를 알려 주세요."),
    ("Which SPI clock is supported?", "Up to 80 MHz; we recommend 33 MHz.",
     "Up to 80 MHz; we recommend 33 MHz."),
]


def seed_run(path) -> tuple[int, list[int]]:
    db = connect(path)
    try:
        pair_ids = []
        for n, (question, reference, _) in enumerate(ITEMS):
            turns = [{"role": "customer", "speaker": "Customer", "text": question},
                     {"role": "engineer", "speaker": "Engineer", "text": reference}]
            db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                       " imported_at) VALUES (?, 'chats.txt', ?, 'txt', ?, ?, ?)",
                       [f"c{n}", f"line {n + 1}", f"{question}\n{reference}",
                        json.dumps(turns, ensure_ascii=False), now_iso()])
            pair_ids += store.add_pairs(db, [store.NewPair(
                f"c{n}", "Support.", question, reference, status="approved",
                question_turns=(0,), answer_turns=(1,))], who="seed")
        items = [HeldOutItem(f"pair {pid}", pid, "Support.", q, r)
                 for pid, (q, r, _) in zip(pair_ids, ITEMS, strict=True)]
        model = FakeModel(*[a for _, _, a in ITEMS], model_id="ft:mini:org:support:1")
        outcome = run_eval(db, items, model, HashingEmbedder(), name="tuned",
                           source="set.valid.jsonl", who="seed", concurrency=1)
        return outcome.run_id, pair_ids
    finally:
        db.close()


def wait_idle(page: Page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def flagged(path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT id FROM pairs WHERE flags LIKE '%weak_in_eval%' ORDER BY id")]
    finally:
        conn.close()


def test_a_weak_cluster_goes_back_and_review_shows_the_model_answer(live_app, new_context):
    url, db = live_app
    run_id, pair_ids = seed_run(db)
    context = new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies([{"name": "reviewer_name", "value": quote("Kim Minsu", safe=""),
                          "url": url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/evaluate")
    wait_idle(page)
    expect(page.get_by_text("Patterns among the weak items")).to_be_visible()
    page.get_by_role("button", name="Send cluster 1 to review (2 items)").click()
    expect(page.get_by_text("cluster 1: 2 pairs flagged weak_in_eval")).to_be_visible()
    assert flagged(db) == pair_ids[:2]
    page.get_by_role("button", name="Review them").click()
    expect(page).to_have_url(f"{url}/review")
    wait_idle(page)
    panel = page.locator(".st-key-rv_model_answer")
    expect(panel).to_contain_text(f"Model answer (eval run {run_id}, score ")
    expect(panel).to_contain_text("Our office opens at nine.")
    # The reference stays in the pair's box above it, so both can be read together.
    expect(page.locator(".st-key-rv_pair_text")).to_contain_text(
        "Hold the reset button for ten seconds.")
