"""Screenshots of every page at 1440×900, on a first-run database and on one with the whole
loop in it, for reading the pages the way a person sees them.

The full database: the bundled samples split by the rules splitter, most pairs approved (a
few edited, a few rejected or deleted, some left pending), the pairs spread over two prompt
versions, three few-shot examples, an export with a held-out share, a fine-tuning job on the
loopback fake provider followed to the end, a base-vs-tuned evaluation and one weak cluster
sent back to review. Nothing leaves this machine.

    python bench/screens.py OUT_DIR            # empty-*.png and full-*.png in OUT_DIR
    python bench/screens.py OUT_DIR --keep DB  # also keep the full database at DB
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from eval_loop_demo import BASE_MODEL, scripted_models  # noqa: E402
from fakes.fine_tuning import FakeFineTuning  # noqa: E402
from fakes.openai_server import FakeOpenAIServer  # noqa: E402

from reviewer.cli import cli  # noqa: E402
from reviewer.commands.demo import build_demo  # noqa: E402
from reviewer.db import connect  # noqa: E402
from reviewer.prompts import fewshot_set  # noqa: E402
from reviewer.prompts.versions import record_version  # noqa: E402
from reviewer.review import PairFilter, store  # noqa: E402

CHROMIUM = os.environ.get("REVIEWER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}
PAGES = ("overview", "import", "review", "export", "train", "evaluate", "prompt")
SPLIT_MODEL = "gpt-4o-mini-2024-07-18"


def cli_json(db_path: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--db", str(db_path), *args, "--json"])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"reviewer {' '.join(args[:3])} failed: {result.output}")
    return json.loads(result.stdout)


def _korean(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def _spread_over_versions(db, pair_ids: list[int]) -> None:
    """Give the split pairs two prompt versions, as two LLM splits would have."""
    first = record_version(db, "Split the support conversation into question/answer pairs.",
                           [], label="v1 · no examples")
    second = record_version(db, "Split the support conversation into question/answer pairs. "
                            "Skip greetings and thanks.", [{"role": "user", "content": "…"},
                                                           {"role": "assistant",
                                                            "content": "…"}],
                            label="v2 · greetings rule + 1 example")
    half = len(pair_ids) // 2
    for ids, version in ((pair_ids[:half], first), (pair_ids[half:], second)):
        db.conn.executemany("UPDATE pairs SET prompt_version_id = ?, model = ? WHERE id = ?",
                       [(version, SPLIT_MODEL, i) for i in ids])


def _review_like_a_person(db, pair_ids: list[int]) -> None:
    """Edits, rejections and deletions, more of them on the first version's pairs."""
    for n, pair_id in enumerate(pair_ids):
        pair = store.get_pair(db, pair_id)
        assert pair is not None
        first_half = n < len(pair_ids) // 2
        if n % 9 == 4:
            continue  # left pending
        if n % (5 if first_half else 11) == 1:
            change = {"status": "rejected"}
        elif n % 13 == 7:
            change = {"status": "deleted"}
        elif n % (3 if first_half else 7) == 0:
            change = {"status": "approved",
                      "answer": pair["answer"].rstrip() + (" 추가 안내는 매뉴얼 3장을 참고하세요."
                                                           if _korean(pair["answer"])
                                                           else " See chapter 3 of the manual.")}
        else:
            change = {"status": "approved"}
        store.update_pair(db, pair_id, change, expected_version=pair["version"], who="Kim")


