"""Validator speed against the price of its token counting, and its memory, in one run.

Generates a JSONL file of English and Korean support examples (200,000 by default) and
prints one metric per line:
  examples, file_mb
  raw_batch_s     tiktoken's ``encode_ordinary_batch`` alone over every message content of
                  the file, in batches as the validator makes them (the lines are read and
                  parsed outside the timing): the price of exact token counts
  raw_loop_s      the same strings through a plain ``encode_ordinary`` loop, for reference
  validate_s      ``validate_file`` on the file (every rule, tokens, duplicates, PII)
  floor           raw_batch_s / validate_s (target >= 0.5)
  peak_rss_mb     peak resident memory of a fresh process that loads the tokenizer and
                  validates the file (target < 400); the file is streamed, never held
  findings        findings listed in the report

Each side runs ``--repeat`` times, interleaved so a busy moment hurts both alike; the best
time of each is used. The validator runs in a fresh process each time (its own peak memory).

With --datasketch (the package installed by hand), the near-duplicate part alone is also
done with datasketch's MinHash and MinHashLSH in a fresh process, printing its seconds and
peak memory: the reason this project keeps its own numpy MinHash.

Flags: --quick (2,000 examples, one round, for smoke tests), --examples N, --repeat N,
--datasketch.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.tokens import get_encoding  # noqa: E402
from reviewer.validation.engine import BATCH  # noqa: E402

SYSTEMS = [
    "You are a support engineer for Acme printers. Answer precisely and politely.",
    "당신은 네트워크 장비 고객지원 엔지니어입니다. 정확하고 친절하게 답하세요.",
    "You help customers with router, NAS and webcam problems; ask for model numbers.",
]
_EN = (
    "printer driver firmware update error code network cable reset install window tray "
    "paper jam toner cartridge scanner router wifi band channel password admin page restart "
    "power button light blinking orange green service replace warranty order shipping "
    "serial model version log settings menu option screen"
)
EN_WORDS = _EN.split()
_KO = (
    "프린터 드라이버 펌웨어 업데이트 오류 코드 네트워크 케이블 초기화 설치 창 용지 걸림 토너 "
    "카트리지 스캐너 공유기 와이파이 채널 비밀번호 관리자 페이지 재시작 전원 버튼 표시등 깜빡임 "
    "주황색 서비스 교체 보증 주문 배송 시리얼 모델 버전 로그 설정 메뉴 화면 확인 부탁드립니다 "
    "했는데 안됩니다 어떻게 해야 하나요"
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


def generate(path: Path, n: int) -> None:
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(make_example(rnd, i), ensure_ascii=False) + "\n")


def raw_encode(path: Path) -> tuple[float, float]:
    """Seconds spent in ``encode_ordinary_batch`` and in an ``encode_ordinary`` loop over
    every message content, a validator batch of examples at a time (file streamed)."""
    enc = get_encoding("o200k_base")
    batch_s = loop_s = 0.0

    def count(strings: list[str]) -> None:
        nonlocal batch_s, loop_s
        start = time.perf_counter()
        enc.encode_ordinary_batch(strings)
        batch_s += time.perf_counter() - start
        start = time.perf_counter()
        for s in strings:
            enc.encode_ordinary(s)
        loop_s += time.perf_counter() - start

    strings: list[str] = []
    examples = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            strings.extend(m["content"] for m in json.loads(line)["messages"])
            examples += 1
            if examples % BATCH == 0:
                count(strings)
                strings = []
    if strings:
        count(strings)
    return batch_s, loop_s


MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from reviewer.tokens import get_encoding
from reviewer.validation import validate_file
get_encoding("o200k_base")
start = time.perf_counter()
report = validate_file({path!r})
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "examples": report.summary["examples"],
                  "findings": len(report.findings),
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def validate_in_fresh_process(path: Path) -> dict:
    code = MEASURE.format(root=str(ROOT), path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"validation run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


DATASKETCH = """
import json, resource, sys, time
import numpy as np
from datasketch import MinHash, MinHashLSH
sys.path.insert(0, {root!r})
from reviewer.validation.dedupe import normalise
base = MinHash(num_perm=32, seed=1)
lsh = MinHashLSH(num_perm=32, params=(8, 4))
start = time.perf_counter()
with open({path!r}, encoding="utf-8") as fh:
    for i, line in enumerate(fh):
        msgs = json.loads(line)["messages"]
        text = normalise(" ".join(m["content"] for m in msgs if m["role"] != "system"))
        shingles = np.array([hash(text[j:j + 5]) & 0xFFFFFFFF for j in range(len(text) - 4)],
                            dtype=np.uint64)
        m = MinHash(num_perm=32, seed=1, hashfunc=int, permutations=base.permutations,
                    scheme=base.scheme)
        m.update_batch(shingles)
        lsh.query(m)
        lsh.insert(i, m, check_duplication=False)
print(json.dumps({{"seconds": time.perf_counter() - start,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def datasketch_near_duplicates(path: Path) -> dict:
    """datasketch (not a dependency; installed by hand) doing the near-duplicate part alone:
    MinHash of 5-character shingles with a fast hash, MinHashLSH 8x4 query + insert."""
    code = DATASKETCH.format(root=str(ROOT), path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"datasketch run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--examples", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--datasketch", action="store_true",
                    help="also time datasketch's MinHash LSH on the same examples")
    args = ap.parse_args()
    n = args.examples or (2_000 if args.quick else 200_000)
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, n)
        print(f"examples: {n}")
        print(f"file_mb: {path.stat().st_size / 2**20:.1f}")
        batch_t, loop_t, runs = [], [], []
        for _ in range(repeat):
            batch_s, loop_s = raw_encode(path)
            batch_t.append(batch_s)
            loop_t.append(loop_s)
            runs.append(validate_in_fresh_process(path))
        ours = min(r["seconds"] for r in runs)
        assert all(r["examples"] == n for r in runs)
        print(f"raw_batch_s: {min(batch_t):.2f}")
        print(f"raw_loop_s: {min(loop_t):.2f}")
        print(f"validate_s: {ours:.2f}")
        print(f"floor: {min(batch_t) / ours:.2f}")
        print(f"peak_rss_mb: {max(r['peak_kb'] for r in runs) / 1024:.0f}")
        print(f"findings: {runs[-1]['findings']}")
        if args.datasketch:
            ds = datasketch_near_duplicates(path)
            print(f"datasketch_near_dup_s: {ds['seconds']:.2f}")
            print(f"datasketch_peak_rss_mb: {ds['peak_kb'] / 1024:.0f}")


if __name__ == "__main__":
    main()
