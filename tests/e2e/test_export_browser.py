"""The Export page in a real browser at 1440×900: a refusal's errors in the first viewport,
warnings acknowledged before the download, a report going stale when one more pair is
approved (and Rebuild), and the empty database pointing to Import.

Screenshots of each state go to tests/output/export/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from reviewer.db import now_iso, opened
from reviewer.review import store

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[1] / "output" / "export"
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


def seed(db_path: Path, texts: list[tuple[str, str, str]], *, approve: int) -> list[int]:
    """Pairs (system, question, answer), one conversation each; the first ``approve`` of
    them approved through the store, as a reviewer would."""
    with opened(db_path) as db:
        new = []
        with db.atomic():
            for i, (system, question, answer) in enumerate(texts):
                conv = f"conv{i:03d}"
                db.execute(
                    "INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                    " imported_at, split_status) VALUES (?,?,?,?,?,?,?,?)",
                    [conv, "dump.txt", f"line {i + 1}", "txt",
                     f"Customer: {question}\nEngineer: {answer}", json.dumps([]), now_iso(),
                     "split"])
                new.append(store.NewPair(conv, system, question, answer, position=0,
                                         origin="rules"))
            ids = store.add_pairs(db, new, who="seed")
        for pid in ids[:approve]:
            assert store.update_pair(db, pid, {"status": "approved"}, expected_version=1,
                                     who="e2e") == "ok"
    return ids


def good_pairs(n: int) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        if i % 2:
            out.append(("공유기 지원 요약.", f"{i}번 공유기가 재부팅됩니다. 어떻게 하나요?",
                        f"펌웨어를 {i}.0 버전으로 올린 뒤 전원을 다시 켜 주세요."))
        else:
            out.append(("Router support summary.", f"My X{i} router drops Wi-Fi hourly. Fix?",
                        f"Update the X{i} firmware, then restart the router."))
    return out


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress (the page's own marker, not a timer)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000)


# Every URL the app pushes (page switches rewrite the address through the history API), so
# the query a page switch carried can be read even when the next page tidies its address.
RECORD_URLS = """
window.__urls = [];
for (const name of ["pushState", "replaceState"]) {
  const real = history[name].bind(history);
  history[name] = (state, title, url) => {
    if (url) window.__urls.push(new URL(url, location.href).href);
    return real(state, title, url);
  };
}
"""


def open_export(page: Page, url: str, name: str = "E2E 검토자") -> None:
    page.set_default_timeout(30_000)
    page.add_init_script(RECORD_URLS)
    page.goto(f"{url}/export")
    wait_idle(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start reviewing").click()
    expect(page.get_by_text(f"Reviewer: {name}")).to_be_visible()
    wait_idle(page)


def shoot(page: Page, name: str) -> None:
    wait_idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def build(page: Page) -> None:
    page.get_by_role("button", name="Build and validate").click()
    wait_idle(page)


def test_refused_build_shows_its_errors_in_the_first_viewport(page: Page, live_app):
    url, db = live_app
    pairs = good_pairs(12)
    pairs[5] = (pairs[5][0], pairs[5][1], "")  # an empty answer refuses the export
    ids = seed(db, pairs, approve=12)
    open_export(page, url)
    build(page)

    verdict = page.get_by_text("Export refused:")
    expect(verdict).to_be_visible()
    errors = page.get_by_test_id("stDataFrame").first
    expect(errors).to_be_visible()
    for box in (verdict.bounding_box(), errors.bounding_box()):
        assert box is not None and box["y"] + box["height"] < VIEWPORT["height"]
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)
    shoot(page, "refused")

    # selecting the error's row opens its pair in Review, the finding handed along
    errors.click(position={"x": 18, "y": 35 + 17})  # the selection box of the first row
    page.wait_for_url("**/review**")
    wait_idle(page)
    shoot(page, "opened-in-review")
    opened_with = [parse_qs(urlsplit(u).query) for u in page.evaluate("window.__urls")
                   if "pair=" in u]
    assert opened_with, page.evaluate("window.__urls")
    assert opened_with[0]["pair"] == [str(ids[5])]
    (finding,) = opened_with[0]["finding"]
    assert ": " in finding and len(finding) <= 300


def test_warnings_acknowledged_then_stale_after_one_more_approval(page: Page, live_app):
    url, db = live_app
    pairs = good_pairs(13)
    pairs[3] = pairs[1]  # an exact duplicate: a second kind of warning
    pairs[7] = (pairs[7][0], "Mail me at someone@example.com about the reboot?", pairs[7][2])
    ids = seed(db, pairs, approve=12)
    open_export(page, url)
    build(page)

    expect(page.get_by_text("The file passed validation. 12 examples")).to_be_visible()
    download = page.get_by_test_id("stDownloadButton").get_by_role("button")
    expect(download).to_be_disabled()
    ack = page.get_by_text("I have read the")
    expect(ack).to_be_visible()
    warned = page.get_by_test_id("stDataFrame").first
    assert (warned.bounding_box() or {"y": 1e9})["y"] < (ack.bounding_box() or {"y": 0})["y"]
    shoot(page, "warnings")
    ack.click()
    expect(download).to_be_enabled()
    with page.expect_download() as got:
        download.click()
    kept = list((db.parent / "exports").glob("*.jsonl"))
    assert len(kept) == 1
    assert Path(got.value.path()).read_bytes() == kept[0].read_bytes()

    # one more approval elsewhere: back on Export the report says it is out of date
    with opened(db) as conn:
        assert store.update_pair(conn, ids[12], {"status": "approved"}, expected_version=1,
                                 who="another reviewer") == "ok"
    page.get_by_role("link", name="Overview", exact=True).first.click()
    wait_idle(page)
    page.get_by_role("link", name="Export", exact=True).first.click()
    wait_idle(page)
    expect(page.get_by_text("This report is out of date:")).to_be_visible()
    expect(page.get_by_text("12 approved then, 13 now")).to_be_visible()
    expect(page.get_by_text("Download disabled: this report is out of date")).to_be_visible()
    expect(download).to_be_disabled()
    shoot(page, "stale")

    page.get_by_role("button", name="Rebuild").click()
    wait_idle(page)
    expect(page.get_by_text("The file passed validation. 13 examples")).to_be_visible()
    expect(page.get_by_text("This report is out of date:")).to_have_count(0)
    page.get_by_text("I have read the").click()
    expect(download).to_be_enabled()
    assert len(list((db.parent / "exports").glob("*.jsonl"))) == 2


def test_empty_database_points_to_import(page: Page, live_app):
    url, _ = live_app
    open_export(page, url)
    expect(page.get_by_text("There are no pairs yet.")).to_be_visible()
    shoot(page, "empty")
    page.get_by_role("button", name="Import conversations").click()
    page.wait_for_url("**/import")
    wait_idle(page)
