"""Hostile text in a real browser: crafted pairs and import files show literally, no script
runs, no dialog opens, nothing is fetched from another host (the tab icon included), and a
page reached under a foreign host name gets no app session.

Drives Debian Chromium against a live `streamlit run app.py` on loopback (see conftest.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from reviewer.db import connect, now_iso
from reviewer.review import store

pytestmark = pytest.mark.e2e
# Every request of these pages goes through the test's router, and one page holds a
# 100,000-character text three times: on a busy machine a page takes long to settle, so the
# ceilings are generous (they are ceilings, not waits).
expect.set_options(timeout=90_000)
SETTLE_CEILING_MS = 240_000

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TEST_NET = "203.0.113.9"  # documentation address: requests to it are aborted before sending

SCRIPT = "<script>window.__pwned = 1; alert('script')</script>"
IMG = "<img src=x onerror=\"window.__pwned = 2; alert('img')\">"
JS_LINK = "[open me](javascript:alert('link')) <a href=\"javascript:alert('a')\">a</a>"
REMOTE_IMAGE = f"![pixel](http://{TEST_NET}/pixel.png) <img src=\"http://{TEST_NET}/i.png\">"
MARKDOWN = "# Heading\n**bold** _it_ `code`\n> quote"
RTL = "\u202egnp.exe\u202c invoice \u2067שלום\u2069"
KOREAN = "고객: 프린터 전원이 켜지지 않습니다. 어떻게 해야 하나요?"
IFRAME = f"<iframe src=\"http://{TEST_NET}/\"></iframe><style>body{{display:none}}</style>"
LONG = "A" * 100_000
SOURCE_NAME = "<img src=x onerror=alert('source')>.txt"

PAIRS = [  # (system, question, answer)
    (SCRIPT, IMG, f"{JS_LINK}\n{REMOTE_IMAGE}"),
    (MARKDOWN, f"{RTL} {KOREAN}", LONG),
    ("plain system line", IFRAME, KOREAN),
]
INJECTED = ("img[src='x'], img[src*='203.0.113.9'], iframe, a[href^='javascript:'], "
            "[onerror]")


def seed(db_path: Path) -> list[int]:
    """The crafted pairs and their source conversation, in the app's database."""
    db = connect(db_path)
    try:
        turns = []
        for _, question, answer in PAIRS:
            turns += [{"role": "customer", "speaker": "Customer", "text": question},
                      {"role": "engineer", "speaker": "Engineer", "text": answer}]
        text = "\n".join(f"Customer: {q}\nEngineer: {a}" for _, q, a in PAIRS)
        with db.atomic():
            db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                       " imported_at, split_status) VALUES (?,?,?,?,?,?,?,?)",
                       ["hostile", SOURCE_NAME, "line 1", "txt", text, json.dumps(turns),
                        now_iso(), "split"])
        return store.add_pairs(db, [
            store.NewPair("hostile", system, question, answer, position=position,
                          origin="rules", question_turns=(2 * position,),
                          answer_turns=(2 * position + 1,))
            for position, (system, question, answer) in enumerate(PAIRS)], who="seed")
    finally:
        db.close()


