"""Throughput of the LLM splitter run against the fake server with a fixed latency per call.

The ideal is concurrency ÷ latency (every worker always waiting on exactly one call). In the
same run it also measures a bare baseline: the same number of calls made with the openai
client from the same number of threads, without prompts, checks or database writes.

Then the same split again (``--redo``, same settings): every answer must come from the
response cache, so `cache_hit_ratio` is 1.0 and `second_run_calls` (calls actually made) 0.

Last, a Batch API split of `--batch-conversations` (60,000) against the fake server's files
and batches routes, with `--batch-max-requests` per batch so it is sharded: submitted,
polled to the end and stored; `batch_lost` counts conversations neither split, failed nor
reported missing (must be 0). Its prompt carries no few-shot examples, to keep the upload
small (the lines are otherwise the live request).

    python bench/split_bench.py [--quick] [--conversations N] [--concurrency C] [--latency S]
                                [--batch-conversations N] [--batch-max-requests N]

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
from fakes.batches import FakeBatches  # noqa: E402
from fakes.openai_server import FakeOpenAIServer, FakeServerProcess  # noqa: E402

from reviewer.db import connect, now_iso  # noqa: E402
from reviewer.jobs.store import ACTIVE  # noqa: E402
from reviewer.llm.batch import BatchLimits  # noqa: E402
from reviewer.models import Conversation, Turn, turns_to_json  # noqa: E402
from reviewer.splitting.batch import submit_batch  # noqa: E402
from reviewer.splitting.batch_poll import poll_batch  # noqa: E402
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


def cache_hits(db_path: Path, run_id: int | None) -> tuple[int, int]:
    """(calls made, answers from the cache) recorded for a run."""
    db = connect(db_path)
    try:
        made, cached = db.execute("SELECT count(*) - coalesce(sum(cached), 0), "
                                  "coalesce(sum(cached), 0) FROM llm_calls WHERE run_id = ?",
                                  [run_id]).fetchone()
    finally:
        db.close()
    return int(made), int(cached)


def batch_run(count: int, max_requests: int) -> dict[str, float]:
    """Submit, poll and store a batch split of `count` conversations; the figures."""
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer() as server:
        server.keep_requests = False
        FakeBatches(server)
        db_path = Path(tmp) / "batch.db"
        make_db(db_path, count)
        splitter = LLMSplitter("fake-model", base_url=server.base_url, examples=[],
                               max_retries=0, timeout=600)
        started = time.perf_counter()
        submission = submit_batch(db_path, splitter,
                                  limits=BatchLimits(max_requests=max_requests))
        assert submission.job_id is not None
        result = poll_batch(db_path, submission.job_id)
        while result.status in ACTIVE:
            result = poll_batch(db_path, submission.job_id)
        elapsed = time.perf_counter() - started
        db = connect(db_path)
        try:
            split, failed = db.execute(
                "SELECT sum(split_status = 'split'), sum(split_status = 'failed')"
                " FROM conversations").fetchone()
        finally:
            db.close()
    lost = count - int(split or 0) - int(failed or 0) - result.missing
    return {"batch_shards": len(submission.shards), "batch_conversations": count,
            "batch_split": int(split or 0), "batch_lost": lost, "batch_seconds": elapsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 conversations (smoke run)")
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per call")
    parser.add_argument("--batch-conversations", type=int, default=60_000)
    parser.add_argument("--batch-max-requests", type=int, default=25_000,
                        help="requests per batch (the provider allows 50,000)")
    args = parser.parse_args(argv)
    if args.latency <= 0 or args.concurrency < 1:
        parser.error("--latency must be > 0 and --concurrency ≥ 1")
    count = 64 if args.quick else args.conversations
    batch_count = 600 if args.quick else args.batch_conversations
    batch_limit = 250 if args.quick else args.batch_max_requests

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
        again = split_pending(db_path, splitter, concurrency=args.concurrency, redo=True)
        made, cached = cache_hits(db_path, again.run_id)
    batch = batch_run(batch_count, batch_limit)

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
    print(f"second_run_calls: {made}")
    print(f"cache_hit_ratio: {cached / max(1, made + cached):.3f}")
    for name, value in batch.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    ok = report.failed == 0 and made == 0 and batch["batch_lost"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
