"""The core loop in a real browser: import → split (rules) → review edits → export download.

Drives Debian Chromium against a live `streamlit run app.py` on loopback; the database is
checked directly after each step. Run alone with ``pytest -m e2e``.
"""

from __future__ import annotations

import json
import sqlite3
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


def wait_idle(page: Page, settle_ms: int = 400) -> None:
    """Wait until the script run triggered by the last action has finished."""
    page.wait_for_timeout(settle_ms)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)
    page.wait_for_timeout(150)


def go_to(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    wait_idle(page)


def db_rows(db, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def click_cell(page: Page, row: int, x: int = 30) -> None:
    """Select a cell of data row ``row`` (0-based) in the Review grid; header ≈ 35 px high."""
    grid = page.get_by_test_id("stDataFrame").first
    grid.click(position={"x": x, "y": 35 + 35 * row + 17})
    page.wait_for_timeout(200)


def set_status(page: Page, row: int, typed: str) -> None:
    click_cell(page, row)              # the id column (read-only)
    page.keyboard.press("ArrowRight")  # status
    page.keyboard.press("Enter")       # open the select editor
    page.wait_for_timeout(300)
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    wait_idle(page, 800)               # save callback, then the editor remounts


def set_answer(page: Page, row: int, text: str) -> None:
    click_cell(page, row)
    for _ in range(4):                 # id → status → system → question → answer
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    overlay = page.get_by_test_id("portal").locator(".gdg-clip-region")
    expect(overlay).to_be_visible()
    field = overlay.locator("textarea, input").first
    field.fill(text)
    page.keyboard.press("Enter")
    wait_idle(page, 800)


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
    wait_idle(page)
    files = [{"name": "support_dump.txt", "mimeType": "text/plain", "buffer": sample_dump()}]
    files += [{"name": name, "mimeType": "text/plain", "buffer": (SAMPLES / name).read_bytes()}
              for name in SAMPLE_FILES]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=files)
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
    wait_idle(page, 1000)
    expect(page.get_by_text("Last split")).to_be_visible()
    n_pairs = db_rows(db, "SELECT count(*) FROM pairs")[0][0]
    assert n_pairs >= 12
    assert db_rows(db, "SELECT count(*) FROM conversations WHERE split_status = 'split'"
                   )[0][0] == n_conversations

    # -- Review: approve two rows and edit one answer in the table ----------------------------
    go_to(page, "Review")
    expect(page.get_by_test_id("stDataFrame").first.locator("canvas").first).to_be_visible()
    ids = [r[0] for r in db_rows(db, "SELECT id FROM pairs ORDER BY id")]
    set_status(page, 0, "appr")
    set_status(page, 1, "appr")
    approved = db_rows(db, "SELECT id, updated_by, version FROM pairs WHERE status='approved'"
                       " ORDER BY id")
    assert approved == [(ids[0], "E2E 검토자", 2), (ids[1], "E2E 검토자", 2)]

    new_answer = "Hold the reset button for 10 seconds, then update the firmware."
    set_answer(page, 2, new_answer)
    edited = db_rows(db, "SELECT answer, status, version, touched FROM pairs WHERE id = ?",
                     (ids[2],))
    assert edited == [(new_answer, "pending", 2, 1)]
    events = db_rows(db, "SELECT who, action, field, new FROM events WHERE pair_id = ?"
                     " ORDER BY id", (ids[2],))
    assert events[-1] == ("E2E 검토자", "edit", "answer", new_answer)

    # -- Bulk approve the rest (filter: all), after the confirmation with the count ----------
    page.get_by_role("button", name="Approve all matching").click()
    wait_idle(page)
    # The confirmation counts the pairs that will change (the two approved ones will not).
    expect(page.get_by_text(f"Approve {n_pairs - 2} pairs (all statuses)?")).to_be_visible()
    expect(page.get_by_text(f"by current status: {n_pairs - 2} pending.")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    wait_idle(page)
    assert db_rows(db, "SELECT count(*) FROM pairs WHERE status = 'approved'")[0][0] == n_pairs

    # -- Export: build, validate, download ----------------------------------------------------
    go_to(page, "Export")
    page.get_by_role("button", name="Build and validate").click()
    wait_idle(page, 1000)
    expect(page.get_by_text("The file passed validation.")).to_be_visible()
    # fewer than 50 examples is a warning: it must be acknowledged before the download
    download_button = page.get_by_test_id("stDownloadButton").get_by_role("button")
    expect(download_button).to_be_disabled()
    page.get_by_text("I have read the").click()
    wait_idle(page)
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