class Watch:
    """Everything the page does that hostile text must never cause."""

    def __init__(self, page: Page):
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        page.on("dialog", self._dialog)
        page.on("websocket", lambda ws: self._check(ws.url))
        # Routing aborts foreign requests before they leave; the tab icon is not routed by
        # the browser, so every request is also recorded as it starts.
        page.on("request", lambda request: self._check(request.url))
        page.context.route("**/*", self._route)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _check(self, url: str) -> bool:
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOOPBACK:
            return True
        self.foreign.append(url)
        return False

    def _route(self, route) -> None:
        if self._check(route.request.url):
            route.continue_()
        else:
            route.abort()  # recorded, never sent

    def assert_clean(self, page: Page) -> None:
        assert self.dialogs == []
        assert self.foreign == []
        assert page.evaluate("window.__pwned") is None
        assert page.locator(INJECTED).count() == 0
        assert page.get_by_role("heading", name="Heading").count() == 0


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress (the page's own marker, not a timer)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=SETTLE_CEILING_MS)


def sign_in(page: Page) -> None:
    name = page.get_by_label("Your name")
    expect(name).to_be_editable()
    wait_idle(page)
    name.fill("보안 검토자")
    page.get_by_role("button", name="Start reviewing").click()
    expect(page.get_by_text("Reviewer: 보안 검토자")).to_be_visible()
    wait_idle(page)


def shown_texts(page: Page) -> list[str]:
    """Every plain-text element's text (st.text renders untrusted text as text)."""
    return page.get_by_test_id("stText").all_text_contents()  # one snapshot of the page


def grid_cells(page: Page) -> list[str]:
    """Texts of the data grid's accessible cells (the grid itself is drawn on a canvas)."""
    cells = page.locator("[data-testid^='glide-cell-']")
    cells.first.wait_for(state="attached")
    assert page.locator("[data-testid^='glide-cell-'] *").count() == 0  # text only, no markup
    return [c.text_content() or "" for c in cells.all()]


def expect_editor(page: Page, pair: tuple[str, str, str]) -> None:
    """In edit mode the text boxes hold the pair's texts exactly (values, not markup).

    The page holds a 100,000-character turn, so the browser may still be laying it out when
    the button is clicked, and the editor may take a while to draw; the button is clicked
    again (at most three times) only while it is still there and the editor is not, and each
    attempt waits on the editor itself, not on a timer.
    """
    system = page.get_by_label("System", exact=True)
    edit = page.locator(".st-key-rv_edit button")
    for _ in range(3):
        wait_idle(page)
        if system.is_visible():
            break
        if edit.count():
            edit.click()
        try:
            expect(system).to_be_visible(timeout=60_000)
            break
        except AssertionError:
            continue
    for field, value in zip(("System", "Question", "Answer"), pair, strict=True):
        expect(page.get_by_label(field, exact=True)).to_have_value(value, timeout=30_000)


def expect_focus(page: Page, pair: tuple[str, str, str]) -> None:
    """The focus view shows the pair's texts literally."""
    expect(page.get_by_test_id("stText").filter(has_text=pair[1][:40]).first).to_be_attached()
    wait_idle(page)
    texts = shown_texts(page)
    for value in pair:
        assert value in texts


def test_crafted_pairs_show_literally_on_the_review_page(page: Page, live_app):
    url, db = live_app
    ids = seed(db)
    watch = Watch(page)
    page.set_default_timeout(90_000)
    page.goto(url)  # the app's own menu, as a reviewer gets there
    wait_idle(page)
    page.get_by_role("link", name="Review", exact=True).first.click()
    sign_in(page)
    expect_focus(page, PAIRS[0])
    texts = shown_texts(page)
    assert f"{SOURCE_NAME} · line 1" in texts  # the file name, as text
    for _, question, answer in PAIRS:  # the source turns, literally
        assert question in texts and answer in texts
    expect_editor(page, PAIRS[0])
    watch.assert_clean(page)

    page.get_by_role("button", name="Discard my changes").click()
    wait_idle(page)
    page.get_by_text("Table", exact=True).click()
    wait_idle(page)
    cells = grid_cells(page)
    assert IMG in cells and MARKDOWN not in cells  # the table shows questions and answers
    assert any(c.startswith(JS_LINK[:20]) for c in cells)
    watch.assert_clean(page)

    for pair_id, pair in ((ids[1], PAIRS[1]), (ids[2], PAIRS[2])):
        page.goto(f"{url}/review?pair={pair_id}")  # the deep link the Export findings use
        wait_idle(page)  # the name is remembered: no sign-in on a new page load
        expect_focus(page, pair)  # PAIRS[1]: an answer of 100,000 characters, no break
        expect_editor(page, pair)
        page.get_by_role("button", name="Discard my changes").click()
        wait_idle(page)
    expect(page.get_by_test_id("stApp")).to_be_visible()  # the <style> hid nothing
    watch.assert_clean(page)

    icon = page.eval_on_selector("link[rel='shortcut icon']", "link => link.href")
    assert urlparse(icon).hostname in LOOPBACK and "/media/" in icon


def test_hostile_uploads_show_literally_in_the_import_report(page: Page, live_app):
    url, db = live_app
    watch = Watch(page)
    page.set_default_timeout(30_000)
    page.goto(f"{url}/import")
    wait_idle(page)
    sign_in(page)
    bad_key = "<script>alert('key')</script>"
    lines = [
        json.dumps({"messages": [{"role": "user", "content": f"{SCRIPT} {RTL} {KOREAN}"},
                                 {"role": "assistant", "content": f"{REMOTE_IMAGE} {JS_LINK}"}]},
                   ensure_ascii=False),
        json.dumps({bad_key: 1}),
        '{"question": "lone \\ud800 surrogate", "answer": "a"}',
    ]
    jsonl_name = "<img src=x onerror=alert('file')>.jsonl"
    transcript_name = "[x](javascript:alert('name')).txt"
    files = [
        {"name": jsonl_name, "mimeType": "application/octet-stream",
         "buffer": "\n".join(lines).encode()},
        {"name": transcript_name, "mimeType": "text/plain",
         "buffer": f"{MARKDOWN}\n{IMG}\nno speaker labels here\n".encode()},
    ]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=files)
    expect(page.get_by_test_id("stFileChipName")).to_have_count(len(files))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Last import")).to_be_visible()
    wait_idle(page)
    metrics = dict(page.evaluate(  # labels and values read in one go, not across a rerun
        "() => [...document.querySelectorAll('[data-testid=stMetric]')].map(m => ["
        "m.querySelector('[data-testid=stMetricLabel]').innerText.trim(), "
        "m.querySelector('[data-testid=stMetricValue]').innerText.trim()])"))
    assert (metrics["Imported"], metrics["Rejected"]) == ("1", "3")
    cells = grid_cells(page)
    assert jsonl_name in cells and transcript_name in cells
    assert any(bad_key in cell for cell in cells)
    assert "line 2" in cells and "line 3" in cells
    watch.assert_clean(page)


