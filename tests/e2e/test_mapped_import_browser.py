"""Mapped import in a real browser: choose records through a mapping, pick a preset, upload,
preview (nothing written), import; the choice survives the upload's rerun.

Run alone with ``pytest -m e2e``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[1] / "importing" / "samples"


def wait_idle(page: Page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)


def count(db, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_preset_preview_then_import(page: Page, live_app):
    url, db = live_app
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_idle(page)
    page.get_by_role("link", name="Import", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/import$"))
    page.get_by_label("Your name").fill("매핑 검토자")
    page.get_by_role("button", name="Start reviewing").click()
    wait_idle(page)
    page.get_by_text("Records through a mapping").click()
    wait_idle(page)
    page.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=re.compile(r"^squad — ready pairs")).click()
    wait_idle(page)
    expect(page.get_by_text("wrong choices are left empty", exact=False)).to_be_visible()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        str(SAMPLES / "korquad_sample.json"))
    expect(page.get_by_test_id("stFileChipName")).to_have_count(1)
    wait_idle(page)
    # the upload's rerun kept the mapped form and the preset
    expect(page.get_by_role("button", name="Preview")).to_be_visible()
    expect(page.get_by_role("button", name="Import with this mapping")).to_be_disabled()
    page.get_by_role("button", name="Preview").click()
    wait_idle(page)
    expect(page.get_by_text("nothing written yet", exact=False)).to_be_visible()
    assert count(db, "pairs") == 0
    page.get_by_role("button", name="Import with this mapping").click()
    wait_idle(page)
    expect(page.get_by_text("Mapping squad: 18 ready pairs created", exact=False)
           ).to_be_visible()
    assert (count(db, "conversations"), count(db, "pairs")) == (6, 18)


def test_irc_log_options_typed_in_the_form(page: Page, live_app):
    url, db = live_app
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_idle(page)
    page.get_by_role("link", name="Import", exact=True).first.click()
    page.get_by_label("Your name").fill("reviewer")
    page.get_by_role("button", name="Start reviewing").click()
    wait_idle(page)
    page.get_by_text("Records through a mapping").click()
    wait_idle(page)
    page.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=re.compile(r"^irc-log — conversations")).click()
    wait_idle(page)
    gap = page.get_by_label("gap_minutes", exact=True)
    expect(gap).to_have_value("30")
    page.get_by_label("staff", exact=True).fill("alice, dave")
    page.get_by_label("staff", exact=True).press("Enter")
    wait_idle(page)
    gap.fill("60")
    gap.press("Enter")
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        str(SAMPLES.parent / "chatlogs" / "support_en.log"))
    expect(page.get_by_test_id("stFileChipName")).to_have_count(1)
    wait_idle(page)
    page.get_by_role("button", name="Preview").click()
    wait_idle(page)
    expect(page.get_by_text("nothing written yet", exact=False)).to_be_visible()
    page.get_by_role("button", name="Import with this mapping").click()
    wait_idle(page)
    expect(page.get_by_text("Mapping irc-log: the conversations wait", exact=False)
           ).to_be_visible()
    conn = sqlite3.connect(db)
    try:
        stored = [json.loads(t) for (t,) in conn.execute(
            "SELECT turns FROM conversations ORDER BY rowid")]
    finally:
        conn.close()
    assert len(stored) == 2  # cut at the quiet night only (60 minutes)
    roles = {(t["speaker"], t["role"]) for turns in stored for t in turns}
    assert {("alice", "engineer"), ("dave", "engineer"), ("bob", "customer"),
            ("carol", "customer")} <= roles
