"""Review page server-side run time with 100,000 pairs in the database vs 1,000.

Seeds two SQLite files (bulk insert in one transaction), then runs the real Review page
through Streamlit's AppTest, alternating between the two databases, and reports the median
run time of each and their ratio (target <= 1.5: the page costs about the same whatever
the table size) for three views measured in the same run: the default view (`ratio`), a
common search term matching two thirds of the pairs (`ratio_search`) and the last page of
the default view (`ratio_last_page`).

    python bench/review_page_bench.py            # 1,000 vs 100,000 pairs
    python bench/review_page_bench.py --quick    # 200 vs 5,000, fewer runs (smoke test)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.db import DB_ENV_VAR, connect, now_iso  # noqa: E402
from reviewer.review import store  # noqa: E402

QUESTIONS = [
    "My {p} keeps dropping the connection every evening after the firmware update. What can I do?",
    "{p} 장비에서 전원을 켜면 오류 코드 E{n}가 표시됩니다. 어떻게 해결하나요?",
    "How do I reset the admin password on the {p} without losing the configuration?",
]
ANSWERS = [
    "Open the {p} web console, go to System > Firmware and roll back to the previous release. "
    "Then disable band steering and reboot; the drops stop in most cases. If they do not, send "
    "us the diagnostic bundle from System > Support so we can check the radio logs.",
    "{p}의 뒷면 리셋 버튼을 5초간 누른 뒤 관리 페이지에서 "
    "펌웨어를 최신 버전으로 업데이트해 주세요. "
    "같은 오류가 반복되면 진단 로그를 첨부해 다시 문의해 주시기 바랍니다.",
]
PRODUCTS = ["X200 router", "P7 printer", "NAS-4 storage", "AP-9 access point"]


def seed(path: Path, n: int, per_conversation: int = 4) -> float:
    """Create a database with ``n`` pairs; returns the seconds it took."""
    started = time.perf_counter()
    db = connect(path)
    at = now_iso()
    conversations, rows = [], []
    for i in range(n):
        product = PRODUCTS[i % len(PRODUCTS)]
        conv = f"c{i // per_conversation:08d}"
        question = QUESTIONS[i % len(QUESTIONS)].format(p=product, n=i)
        answer = ANSWERS[i % len(ANSWERS)].format(p=product)
        if i % per_conversation == 0:
            turns = [{"role": "customer", "speaker": "Customer", "text": question},
                     {"role": "engineer", "speaker": "Engineer", "text": answer}]
            conversations.append([conv, "bench.txt", f"line {i + 1}", "txt",
                                  f"Customer: {question}\nEngineer: {answer}",
                                  json.dumps(turns, ensure_ascii=False), at, "split", "rules"])
        status = ("pending", "approved", "rejected", "pending")[i % 4]
        rows.append(store.NewPair(conv, f"{product} support conversation.", question,
                                  f"{answer} (#{i})", position=i % per_conversation,
                                  status=status, origin="rules"))
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at,"
            " split_status, splitter) VALUES (?,?,?,?,?,?,?,?,?)", conversations)
        store.add_pairs(db, rows, who="bench")
    db.close()
    return time.perf_counter() - started


def open_review(path: Path):
    from streamlit.testing.v1 import AppTest

    os.environ[DB_ENV_VAR] = str(path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["reviewer_name"] = "bench"
    at.session_state["rv_mode"] = "Table"  # the table view pages through every status
    at.session_state["rv_status"] = "all"
    at.run()
    at.switch_page("pages/review.py").run()
    if at.exception or not at.data_editor:
        raise SystemExit(f"review page failed on {path}: {at.exception}")
    return at


def timed_run(at, path: Path) -> float:
    os.environ[DB_ENV_VAR] = str(path)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"review page failed on {path}: {at.exception}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    small, large = (200, 5_000) if args.quick else (1_000, 100_000)
    runs = args.runs or (3 if args.quick else 9)

    with tempfile.TemporaryDirectory() as tmp:
        small_db, large_db = Path(tmp) / "small.db", Path(tmp) / "large.db"
        seed_small = seed(small_db, small)
        seed_large = seed(large_db, large)
        print(f"seed_s_small: {seed_small:.2f}")
        print(f"seed_s_large: {seed_large:.2f}")

        scenarios = {
            "": lambda at: None,  # default view: all statuses, first page
            "_search": lambda at: at.text_input(key="rv_search").set_value("firmware"),
            "_last_page": lambda at: at.session_state.__setitem__(
                "rv_page", at.pagination(key="rv_page").num_pages),
        }
        results: dict[str, tuple[float, float]] = {}
        for name, prepare in scenarios.items():
            at_small, at_large = open_review(small_db), open_review(large_db)
            prepare(at_small)
            prepare(at_large)
            timed_run(at_small, small_db)  # warm-up (and apply the scenario's widget state)
            timed_run(at_large, large_db)
            t_small, t_large = [], []
            for _ in range(runs):  # alternate, so machine noise hits both sides alike
                t_small.append(timed_run(at_small, small_db))
                t_large.append(timed_run(at_large, large_db))
            results[name] = (statistics.median(t_small), statistics.median(t_large))

    tag_small = "1k" if small == 1_000 else str(small)
    tag_large = "100k" if large == 100_000 else str(large)
    for name, (s, lg) in results.items():
        if name:
            print(f"run_s_{tag_small}{name}: {s:.4f}")
            print(f"run_s_{tag_large}{name}: {lg:.4f}")
            print(f"ratio{name}: {lg / s:.2f}")
    s, lg = results[""]
    print(f"run_s_{tag_small}: {s:.4f}")
    print(f"run_s_{tag_large}: {lg:.4f}")
    print(f"ratio: {lg / s:.2f}")


if __name__ == "__main__":
    main()