def test_a_foreign_host_name_gets_no_session(browser_type, browser_type_launch_args, live_app,
                                             tmp_path):
    """DNS rebinding: a page under another site's name, resolved to this machine, loads the
    static shell but its WebSocket is refused, so no conversation ever reaches it."""
    url, db = live_app
    seed(db)
    port = urlparse(url).port
    args = [*browser_type_launch_args.get("args", []),
            "--host-resolver-rules=MAP evil.test 127.0.0.1"]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    try:
        page = browser.new_page()
        attempts: list[str] = []
        page.on("websocket", lambda ws: attempts.append(ws.url))
        page.goto(f"http://evil.test:{port}/review")
        log = tmp_path / "streamlit.log"
        app_shown = page.get_by_label("Your name")
        deadline = time.monotonic() + 60
        while not (app_shown.count() or len(attempts) >= 2 and "Rejecting WebSocket "
                   "connection" in log.read_text(errors="replace")):
            assert time.monotonic() < deadline, "the foreign page never tried the WebSocket"
            page.wait_for_timeout(200)
        assert app_shown.count() == 0
        body = page.locator("body").inner_text()
        assert "Your name" not in body and "Review" not in body and KOREAN not in body
        assert page.get_by_test_id("stAppSkeleton").count() == 1

        page.goto(f"http://localhost:{port}/review")  # the same browser on a loopback name
        expect(page.get_by_label("Your name")).to_be_visible(timeout=30_000)
    finally:
        browser.close()
