"""Server time of one review action at 200,000 pairs vs 1,000.

One action is what a reviewer's A key costs the server in the focus view: approve the pair
on screen, step to the next pair of the queue and draw the page again. It is measured two
ways, alternating between the two databases so machine noise hits both alike:

- ``action_s_*``: the real Review page through Streamlit's AppTest, one click of Approve
  (the button callback and the page run that follows); ``ratio`` compares the two sizes.
- ``store_s_*``: only the pairs-store calls that action makes (the write, the step, and
  every read the focus view does), which shows the scaling without the page's fixed cost;
  ``ratio_store`` compares them, and ``query_ms_*`` names the cost of each read.

Each database holds conversations of four pairs imported from several files; the first
half of the pairs in source order is already decided (by someone else, mostly approved), the
second half is pending, so the reviewer stands half-way through the work. Databases are
built with the importer's conversation writer and `store.add_pairs` in batches.

    python bench/review_action_bench.py            # 1,000 vs 200,000 pairs
    python bench/review_action_bench.py --quick    # 200 vs 5,000, fewer runs (smoke test)
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.db import DB_ENV_VAR, connect, now_iso  # noqa: E402
from reviewer.importing.store import ConversationWriter  # noqa: E402
from reviewer.models import Conversation, Turn  # noqa: E402
from reviewer.review import PairFilter, store  # noqa: E402

PER_CONVERSATION = 4
CONVERSATIONS_PER_FILE = 5_000
BATCH = 5_000
REVIEWER = "bench reviewer"
PRODUCTS = ["X200 router", "P7 printer", "NAS-4 storage", "AP-9 access point"]


def _texts(i: int) -> tuple[str, str]:
    product = PRODUCTS[i % len(PRODUCTS)]
    if i % 2:
        return (f"{product} 장비에서 전원을 켜면 오류 코드 E{i}가 표시됩니다. 어떻게 해결하나요?",
                f"{product}의 뒷면 리셋 버튼을 5초간 누른 뒤 관리 페이지에서 펌웨어를 최신 "
                f"버전으로 업데이트해 주세요. 같은 오류가 반복되면 진단 로그를 첨부해 주세요. "
                f"(#{i})")
    return (f"My {product} keeps dropping the connection every evening (case {i}). "
            "What can I do?",
            f"Open the {product} web console, go to System > Firmware and roll back to the "
            "previous release, then disable band steering and reboot. If the drops continue, "
            f"send us the diagnostic bundle from System > Support. (#{i})")


def seed(path: Path, n: int) -> float:
    """A database with ``n`` pairs (first half decided, second half pending); seconds taken."""
    started = time.perf_counter()
    db = connect(path)
    try:
        writer = ConversationWriter(db, run_id=None, imported_at=now_iso())
        conversation_ids: list[str] = []
        for c in range(-(-n // PER_CONVERSATION)):
            turns = []
            for i in range(c * PER_CONVERSATION, min(n, (c + 1) * PER_CONVERSATION)):
                question, answer = _texts(i)
                turns += [Turn("customer", question, "Customer"),
                          Turn("engineer", answer, "Engineer")]
            conversation = Conversation(f"dump_{c // CONVERSATIONS_PER_FILE:02d}.txt",
                                        f"line {c * 9 + 1}", turns, "txt")
            conversation_ids.append(conversation.content_id())
            writer.add(conversation)
        writer.flush()
        batch: list[store.NewPair] = []
        for i in range(n):
            question, answer = _texts(i)
            decided = i < n // 2
            status = ("rejected" if i % 10 == 0 else "approved") if decided else "pending"
            place = i % PER_CONVERSATION
            batch.append(store.NewPair(
                conversation_ids[i // PER_CONVERSATION], "Support conversation.", question,
                answer, position=place, status=status, origin="rules",
                question_turns=(2 * place,), answer_turns=(2 * place + 1,)))
            if len(batch) == BATCH:
                store.add_pairs(db, batch, who="splitter:rules")
                batch = []
        if batch:
            store.add_pairs(db, batch, who="splitter:rules")
    finally:
        db.close()
    return time.perf_counter() - started


# ---- the store calls of one action ---------------------------------------------------------

def focus_reads(db, where: PairFilter, pid: int) -> dict[str, Callable[[], object]]:
    """Every read the focus view makes to draw pair ``pid`` (in the order it makes them)."""
    pair = store.get_pair(db, pid)
    assert pair is not None
    today = datetime.now(UTC).date().isoformat()
    return {
        "get_pair": lambda: store.get_pair(db, pid),
        # the source-file list is kept per session; each run only checks for new imports
        "sources": lambda: db.execute("SELECT coalesce(max(rowid), 0) FROM conversations"
                                      ).fetchone(),
        "progress": lambda: store.progress(db, where),
        "queue_size": lambda: store.match_window(db, where),
        "matches": lambda: store.page_ids(db, where, offset=0, limit=1, after_id=pid - 1,
                                          before_id=pid + 1),
        "queue_index": lambda: store.queue_index(db, where, pid),
        "pace": lambda: store.pace(db, REVIEWER, today),
        "conversation": lambda: store.get_conversation(db, pair["conversation_id"]),
    }


def store_action(db, where: PairFilter, pid: int) -> tuple[float, int, dict[str, float]]:
    """Approve ``pid``, step to the next pair, read what the page shows; (seconds, next id,
    seconds per read)."""
    started = time.perf_counter()
    pair = store.get_pair(db, pid)
    assert pair is not None
    assert store.update_pair(db, pid, {"status": "approved"},
                             expected_version=int(pair["version"]), who=REVIEWER) == store.OK
    following = store.queue_step(db, where, pid)
    assert following is not None
    per_read: dict[str, float] = {}
    for name, read in focus_reads(db, where, following).items():
        t = time.perf_counter()
        read()
        per_read[name] = time.perf_counter() - t
    return time.perf_counter() - started, following, per_read


# ---- the page --------------------------------------------------------------------------------

def open_review(path: Path):
    from streamlit.testing.v1 import AppTest

    os.environ[DB_ENV_VAR] = str(path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["reviewer_name"] = REVIEWER
    at.run()
    at.switch_page("pages/review.py").run()
    if at.exception or not any(b.key == "rv_approve" for b in at.button):
        raise SystemExit(f"review page failed on {path}: {at.exception}")
    return at


def page_action(at, path: Path) -> float:
    os.environ[DB_ENV_VAR] = str(path)
    before = at.session_state["rv_current"]
    button = at.button(key="rv_approve")
    started = time.perf_counter()
    button.click().run()
    elapsed = time.perf_counter() - started
    if at.exception or at.session_state["rv_current"] == before:
        raise SystemExit(f"approve did not move on in {path}: {at.exception}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    for name in ["streamlit", *logging.root.manager.loggerDict]:
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    small, large = (200, 5_000) if args.quick else (1_000, 200_000)
    runs = args.runs or (3 if args.quick else 15)

    with tempfile.TemporaryDirectory() as tmp:
        paths = {small: Path(tmp) / "small.db", large: Path(tmp) / "large.db"}
        for n, path in paths.items():
            print(f"seed_s_{n}: {seed(path, n):.1f}")

        where = PairFilter.of("pending")
        dbs = {n: connect(path) for n, path in paths.items()}
        try:
            current = {n: store.queue_first(db, where) for n, db in dbs.items()}
            store_times: dict[int, list[float]] = {small: [], large: []}
            reads: dict[int, dict[str, list[float]]] = {small: {}, large: {}}
            for index in range(runs + 1):  # the first round warms the caches
                for n, db in dbs.items():
                    seconds, current[n], per_read = store_action(db, where, int(current[n]))
                    if index:
                        store_times[n].append(seconds)
                        for name, value in per_read.items():
                            reads[n].setdefault(name, []).append(value)
        finally:
            for db in dbs.values():
                db.close()

        pages = {n: open_review(path) for n, path in paths.items()}
        page_times: dict[int, list[float]] = {small: [], large: []}
        for index in range(runs + 1):
            for n, path in paths.items():
                seconds = page_action(pages[n], path)
                if index:
                    page_times[n].append(seconds)

    for n in (small, large):
        for name, values in reads[n].items():
            print(f"query_ms_{name}_{n}: {statistics.median(values) * 1000:.3f}")
    s_store, l_store = (statistics.median(store_times[n]) for n in (small, large))
    print(f"store_s_{small}: {s_store:.5f}")
    print(f"store_s_{large}: {l_store:.5f}")
    print(f"ratio_store: {l_store / s_store:.2f}")
    s_page, l_page = (statistics.median(page_times[n]) for n in (small, large))
    print(f"action_s_{small}: {s_page:.4f}")
    print(f"action_s_{large}: {l_page:.4f}")
    print(f"ratio: {l_page / s_page:.2f}")


if __name__ == "__main__":
    main()
