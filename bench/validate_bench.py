"""Validator speed and memory, measured against a plain cookbook checker in the same run.

Prints one metric per line:
  ours_s, naive_s, raw_encode_s   seconds on the same generated 100,000-example file
                                  (best of --repeat runs of each side)
  speedup = naive_s / ours_s      (target >= 3; ours checks a superset)
  floor   = raw_encode_s / ours_s (target >= 0.5)
  raw_loop_s, floor_loop          the same floor with a one-thread encode_ordinary loop
                                  (tiktoken's batch call is slower than that loop here)
  peak_rss_mb                     peak resident memory of a fresh process validating a
                                  ~1 GB file, with its worker processes (< 500): sampled every
                                  50 ms as the proportional set size summed over the process
                                  tree, so pages the forked workers share with the parent (the
                                  tokenizer) count once
  rss_sum_mb                      the same peak as a plain sum of each process's RSS (counts
                                  the shared pages once per process: an upper bound)
  parent_rss_mb, largest_worker_rss_mb   each process's own peak RSS

The baseline (``naive``) is a straightforward transcription of the OpenAI cookbook notebook
"Chat_finetuning_data_prep": it loads the file with ``json.loads`` per line, runs the
notebook's format-error checks per message, counts tokens with its
``num_tokens_from_messages`` (``encoding.encode`` of every value of every message, 3 per
message, 1 per name, 3 priming) and ``num_assistant_tokens_from_messages`` (assistant
content encoded again), counts examples without a system or user message, computes the
notebook's distributions, over-limit count, epochs and billed tokens. The one change: it
uses ``o200k_base`` like our validator (the notebook hard-codes ``cl100k_base``; both cost
the same to run). Ours additionally checks roles per key, weights, tool calls, special-token
text, personal data, exact and near duplicates, repeated answers and system prompts.

``floor`` is tiktoken's ``encode_ordinary_batch`` (default threads) over every message
content string, in batches of 1,000 strings, without any parsing; it is the price of the
token counting alone.

Flags: --quick (small sizes, for smoke tests), --skip-gb (skip the 1 GB memory run),
--examples N, --repeat N, --workers N (our validator's worker processes; default one per CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.tokens import get_encoding  # noqa: E402
from reviewer.validation import validate_file  # noqa: E402

SYSTEMS = [
    "You are a support engineer for Acme printers. Answer precisely and politely.",
    "당신은 네트워크 장비 고객지원 엔지니어입니다. 정확하고 친절하게 답하세요.",
    "You help customers with router, NAS and webcam problems; ask for model numbers.",
]
_EN = (
    "printer driver firmware update error code network cable reset install window tray  "
    "paper jam toner cartridge scanner router wifi band channel password admin page restart  "
    "power button light blinking orange green service replace warranty order shipping  "
    "serial model version log settings menu option screen"
)
EN_WORDS = _EN.split()
_KO = (
    "프린터 드라이버 펌웨어 업데이트 오류 코드 네트워크 케이블 초기화 "
    " 설치 창 용지 걸림 토너 카트리지 스캐너 공유기 와이파이 채널 "
    " 비밀번호 관리자 페이지 재시작 전원 버튼 표시등 깜빡임 주황색 "
    " 서비스 교체 보증 주문 배송 시리얼 모델 버전 로그 설정 메뉴 화면 "
    " 확인 부탁드립니다 했는데 안됩니다 어떻게 해야 하나요"
)
KO_WORDS = _KO.split()


def sentence(rnd: random.Random, korean: bool, n: int) -> str:
    words = KO_WORDS if korean else EN_WORDS
    out = " ".join(rnd.choice(words) for _ in range(n))
    return out[0].upper() + out[1:] + rnd.choice([".", "?", "!", "."])


def make_example(rnd: random.Random, i: int) -> dict:
    korean = rnd.random() < 0.4
    q = " ".join(sentence(rnd, korean, rnd.randint(6, 18)) for _ in range(rnd.randint(1, 4)))
    a = " ".join(sentence(rnd, korean, rnd.randint(8, 22)) for _ in range(rnd.randint(2, 8)))
    msgs = [{"role": "system", "content": SYSTEMS[i % 3]},
            {"role": "user", "content": f"{q} (case {i})"},
            {"role": "assistant", "content": a}]
    if rnd.random() < 0.15:
        msgs += [{"role": "user", "content": sentence(rnd, korean, rnd.randint(5, 12))},
                 {"role": "assistant", "content": sentence(rnd, korean, rnd.randint(8, 20))}]
    return {"messages": msgs}


def generate(path: Path, n: int | None = None, target_bytes: int | None = None) -> int:
    rnd = random.Random(7)
    written = count = 0
    with path.open("w", encoding="utf-8") as fh:
        while (n is not None and count < n) or (
                target_bytes is not None and written < target_bytes):
            line = json.dumps(make_example(rnd, count), ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode())
            count += 1
    return count


def naive(path: Path) -> tuple[dict, int]:
    """The cookbook notebook's checks and counting, transcribed (see the module docstring)."""
    encoding = get_encoding("o200k_base")
    with path.open(encoding="utf-8") as f:
        dataset = [json.loads(line) for line in f]

    # Format error checks
    format_errors: dict[str, int] = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight")
                   for k in message):
                format_errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1

    def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
        num_tokens = 0
        for message in messages:
            num_tokens += tokens_per_message
            for key, value in message.items():
                num_tokens += len(encoding.encode(value))
                if key == "name":
                    num_tokens += tokens_per_name
        num_tokens += 3
        return num_tokens

    def num_assistant_tokens_from_messages(messages):
        num_tokens = 0
        for message in messages:
            if message["role"] == "assistant":
                num_tokens += len(encoding.encode(message["content"]))
        return num_tokens

    def distribution(values):
        return (min(values), max(values), np.mean(values), np.median(values),
                np.quantile(values, 0.1), np.quantile(values, 0.9))

    # Warnings and token counts
    n_missing_system = 0
    n_missing_user = 0
    n_messages = []
    convo_lens = []
    assistant_message_lens = []
    for ex in dataset:
        messages = ex["messages"]
        if not any(message["role"] == "system" for message in messages):
            n_missing_system += 1
        if not any(message["role"] == "user" for message in messages):
            n_missing_user += 1
        n_messages.append(len(messages))
        convo_lens.append(num_tokens_from_messages(messages))
        assistant_message_lens.append(num_assistant_tokens_from_messages(messages))
    stats = [distribution(v) for v in (n_messages, convo_lens, assistant_message_lens)]
    n_too_long = sum(length > 16385 for length in convo_lens)

    # Epochs and billed tokens
    max_tokens_per_example = 16385
    target_epochs, min_target, max_target, min_epochs, max_epochs = 3, 100, 25000, 1, 25
    n_epochs = target_epochs
    n_train_examples = len(dataset)
    if n_train_examples * target_epochs < min_target:
        n_epochs = min(max_epochs, min_target // n_train_examples)
    elif n_train_examples * target_epochs > max_target:
        n_epochs = max(min_epochs, max_target // n_train_examples)
    billing = sum(min(max_tokens_per_example, length) for length in convo_lens)
    summary = {"errors": dict(format_errors), "missing_system": n_missing_system,
               "missing_user": n_missing_user, "too_long": n_too_long, "epochs": n_epochs,
               "stats": stats}
    return summary, billing


def raw_encode(path: Path, batch: int = 1000) -> tuple[int, float, float]:
    """Tokens of every content string: ``(tokens, batch seconds, one-thread loop seconds)``."""
    enc = get_encoding("o200k_base")
    strings = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            strings.extend(m["content"] for m in json.loads(line)["messages"])
    start = time.perf_counter()
    n = 0
    for i in range(0, len(strings), batch):
        n += sum(len(t) for t in enc.encode_ordinary_batch(strings[i:i + batch]))
    batch_s = time.perf_counter() - start
    start = time.perf_counter()
    encode = enc.encode_ordinary
    for s in strings:
        encode(s)
    return n, batch_s, time.perf_counter() - start


MEASURE = """
import resource, sys
sys.path.insert(0, {root!r})
from reviewer.validation import validate_file
r = validate_file({path!r}, workers={workers!r})
print(r.summary["examples"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _tree_kb(pid: int, field: str, source: str = "status") -> int:
    """Sum of a /proc/<pid>/<source> field (kB) over a process and its descendants (Linux).

    ``source="smaps_rollup", field="Pss:"`` gives the proportional set size (shared pages
    counted once)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/{source}") as fh:
                for line in fh:
                    if line.startswith(field):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure_memory(path: Path, workers: int | None) -> dict:
    """Validate ``path`` in a fresh process; sample the memory of it and its workers."""
    root = str(Path(__file__).resolve().parents[1])
    code = MEASURE.format(root=root, path=str(path), workers=workers)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    linux = os.path.isdir(f"/proc/{proc.pid}")
    while proc.poll() is None:
        if linux:
            peak_rss = max(peak_rss, _tree_kb(proc.pid, "VmRSS:"))
            peak_pss = max(peak_pss, _tree_kb(proc.pid, "Pss:", "smaps_rollup"))
        time.sleep(0.05)
    out = proc.stdout.read().split() if proc.stdout else []
    if proc.returncode != 0 or len(out) < 3:
        raise SystemExit(f"memory run failed (exit {proc.returncode})")
    own, child = int(out[1]), int(out[2])
    return {"seconds": time.perf_counter() - start, "examples": int(out[0]),
            # sampled sum over the tree; at least the largest single process's own peak
            "peak_rss_kb": max(peak_rss, own, child), "peak_pss_kb": peak_pss,
            "parent_rss_kb": own, "largest_worker_rss_kb": child}


def best(fn, repeat: int):
    """Best time of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-gb", action="store_true")
    ap.add_argument("--examples", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    n = args.examples or (2_000 if args.quick else 100_000)
    repeat = args.repeat or (1 if args.quick else 3)
    get_encoding("o200k_base")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, n=n)
        print(f"examples: {n}")
        print(f"file_mb: {path.stat().st_size / 2**20:.1f}")
        print(f"workers: {args.workers or os.cpu_count()}")
        ours_t, naive_t, raw_t, loop_t = [], [], [], []
        for _ in range(repeat):  # interleaved, so a busy moment hurts both sides alike
            t, report = best(lambda: validate_file(path, workers=args.workers), 1)
            ours_t.append(t)
            t, (_, billing) = best(lambda: naive(path), 1)
            naive_t.append(t)
            tokens, batch_s, loop_s = raw_encode(path)
            raw_t.append(batch_s)
            loop_t.append(loop_s)
        ours, slow, raw, loop = min(ours_t), min(naive_t), min(raw_t), min(loop_t)
        print(f"ours_s: {ours:.2f}")
        print(f"naive_s: {slow:.2f}")
        print(f"raw_encode_s: {raw:.2f}")
        print(f"raw_loop_s: {loop:.2f}")
        print(f"speedup: {slow / ours:.2f}")
        print(f"floor: {raw / ours:.2f}")
        print(f"floor_loop: {loop / ours:.2f}")
        print(f"billed_tokens_match: {report.summary['billed_tokens'] == billing}")
        print(f"ours_findings: {len(report.findings)}")
        path.unlink()
        if not args.skip_gb:
            big = Path(tmp) / "big.jsonl"
            size = (20 if args.quick else 1024) * 2**20
            generate(big, target_bytes=size)
            mem = measure_memory(big, args.workers)
            print(f"gb_file_mb: {big.stat().st_size / 2**20:.0f}")
            print(f"gb_examples: {mem['examples']}")
            print(f"gb_seconds: {mem['seconds']:.1f}")
            print(f"peak_rss_mb: {max(mem['peak_pss_kb'], mem['parent_rss_kb']) / 1024:.0f}")
            print(f"rss_sum_mb: {mem['peak_rss_kb'] / 1024:.0f}")
            print(f"parent_rss_mb: {mem['parent_rss_kb'] / 1024:.0f}")
            print(f"largest_worker_rss_mb: {mem['largest_worker_rss_kb'] / 1024:.0f}")


if __name__ == "__main__":
    main()
