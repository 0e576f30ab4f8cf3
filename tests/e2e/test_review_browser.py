"""The Review page in a real browser, one test per flow a reviewer clicks or types through.

Each test drives Debian Chromium (1440×900) against its own live `streamlit run app.py` and
database. Data goes in through the real importer and rules splitter, or through the pairs
store; results are read back through the store. Waits are on the page (expectations, the
script-state marker) or on the database, never on timers. Screenshots of every view land in
tests/output/screenshots/. Run alone with ``pytest -m e2e tests/e2e/test_review_browser.py``.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlite_utils import Database

from reviewer.db import connect
from reviewer.importing import import_uploads
from reviewer.review import PairFilter, drafts, store
from reviewer.splitting import make_splitter, split_pending

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "output" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
REVIEWER = "검토자 Kim"
PRODUCTS = ["X200 router", "P7 printer", "NAS-4 storage", "AP-9 access point", "K3 keyboard",
            "M5 monitor", "T1 tablet", "S8 scanner", "R2 radio", "H4 hub"]


# ---- data -----------------------------------------------------------------------------------

def clean_dump(conversations: int, exchanges: int = 2) -> str:
    """Transcripts whose every exchange makes one clean pair: a real question from the
    customer, its answer from the engineer, no small talk, no repeats; English and Korean."""
    blocks = []
    for c in range(conversations):
        product = PRODUCTS[c % len(PRODUCTS)]
        lines = []
        for e in range(exchanges):
            code = f"E{c}{e}"
            if c % 2:
                lines.append(f"고객: {product}에서 오류 {code}가 {e + 2}분마다 뜹니다. "
                             "어떻게 해결하나요?")
                lines.append(f"엔지니어: {product} 뒷면의 리셋 버튼을 {e + 5}초간 누른 뒤 "
                             f"펌웨어를 다시 설치해 주세요. 오류 {code}는 그 뒤 사라집니다.")
            else:
                lines.append(f"Customer: My {product} shows error {code} every {e + 2} minutes. "
                             "How do I fix it?")
                lines.append(f"Engineer: Hold the reset button on the {product} for {e + 5} "
                             f"seconds, then reinstall the firmware. Error {code} goes away.")
        blocks.append("\n".join(lines) + "\n")
    return "---\n".join(blocks)


def seed(db_path: Path, dumps: dict[str, str]) -> list[int]:
    """Import the dumps and split them with the rules splitter; the pending queue's pair ids
    in the order the Review page walks them."""
    db = connect(db_path)
    try:
        report = import_uploads(db, [(name, io.BytesIO(text.encode("utf-8")))
                                     for name, text in dumps.items()], who="e2e")
    finally:
        db.close()
    assert not report.rejected
    split_pending(db_path, make_splitter("rules"), who="e2e", concurrency=1)
    with opened(db_path) as db:
        pending = PairFilter.of("pending")
        queue: list[int] = []
        current = store.queue_first(db, pending)
        while current is not None:
            queue.append(current)
            current = store.queue_step(db, pending, current)
    return queue


@contextmanager
def opened(db_path: Path) -> Iterator[Database]:
    db = connect(db_path)
    try:
        yield db
    finally:
        db.close()


def pair(db_path: Path, pair_id: int) -> dict:
    with opened(db_path) as db:
        row = store.get_pair(db, pair_id)
    assert row is not None
    return row


def poll(read: Callable[[], Any], expected: Any, ceiling: float = 30.0) -> Any:
    """Read until ``expected`` comes back (saves are asynchronous); returns the last value."""
    deadline = time.monotonic() + ceiling
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def fields(db_path: Path, pair_id: int, *names: str) -> Callable[[], tuple]:
    return lambda: tuple(pair(db_path, pair_id)[n] for n in names)


# ---- the page -------------------------------------------------------------------------------

@dataclass
class Review:
    """One reviewer's browser on one live app."""

    url: str
    db: Path
    context: BrowserContext
    page: Page

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.url}/review{query}")
        expect(self.page.get_by_role("heading", name="Review")).to_be_visible()
        wait_idle(self.page)


