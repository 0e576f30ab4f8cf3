"""The first run in a real browser at 1440×900, on an empty database: Overview points to
Import, the upload gets a per-file report (encodings, duplicates of what), the rules split
shows its job, and "Review pairs" lands on Review with a pair.

Screenshots of each state go to tests/output/screenshots/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SHOTS = Path(__file__).resolve().parents[1] / "output" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
UPLOADS = ["support_transcripts_en.txt", "support_transcripts_ko.md", "legacy_export_cp949.txt"]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT}


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress (the page's own marker, not a timer)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)


def shoot(page: Page, name: str, show=None) -> None:
    """Screenshot the viewport, scrolled so ``show`` (a locator) is in it."""
    wait_idle(page)
    if show is not None:
        show.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def db_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_first_run_from_an_empty_database(page: Page, live_app):
    url, db = live_app
    page.set_default_timeout(30_000)

    # -- Overview on an empty database: one next step ---------------------------------------
    page.goto(url)
    wait_idle(page)
    expect(page.get_by_text("Start by importing conversation dumps")).to_be_visible()
    shoot(page, "overview_empty")
    page.get_by_role("button", name="Import conversations").click()
    expect(page).to_have_url(re.compile(r"/import$"))
    wait_idle(page)

    # -- Import: name once, then the page before anything is imported ------------------------
    page.get_by_label("Your name").fill("첫 사용자")
    page.get_by_role("button", name="Start reviewing").click()
    expect(page.get_by_text("Nothing to split yet: import conversation dumps above first.")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Split", exact=True)).to_be_disabled()
    expect(page.get_by_label("Concurrent requests")).to_have_count(0)  # rules: no such option
    shoot(page, "import_before")

    # English, Korean (UTF-8), Korean CP949, and the English file once more under another name
    files = [{"name": name, "mimeType": "text/plain", "buffer": (SAMPLES / name).read_bytes()}
             for name in UPLOADS]
    files.append({"name": "en_copy.txt", "mimeType": "text/plain",
                  "buffer": (SAMPLES / UPLOADS[0]).read_bytes()})
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=files)
    expect(page.get_by_test_id("stFileChipName")).to_have_count(len(files))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    report = page.get_by_test_id("stTable")
    expect(report).to_be_visible()
    expect(report.get_by_text("CP949", exact=True)).to_be_visible()
    expect(report.get_by_text("en_copy.txt", exact=True)).to_be_visible()
    expect(report.get_by_text(re.compile(r"^4 within this upload \(first copy: "
                                         r"support_transcripts_en\.txt line 1"))).to_be_visible()
    imported = db_rows(db, "SELECT count(*) FROM conversations")[0][0]
    expect(page.get_by_text(f"Split takes {imported} conversations.")).to_be_visible()
    shoot(page, "import_after_import", show=report)

    # -- Split with the rules splitter --------------------------------------------------------
    page.get_by_role("button", name="Split", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Job #1 \(run #\d+\), rules splitter"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Started .* by 첫 사용자; finished .* UTC\."))
           ).to_be_visible()
    expect(page.get_by_role("button", name="Split", exact=True)).to_be_disabled()
    expect(page.get_by_text("Nothing to split: no conversation is pending.", exact=False)
           ).to_be_visible()
    assert db_rows(db, "SELECT count(*) FROM conversations WHERE split_status = 'split'"
                   )[0][0] == imported
    shoot(page, "import_after_split", show=page.get_by_role("button", name="Review pairs"))

    # -- Review pairs: lands on Review with the first pair of the queue ----------------------
    page.get_by_role("button", name="Review pairs").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    wait_idle(page)
    first_question = db_rows(db, "SELECT question FROM pairs ORDER BY conv_seq, position, id"
                             " LIMIT 1")[0][0]
    expect(page.get_by_text(first_question, exact=True).first).to_be_visible()
    shoot(page, "review_after_first_run")
