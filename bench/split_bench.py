"""Throughput of the LLM splitter run against the fake server with a fixed latency per call.

The ideal is concurrency ÷ latency (every worker always waiting on exactly one call). In the
same run it also measures a bare baseline: the same number of calls made with the openai
client from the same number of threads, without prompts, checks or database writes.

    python bench/split_bench.py [--quick] [--conversations N] [--concurrency C] [--latency S]

Prints one ``name: value`` line per metric; `ratio` (run ÷ ideal) should be ≥ 0.8.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402
from fakes.openai_server import FakeServerProcess  # noqa: E402

from reviewer.db import connect, now_iso  # noqa: E402
from reviewer.models import Conversation, Turn, turns_to_json  # noqa: E402
from reviewer.splitting.llm import LLMSplitter  # noqa: E402
from reviewer.splitting.runner import split_pending  # noqa: E402


def make_db(path: Path, count: int) -> None:
    db = connect(path)
    rows = []
    for n in range(count):
        korean = n % 3 == 0
        if korean:
            turns = [Turn("customer", f"W5500 보드 {n}번에서 DHCP 임대가 갱신되지 않습니다."),
                     Turn("engineer", f"DHCP 클라이언트를 1초마다 호출해야 {n}번 보드도 "
                                      "임대를 갱신합니다.")]
        else:
            turns = [Turn("customer", f"Board {n}: the W5500 loses its DHCP lease after a day."),
                     Turn("engineer", f"Keep calling the DHCP client every second on board {n}."),
                     Turn("customer", f"Does board {n} need the same on the W7500P?"),
                     Turn("engineer", f"Yes, board {n} uses the same DHCP client on the W7500P.")]
        conversation = Conversation("bench.txt", f"line {n}", turns, "txt")
        rows.append({"id": conversation.content_id(), "source": "bench.txt",
                     "locator": f"line {n}", "fmt": "txt", "title": "", "external_id": "",
                     "text": conversation.text, "turns": turns_to_json(turns),
                     "imported_at": now_iso(), "split_status": "pending"})
    db["conversations"].insert_all(rows)
    db.close()


def baseline(server: FakeServerProcess, count: int, concurrency: int) -> float:
    """Calls per second for bare chat completions from `concurrency` threads."""
    client = openai.OpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0)
    message = [{"role": "user", "content": "<conversation>\nCustomer: hi\nEngineer: hello\n"
                                           "</conversation>"}]

    def call(_: int) -> None:
        client.chat.completions.create(model="fake-model", messages=message)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(call, range(concurrency)))  # open the connections first
        started = time.perf_counter()
        list(pool.map(call, range(count)))
        elapsed = time.perf_counter() - started
    client.close()
    return count / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 conversations (smoke run)")
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per call")
    args = parser.parse_args(argv)
    if args.latency <= 0 or args.concurrency < 1:
        parser.error("--latency must be > 0 and --concurrency ≥ 1")
    count = 64 if args.quick else args.conversations

    # The server runs in its own process: in this one its request parsing and JSON work
    # would compete with the splitter's threads for the GIL and slow both sides.
    with tempfile.TemporaryDirectory() as tmp, FakeServerProcess(args.latency) as server:
        db_path = Path(tmp) / "bench.db"
        make_db(db_path, count)
        base_per_s = baseline(server, count, args.concurrency)

        splitter = LLMSplitter("fake-model", base_url=server.base_url, max_retries=0,
                               timeout=30)
        started = time.perf_counter()
        report = split_pending(db_path, splitter, concurrency=args.concurrency)
        elapsed = time.perf_counter() - started

    per_s = count / elapsed
    ideal = args.concurrency / args.latency
    print(f"conversations: {count}")
    print(f"concurrency: {args.concurrency}")
    print(f"latency_s: {args.latency}")
    print(f"split: {report.split}")
    print(f"failed: {report.failed}")
    print(f"pairs_created: {report.pairs_created}")
    print(f"seconds: {elapsed:.3f}")
    print(f"conversations_per_s: {per_s:.1f}")
    print(f"ideal_per_s: {ideal:.1f}")
    print(f"baseline_per_s: {base_per_s:.1f}")
    print(f"ratio_vs_baseline: {per_s / base_per_s:.3f}")
    print(f"ratio: {per_s / ideal:.3f}")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