@pytest.fixture
def review(live_app, new_context) -> Review:
    """A 1440×900 browser whose reviewer name is already remembered (the cookie the app
    sets after the name is first entered)."""
    url, db = live_app
    context = new_context(viewport=VIEWPORT)
    remember_name(context, url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return Review(url, db, context, page)


@pytest.fixture
def stranger(live_app, new_context) -> Review:
    """A 1440×900 browser that has never been told a reviewer name."""
    url, db = live_app
    context = new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return Review(url, db, context, page)


def remember_name(context: BrowserContext, url: str) -> None:
    context.add_cookies([{"name": "reviewer_name", "value": quote(REVIEWER, safe=""),
                          "url": url}])


def wait_idle(page: Page) -> None:
    """No script run in progress (the page's own marker) and every element drawn. Only
    meaningful once the run a key or click started has visibly begun: wait for its effect
    first. Widgets whose code is still loading show a placeholder and ignore their keys."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def pair_header(page: Page, pair_id: int) -> Locator:
    """The focus view's line naming the pair on screen ("Pair 12 · pending · …")."""
    return page.get_by_text(re.compile(rf"^Pair {pair_id} · "))


def shows(page: Page, pair_id: int) -> None:
    expect(pair_header(page, pair_id)).to_be_visible()
    wait_idle(page)


def view(page: Page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).click()
    expect(page.get_by_role("radio", name=name, exact=True)).to_be_checked()
    wait_idle(page)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


class Actions:
    """What the reviewer does, counted: a key press or typing one piece of text is one."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += 1


def above_the_fold(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (selector, box)


# ---- flows ----------------------------------------------------------------------------------

def test_twenty_clean_pairs_by_keyboard_alone_then_undo_and_history(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(10)})
    assert len(queue) == 20
    page = review.page
    review.open()
    shows(page, queue[0])
    # Readable at a glance: the pair and its source side by side above the fold, every
    # action button showing its whole label and its key.
    above_the_fold(page, ".st-key-rv_pair_text")
    above_the_fold(page, ".st-key-rv_source_box")
    expect(page.locator(".st-key-rv_source_box [class*='st-key-src_q_']")).to_be_visible()
    expect(page.locator(".st-key-rv_source_box [class*='st-key-src_a_']")).to_be_visible()
    for action, key in (("approve", "A"), ("reject", "X"), ("delete", "D"), ("edit", "E"),
                        ("skip", "S"), ("previous", "K"), ("next", "J"), ("undo", "U"),
                        ("history", "H")):
        button = page.locator(f".st-key-rv_{action} button")
        expect(button.locator("kbd")).to_have_text(key)
        label = button.get_by_test_id("stMarkdownContainer")
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{action} label cut"
    shot(page, "focus")

    keys = Actions(page)
    for following in queue[1:]:
        keys.press("a")
        shows(page, following)  # the next pair is on screen: its turn
    keys.press("a")
    expect(page.get_by_text("Nothing left in this queue")).to_be_visible()
    assert keys.count <= 22, keys.count
    assert keys.count == 20

    def approvals() -> list[int]:
        with opened(review.db) as db:
            return [int(r[0]) for r in db.execute(
                "SELECT pair_id FROM events WHERE who = ? AND action = 'status' AND new = ?"
                " ORDER BY id", [REVIEWER, "approved"])]
    assert poll(approvals, queue) == queue  # one approval each, in source order

    # U undoes one action further back each time and shows the pair it put back.
    wait_idle(page)
    page.keyboard.press("u")
    shows(page, queue[-1])
    assert poll(fields(review.db, queue[-1], "status"), ("pending",)) == ("pending",)
    page.keyboard.press("u")
    shows(page, queue[-2])
    assert poll(fields(review.db, queue[-2], "status"), ("pending",)) == ("pending",)
    assert pair(review.db, queue[-3])["status"] == "approved"

    # H opens the history in view: the approval and its undo as versions.
    page.keyboard.press("h")
    expect(page.get_by_text(f"History of pair {queue[-2]}")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Version 3 · undo by {REVIEWER} · .*\(current\)$"))
           ).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Version 2 · status by {REVIEWER}"))).to_be_visible()
    above_the_fold(page, ".st-key-rv_history_box")
    wait_idle(page)
    shot(page, "history")


def test_fixing_an_answer_takes_three_actions(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(2)})
    page = review.page
    review.open()
    shows(page, queue[0])
    before = pair(review.db, queue[0])["answer"]
    addition = " Then restart the device and check the status light."

    actions = Actions(page)
    actions.press("e")
    answer = page.get_by_label("Answer", exact=True)
    expect(answer).to_be_focused()  # the cursor waits at the end of the answer
    wait_idle(page)
    shot(page, "focus_editing")
    actions.type(addition)
    actions.press("Control+Enter")
    shows(page, queue[1])
    assert actions.count == 3

    expected = (before + addition, "approved", REVIEWER, 2)
    assert poll(fields(review.db, queue[0], "answer", "status", "updated_by", "version"),
                expected) == expected
    with opened(review.db) as db:
        assert drafts.get(db, REVIEWER, queue[0]) is None  # saved, so no draft is left


def test_a_stale_save_keeps_the_typed_text_until_applied_on_top(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(2)})
    page = review.page
    review.open()
    shows(page, queue[0])
    original = pair(review.db, queue[0])["answer"]
    theirs = "Replace the power adapter first. " + original
    mine = original + " Mine: also update the app."

    page.keyboard.press("e")
    answer = page.get_by_label("Answer", exact=True)
    expect(answer).to_be_focused()
    page.keyboard.type(" Mine: also update the app.")
    # Meanwhile someone else saves a change to the same pair.
    with opened(review.db) as db:
        assert store.update_pair(db, queue[0], {"answer": theirs}, expected_version=1,
                                 who="Lee 이") == store.OK
    page.keyboard.press("Control+Enter")

    expect(page.get_by_text("Someone changed this pair after you started editing")
           ).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Lee 이 changed answer at "))).to_be_visible()
    expect(page.get_by_test_id("stCode").filter(
        has_text="+ Replace the power adapter first.")).to_be_visible()
    expect(answer).to_have_value(mine)  # nothing typed is lost
    wait_idle(page)
    shot(page, "stale_draft")
    assert fields(review.db, queue[0], "answer", "status", "version")() == (
        theirs, "pending", 2)

    page.get_by_role("button", name="Apply mine on top").click()
    expect(page.get_by_text("Someone changed this pair after you started editing")
           ).to_be_hidden()
    expect(answer).to_have_value(mine)
    wait_idle(page)
    page.keyboard.press("Control+Enter")
    shows(page, queue[1])
    expected = (mine, "approved", REVIEWER, 3)
    assert poll(fields(review.db, queue[0], "answer", "status", "updated_by", "version"),
                expected) == expected


def test_conversation_view_merges_and_splits_pairs(review):
    first, second, third = seed(review.db, {"three.txt": clean_dump(1, exchanges=3)})
    page = review.page
    review.open()
    shows(page, first)
    q1, a1 = (pair(review.db, first)[f] for f in ("question", "answer"))
    q2, a2 = (pair(review.db, second)[f] for f in ("question", "answer"))
    view(page, "Conversation")
    expect(page.get_by_text("three.txt · line 1 · 3 pairs (0 deleted)")).to_be_visible()

    page.locator(f".st-key-rv_conv_pair_{first}").get_by_role(
        "button", name="Merge with next").click()
    merged = (f"{q1}\n{q2}", f"{a1}\n{a2}")
    assert poll(fields(review.db, first, "question", "answer"), merged) == merged
    assert pair(review.db, second)["status"] == "deleted"
    expect(page.get_by_text(re.compile(r"· 2 pairs \(1 deleted\)$"))).to_be_visible()
    expect(page.locator(f".st-key-rv_conv_pair_{second}")).to_have_count(0)
    wait_idle(page)
    shot(page, "conversation")

    page.locator(f".st-key-rv_conv_pair_{first}").get_by_role("button", name="Split…").click()
    expect(page.get_by_label("First question")).to_have_value(merged[0])
    page.get_by_label("First question").fill(q1)
    page.get_by_label("First answer").fill(a1)
    page.get_by_label("Second question").fill(q2)
    page.get_by_label("Second answer").fill(a2)
    page.get_by_role("button", name="Split pair").click()
    assert poll(fields(review.db, first, "question", "answer"), (q1, a1)) == (q1, a1)
    expect(page.get_by_text(re.compile(r"· 3 pairs \(1 deleted\)$"))).to_be_visible()
    with opened(review.db) as db:
        rows = store.pairs_of_conversation(db, pair(review.db, first)["conversation_id"])
    live = [(r["question"], r["answer"], r["status"]) for r in rows if r["status"] != "deleted"]
    assert live[0] == (q1, a1, "pending")
    assert (q2, a2, "pending") in live
    assert pair(review.db, third)["status"] == "pending"


def test_bulk_approve_leaves_rejected_pairs_alone(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(3)})
    rejected = [queue[1], queue[4]]
    with opened(review.db) as db:
        for pair_id in rejected:
            assert store.update_pair(db, pair_id, {"status": "rejected"}, expected_version=1,
                                     who="Lee 이") == store.OK
    page = review.page
    review.open()
    view(page, "Table")
    page.get_by_test_id("stSelectbox").filter(has_text="Status").click()
    page.get_by_role("option", name="all", exact=True).click()
    expect(page.get_by_text("6 matching pairs")).to_be_visible()
    wait_idle(page)

    page.get_by_role("button", name="Approve all matching").click()
    expect(page.get_by_text("Approve 4 pairs (status pending)?")).to_be_visible()
    expect(page.get_by_text("Pairs that would change, by current status: 4 pending.")
           ).to_be_visible()
    wait_idle(page)
    shot(page, "table")
    page.get_by_role("button", name="Confirm").click()

    def statuses() -> dict[int, tuple[str, int]]:
        with opened(review.db) as db:
            return {i: (store.get_pair(db, i)["status"], store.get_pair(db, i)["version"])
                    for i in queue}
    expected = {i: (("rejected", 2) if i in rejected else ("approved", 2)) for i in queue}
    assert poll(statuses, expected) == expected

    # Decided pairs change only when asked; the confirmation counts them per status.
    page.get_by_text("Also change pairs already decided").click()
    page.get_by_role("button", name="Reject all matching").click()
    expect(page.get_by_text("Reject 4 pairs (all statuses)?")).to_be_visible()
    expect(page.get_by_text("Pairs that would change, by current status: 4 approved.")
           ).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Reject 4 pairs (all statuses)?")).to_be_hidden()
    assert statuses() == expected


def test_deleted_pairs_come_back_from_the_trash(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(2)})
    page = review.page
    review.open()
    shows(page, queue[0])
    page.keyboard.press("d")
    shows(page, queue[1])
    page.keyboard.press("d")
    shows(page, queue[2])
    for pair_id in queue[:2]:
        assert poll(fields(review.db, pair_id, "status"), ("deleted",)) == ("deleted",)

    view(page, "Trash")
    for pair_id in queue[:2]:
        expect(page.get_by_text(re.compile(rf"^Pair {pair_id} · deleted by {REVIEWER} at "
                                           r"\d{4}-\d\d-\d\d \d\d:\d\d UTC · was pending$"))
               ).to_be_visible()
    shot(page, "trash")
    page.locator(f".st-key-rv_trash_{queue[0]}").get_by_role("button", name="Restore").click()
    assert poll(fields(review.db, queue[0], "status"), ("pending",)) == ("pending",)
    expect(page.locator(f".st-key-rv_trash_{queue[0]}")).to_have_count(0)
    page.get_by_role("button", name="Restore all").click()
    assert poll(fields(review.db, queue[1], "status"), ("pending",)) == ("pending",)
    expect(page.get_by_text("The trash is empty")).to_be_visible()


def test_the_reviewer_name_is_asked_once_per_browser(stranger):
    queue = seed(stranger.db, {"clean_dump.txt": clean_dump(1)})
    page, context = stranger.page, stranger.context
    page.goto(f"{stranger.url}/review")
    page.get_by_label("Your name").fill(REVIEWER)
    page.get_by_role("button", name="Start reviewing").click()
    shows(page, queue[0])

    def remembered() -> list[str]:
        return [c["value"] for c in context.cookies() if c["name"] == "reviewer_name"]
    assert poll(remembered, [quote(REVIEWER, safe="")]) == [quote(REVIEWER, safe="")]

    page.reload()
    shows(page, queue[0])
    expect(page.get_by_text(f"Reviewer: {REVIEWER}")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_count(0)

    tab = context.new_page()
    tab.goto(f"{stranger.url}/review")
    shows(tab, queue[0])
    expect(tab.get_by_label("Your name")).to_have_count(0)
    tab.keyboard.press("a")
    shows(tab, queue[1])
    expected = ("approved", REVIEWER)
    assert poll(fields(stranger.db, queue[0], "status", "updated_by"), expected) == expected
    tab.close()


def test_a_finding_link_opens_its_pair_with_the_finding(review):
    queue = seed(review.db, {"clean_dump.txt": clean_dump(2)})
    first = pair(review.db, queue[0])
    with opened(review.db) as db:  # a flagged pair, decided already: the link shows it anyway
        (target,) = store.add_pairs(db, [store.NewPair(
            first["conversation_id"], first["system"], "Can you mail the invoice to "
            "kim@example.com?", "Yes, it goes to kim@example.com today.", position=5,
            status="approved", origin="rules", flags=(
                {"code": "unsupported_answer", "severity": "high",
                 "detail": "The answer is not in the engineer's turns."},
                {"code": "personal_data", "severity": "medium",
                 "detail": "An email address in the question and the answer."}))],
            who="e2e")
    finding = "Answer repeats pair 1 word for word · 답변이 다른 쌍과 같습니다"
    review.open(f"?pair={target}&finding={quote(finding)}")
    shows(review.page, target)
    expect(review.page.get_by_text("Opened from an export finding")).to_be_visible()
    expect(review.page.get_by_text(finding, exact=True)).to_be_visible()
    for badge in ("⚑ unsupported answer · high", "⚑ personal data · medium"):
        expect(review.page.get_by_text(badge)).to_be_visible()
    expect(review.page.get_by_text("Yes, it goes to kim@example.com today.")).to_be_visible()
    expect(review.page).to_have_url(re.compile(r"/review$"))  # handled once, then cleared
    above_the_fold(review.page, ".st-key-rv_pair_text")
    above_the_fold(review.page, ".st-key-rv_source_box")
    shot(review.page, "focus_finding")


def test_an_empty_database_says_what_to_do_first(review):
    review.open()
    page = review.page
    expect(page.get_by_text("No pairs yet. Import conversation dumps and split them into "
                            "pairs first.")).to_be_visible()
    shot(page, "empty")
    page.get_by_role("button", name="Go to Import").click()
    expect(page).to_have_url(re.compile(r"/import$"))
    expect(page.get_by_test_id("stFileUploaderDropzoneInput")).to_be_attached()