def build_full(db_path: Path, work: Path, server: FakeOpenAIServer, embedder: str) -> None:
    FakeFineTuning(server)
    build_demo(db_path)
    db = connect(db_path)
    try:
        ids = [p["id"] for p in store.page(db, PairFilter.of("pending", ""), offset=0,
                                             limit=10_000)]
        _spread_over_versions(db, ids)
        _review_like_a_person(db, ids)
        approved = [p["id"] for p in store.page(db, PairFilter.of("approved", ""), offset=0,
                                                  limit=10_000)]
        english = [i for i in approved if not _korean(store.get_pair(db, i)["question"])]
        korean = [i for i in approved if _korean(store.get_pair(db, i)["question"])]
        chosen = [english[0], korean[0]]
        for pair_id in chosen:
            fewshot_set.promote_pair(db, pair_id, who="Kim")
        used = {store.get_pair(db, i)["conversation_id"] for i in chosen}
        for pair_id in reversed(english):  # a whole conversation with nothing pending
            conversation = store.get_pair(db, pair_id)["conversation_id"]
            if conversation in used:
                continue
            try:
                fewshot_set.promote_conversation(db, conversation, who="Kim")
                break
            except fewshot_set.FewShotSetError:
                used.add(conversation)
        db.conn.commit()
    finally:
        db.close()

    out = work / "out"
    exported = cli_json(db_path, "export", str(out / "support.jsonl"), "--holdout", "0.3")
    if not exported["ok"]:
        raise SystemExit(f"the export was refused: {exported['counts']}")
    job = cli_json(db_path, "train", "start", str(out / "support.manifest.json"),
                   "--provider", "fake", "--model", BASE_MODEL, "--suffix", "support")
    followed = cli_json(db_path, "train", "follow", str(job["id"]), "--every", "0.01")
    cli_json(db_path, "train", "metrics", str(job["id"]))
    tuned = followed["result"]["fine_tuned_model"]
    scripted_models(out / "support.valid.jsonl", tuned).install(server)
    evaluated = cli_json(db_path, "eval", "run", "--split", "valid", "--model", tuned,
                         "--base-model", BASE_MODEL, "--provider", "fake",
                         "--embedder", embedder)
    cli_json(db_path, "eval", "send-back", str(evaluated["run_id"]), "--cluster", "1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_app(db_path: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on loopback over ``db_path``; yields its URL."""
    port = _free_port()
    env = {**os.environ, "REVIEWER_DB": str(db_path)}
    env.pop("OPENAI_API_KEY", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    raise SystemExit("streamlit exited early:\n" + log_path.read_text())
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("streamlit did not become healthy in 90 s")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_idle(page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=90_000)
    page.get_by_test_id("stSkeleton").first.wait_for(state="detached", timeout=90_000)


# The element that scrolls: Streamlit keeps the page at the window's height and scrolls its
# main area, so a "full page" screenshot would show only the first screen.
_SCROLLER = """() => {
  const all = [...document.querySelectorAll('[data-testid="stMain"], section, div')];
  const el = all.find(e => e.scrollHeight > e.clientHeight + 4 &&
                           getComputedStyle(e).overflowY.match(/auto|scroll/) &&
                           e.clientWidth > 800);
  if (!el) return [0, 0];
  el.setAttribute('data-screens-scroller', '1');
  return [el.scrollHeight, el.clientHeight];
}"""
MAX_FRAMES = 8


def _frames(page, out: Path, stem: str) -> list[Path]:
    """The page as a person scrolls it: one 1440×900 picture per screen, top to bottom."""
    height, visible = page.evaluate(_SCROLLER)
    paths = []
    frame, top = 1, 0
    while True:
        path = out / f"{stem}-{frame}.png"
        page.screenshot(path=str(path))
        paths.append(path)
        if not visible or top + visible >= height or frame >= MAX_FRAMES:
            return paths
        top += visible - 80  # a little overlap, so no line is cut in two unseen
        page.evaluate(f"document.querySelector('[data-screens-scroller]').scrollTop = {top}")
        page.wait_for_timeout(400)
        frame += 1


def shoot(url: str, out: Path, prefix: str, *, refresh_train: bool = False) -> list[Path]:
    from playwright.sync_api import sync_playwright

    taken = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking"])
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.add_cookies([{"name": "reviewer_name", "value": quote("검토자 Kim", safe=""),
                                  "url": url}])
            page = context.new_page()
            page.set_default_timeout(90_000)
            for name in PAGES:
                page.goto(f"{url}/{name}")
                page.get_by_test_id("stSidebar").wait_for()
                _wait_idle(page)
                if name == "train" and refresh_train:
                    button = page.get_by_role("button", name="Refresh from the provider")
                    if button.count():
                        button.first.click()
                        _wait_idle(page)
                page.wait_for_timeout(1500)  # charts draw after the script ends
                taken += _frames(page, out, f"{prefix}-{name}")
        finally:
            browser.close()
    return taken


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="Directory for the PNG files.")
    parser.add_argument("--encoder", action="store_true",
                        help="Score the evaluation with the sentence encoder (slower) instead "
                             "of hashed n-grams.")
    parser.add_argument("--keep", type=Path, help="Copy the full database here.")
    parser.add_argument("--only", choices=["empty", "full"], help="Only one of the two sets.")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer() as server:
        work = Path(tmp)
        providers = work / "providers.toml"
        providers.write_text(f'[providers.fake]\nbase_url = "{server.base_url}"\n', "utf-8")
        os.environ["REVIEWER_PROVIDERS"] = str(providers)
        taken: list[Path] = []
        if args.only != "full":
            empty = work / "empty.db"
            connect(empty).close()
            with live_app(empty, work / "empty.log") as url:
                taken += shoot(url, args.out, "empty")
        if args.only != "empty":
            full = work / "full.db"
            build_full(full, work, server, "use" if args.encoder else "hash")
            if args.keep:
                shutil.copy(full, args.keep)
            with live_app(full, work / "full.log") as url:
                taken += shoot(url, args.out, "full", refresh_train=True)
    for path in taken:
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
