"""The core loop in a real browser: import → split (rules) → review edits → export download.

Drives Debian Chromium against a live `streamlit run app.py` on loopback; the database is
checked directly after each step. Run alone with ``pytest -m e2e``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SAMPLE_FILES = ["support_transcripts_en.txt", "support_transcripts_ko.md"]
PRODUCTS = ["X200 router", "P7 printer", "NAS-4 storage", "AP-9 access point", "K3 keyboard",
            "M5 monitor"]


def sample_dump() -> bytes:
    """Twelve speaker-labelled conversations (English and Korean), some with two questions."""
    blocks = []
    for i, product in enumerate(PRODUCTS):
        blocks.append(
            f"Customer: My {product} shows error E{i}1 after the latest update. How do I fix it?\n"
            f"Engineer: Roll the {product} back to the previous firmware from the settings "
            f"page, then restart it.\n"
            f"Customer: Will I lose my saved settings on the {product}?\n"
            f"Engineer: No. The rollback keeps every saved setting on the {product}.\n")
        blocks.append(
            f"고객: {product} 전원이 {i + 2}분 뒤에 꺼집니다. 어떻게 해야 하나요?\n"
            f"엔지니어: {product} 뒷면의 리셋 버튼을 5초간 누른 뒤 다시 켜 주세요.\n")
    return "---\n".join(blocks).encode("utf-8")


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress (the page's own marker, not a timer)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)


def go_to(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/{title.lower()}$"))
    wait_idle(page)


def db_rows(db, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for_rows(db, sql: str, params=(), *, expected, ceiling: float = 30.0) -> list[tuple]:
    """Poll the database until the query returns ``expected`` (the save is asynchronous)."""
    deadline = time.monotonic() + ceiling
    while True:
        rows = db_rows(db, sql, params)
        if rows == expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def click_cell(page: Page, row: int, x: int = 30) -> None:
    """Select a cell of data row ``row`` (0-based) in the Review grid; header ≈ 35 px high."""
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    grid.click(position={"x": x, "y": 35 + 35 * row + 17})


def open_cell_editor(page: Page):
    page.keyboard.press("Enter")
    overlay = page.get_by_test_id("portal").locator(".gdg-clip-region")
    expect(overlay).to_be_visible()
    return overlay


def set_status(page: Page, row: int, typed: str) -> None:
    click_cell(page, row)              # the id column (read-only)
    page.keyboard.press("ArrowRight")  # status
    open_cell_editor(page)
    page.keyboard.type(typed)
    page.keyboard.press("Enter")


def set_answer(page: Page, row: int, text: str) -> None:
    click_cell(page, row)
    for _ in range(4):                 # id → status → system → question → answer
        page.keyboard.press("ArrowRight")
    overlay = open_cell_editor(page)
    field = overlay.locator("textarea, input").first
    field.fill(text)
    page.keyboard.press("Enter")


def test_import_split_review_export(page: Page, live_app):
    url, db = live_app
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_idle(page)
    expect(page.get_by_text("All pairs")).to_be_visible()

    # -- Import: name once per session, upload, import --------------------------------------
    go_to(page, "Import")
    page.get_by_label("Your name").fill("E2E 검토자")
    page.get_by_role("button", name="Start reviewing").click()
    expect(page.get_by_test_id("stFileUploaderDropzoneInput")).to_be_attached()
    files = [{"name": "support_dump.txt", "mimeType": "text/plain", "buffer": sample_dump()}]
    files += [{"name": name, "mimeType": "text/plain", "buffer": (SAMPLES / name).read_bytes()}
              for name in SAMPLE_FILES]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=files)
    expect(page.get_by_test_id("stFileChipName")).to_have_count(len(files))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Last import")).to_be_visible()
    sources = dict(db_rows(db, "SELECT source, count(*) FROM conversations GROUP BY source"))
    assert set(sources) == {"support_dump.txt", *SAMPLE_FILES}
    assert sources["support_dump.txt"] == 12
    n_conversations = sum(sources.values())

    # -- Split with the rules splitter --------------------------------------------------------
    page.get_by_role("button", name="Split", exact=True).click()
    expect(page.get_by_text("Last split")).to_be_visible()
    n_pairs = db_rows(db, "SELECT count(*) FROM pairs")[0][0]
    assert n_pairs >= 12
    assert db_rows(db, "SELECT count(*) FROM conversations WHERE split_status = 'split'"
                   )[0][0] == n_conversations

    # -- Review by keyboard: approve two pairs, fix one answer, in source order --------------
    go_to(page, "Review")
    queue = [r[0] for r in db_rows(db, "SELECT id FROM pairs ORDER BY conv_seq, position, id")]
    first_question = db_rows(db, "SELECT question FROM pairs WHERE id = ?", (queue[0],))[0][0]
    expect(page.get_by_text(first_question, exact=True).first).to_be_visible()
    approved_sql = ("SELECT id, updated_by, version FROM pairs WHERE status='approved'"
                    " ORDER BY id")
    page.keyboard.press("a")
    assert wait_for_rows(db, approved_sql, expected=[(queue[0], "E2E 검토자", 2)]) == [
        (queue[0], "E2E 검토자", 2)]
    wait_idle(page)
    page.keyboard.press("a")
    expected = sorted([(queue[0], "E2E 검토자", 2), (queue[1], "E2E 검토자", 2)])
    assert wait_for_rows(db, approved_sql, expected=expected) == expected

    new_answer = "Hold the reset button for 10 seconds, then update the firmware."
    wait_idle(page)
    page.keyboard.press("e")
    answer_box = page.get_by_label("Answer", exact=True)
    expect(answer_box).to_be_focused()
    answer_box.fill(new_answer)
    page.keyboard.press("Control+Enter")
    edited = wait_for_rows(db, "SELECT answer, status, version, touched FROM pairs WHERE id = ?",
                           (queue[2],), expected=[(new_answer, "approved", 2, 1)])
    assert edited == [(new_answer, "approved", 2, 1)]
    events = db_rows(db, "SELECT who, action, field, new FROM events WHERE pair_id = ?"
                     " ORDER BY id", (queue[2],))
    assert ("E2E 검토자", "edit", "answer", new_answer) in events

    # -- Bulk approve the rest in the table, after the confirmation with the count -----------
    wait_idle(page)
    page.get_by_role("radio", name="Table").click() if page.get_by_role(
        "radio", name="Table").count() else page.get_by_role("button", name="Table").click()
    wait_idle(page)
    page.get_by_role("button", name="Approve all matching").click()
    # Only pending pairs change; the three approved ones are not counted.
    expect(page.get_by_text(f"Approve {n_pairs - 3} pairs (status pending)?")).to_be_visible()
    expect(page.get_by_text(f"by current status: {n_pairs - 3} pending.")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    assert wait_for_rows(db, "SELECT count(*) FROM pairs WHERE status = 'approved'",
                         expected=[(n_pairs,)]) == [(n_pairs,)]

    # -- Export: build, validate, download ----------------------------------------------------
    go_to(page, "Export")
    page.get_by_role("button", name="Build and validate").click()
    expect(page.get_by_text("The file passed validation.")).to_be_visible()
    # fewer than 50 examples is a warning: it must be acknowledged before the download
    download_button = page.get_by_test_id("stDownloadButton").get_by_role("button")
    expect(download_button).to_be_disabled()
    page.get_by_text("I have read the").click()
    expect(download_button).to_be_enabled()
    with page.expect_download() as download:
        download_button.click()
    downloaded = Path(download.value.path()).read_bytes()
    lines = [json.loads(x) for x in downloaded.decode("utf-8").splitlines() if x.strip()]

    expected = db_rows(db, "SELECT system, question, answer FROM pairs WHERE status = 'approved'"
                       " ORDER BY id")
    got = []
    for line in lines:
        by_role = {m["role"]: m["content"] for m in line["messages"]}
        got.append((by_role.get("system"), by_role["user"], by_role["assistant"]))
    assert sorted(got) == sorted(expected)
    assert new_answer in {a for _, _, a in got}
    kept = list((db.parent / "exports").glob("*.jsonl"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == downloaded
