"""Promote a pair from Review in a real browser, then find it on the Prompt page.

Debian Chromium (1440×900) against a live `streamlit run app.py` with its own database.
Waits are on the page or on the database, never on timers. Run alone with
``pytest -m e2e tests/e2e/test_prompt_browser.py``.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from reviewer.db import now_iso, opened
from reviewer.models import Turn, turns_to_json
from reviewer.prompts import fewshot_set
from reviewer.review import store

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "output" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
TURNS = [Turn("customer", "안녕하세요, 문의드립니다.", "고객"),
         Turn("customer", "W5500 보드가 하루 지나면 DHCP 주소를 잃어버립니다. 왜 그런가요?",
              "고객"),
         Turn("engineer", "DHCP 클라이언트를 계속 실행해야 합니다. DHCP_run()을 1초마다 호출해 "
                          "주세요.", "상담원"),
         Turn("customer", "감사합니다!", "고객")]


def wait_idle(page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def examples(db_path: Path) -> list[tuple[int, ...]]:
    with opened(db_path) as db:
        return [e.pair_ids for e in fewshot_set.list_examples(db)]


def test_promote_in_review_then_the_example_is_on_the_prompt_page(live_app, new_context):
    url, db_path = live_app
    with opened(db_path) as db:
        db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                   " imported_at) VALUES ('c1', 'ko.txt', 'line 1', 'txt', '', ?, ?)",
                   [turns_to_json(TURNS), now_iso()])
        (pair_id,) = store.add_pairs(db, [store.NewPair(
            "c1", "W5500 DHCP 임대 유지에 관한 대화입니다.", TURNS[1].text, TURNS[2].text,
            status="approved", question_turns=(1,), answer_turns=(2,))], who="seed")
    context = new_context(viewport=VIEWPORT)
    context.add_cookies([{"name": "reviewer_name", "value": quote("검토자 Kim", safe=""),
                          "url": url}])
    page = context.new_page()
    page.set_default_timeout(30_000)

    page.goto(f"{url}/review?pair={pair_id}")
    promote = page.get_by_role("button", name="Promote to few-shot")
    expect(promote).to_be_visible()
    wait_idle(page)
    promote.click()
    deadline = time.monotonic() + 30
    while examples(db_path) != [(pair_id,)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert examples(db_path) == [(pair_id,)]

    page.goto(f"{url}/prompt")
    expect(page.get_by_role("heading", name="Prompt", exact=True)).to_be_visible()
    expect(page.get_by_text("Usable: 1 example(s) pass the checks")).to_be_visible()
    # The example's input is the raw conversation: greeting and thanks included, numbered.
    expect(page.get_by_text("[1] Customer: 안녕하세요, 문의드립니다.")).to_be_visible()
    expect(page.get_by_text("[4] Customer: 감사합니다!")).to_be_visible()
    wait_idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "prompt_page.png"), full_page=True)
