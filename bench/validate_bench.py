"""Validator speed and memory, measured against a straightforward cookbook-style checker.

Prints one metric per line:
  ours_s, naive_s, raw_encode_s  seconds on the same generated file
  speedup = naive_s / ours_s     (target >= 3; ours checks a superset)
  floor   = raw_encode_s / ours_s (target >= 0.5)
  peak_rss_mb                    peak RSS of a fresh process validating a ~1 GB file (< 500)

Flags: --quick (small sizes, for smoke tests), --skip-gb (skip the 1 GB memory run),
--examples N.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def naive(path: Path) -> tuple[int, int]:
    """A direct per-message version of the cookbook notebook's checks and counting."""
    enc = get_encoding("o200k_base")
    errors = 0
    totals = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            ex = json.loads(line)
            if not isinstance(ex, dict):
                errors += 1
                continue
            messages = ex.get("messages")
            if not messages:
                errors += 1
                continue
            for message in messages:
                if "role" not in message or "content" not in message:
                    errors += 1
                if any(k not in ("role", "content", "name", "function_call", "weight")
                       for k in message):
                    errors += 1
                if message.get("role") not in ("system", "user", "assistant", "function"):
                    errors += 1
                content = message.get("content")
                if (not content and not message.get("function_call")) or not isinstance(
                        content, str):
                    errors += 1
            if not any(m.get("role") == "assistant" for m in messages):
                errors += 1
            n = 3
            for message in messages:
                n += 3
                for key, value in message.items():
                    n += len(enc.encode(value))
                    if key == "name":
                        n += 1
            totals.append(n)
            assistant = sum(len(enc.encode(m["content"])) for m in messages
                            if m["role"] == "assistant")
            totals.append(assistant)
    return errors, sum(totals)


def raw_encode(path: Path) -> int:
    enc = get_encoding("o200k_base")
    strings = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            strings.extend(m["content"] for m in json.loads(line)["messages"])
    start = time.perf_counter()
    n = sum(len(t) for t in enc.encode_ordinary_batch(strings))
    return n, time.perf_counter() - start


MEASURE = """
import resource, sys
sys.path.insert(0, {root!r})
from reviewer.validation import validate_file
r = validate_file({path!r})
print(r.summary["examples"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-gb", action="store_true")
    ap.add_argument("--examples", type=int, default=None)
    args = ap.parse_args()
    n = args.examples or (2_000 if args.quick else 100_000)
    get_encoding("o200k_base")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, n=n)
        print(f"examples: {n}")
        print(f"file_mb: {path.stat().st_size / 2**20:.1f}")
        start = time.perf_counter()
        report = validate_file(path)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        naive(path)
        slow = time.perf_counter() - start
        _, raw = raw_encode(path)
        print(f"ours_s: {ours:.2f}")
        print(f"naive_s: {slow:.2f}")
        print(f"raw_encode_s: {raw:.2f}")
        print(f"speedup: {slow / ours:.2f}")
        print(f"floor: {raw / ours:.2f}")
        print(f"ours_findings: {len(report.findings)}")
        path.unlink()
        if not args.skip_gb:
            big = Path(tmp) / "big.jsonl"
            size = (20 if args.quick else 1024) * 2**20
            generate(big, target_bytes=size)
            root = str(Path(__file__).resolve().parents[1])
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", MEASURE.format(root=root, path=str(big))],
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"gb_file_mb: {big.stat().st_size / 2**20:.0f}")
            print(f"gb_examples: {out[0]}")
            print(f"gb_seconds: {time.perf_counter() - start:.1f}")
            print(f"peak_rss_mb: {int(out[1]) / 1024:.0f}")


if __name__ == "__main__":
    main()
