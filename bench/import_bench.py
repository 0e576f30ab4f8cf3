"""Import throughput vs a bare sqlite-utils ``insert_all`` of the same rows.

Generates N conversations (English and Korean transcripts, some as turn lists, some in chat
fine-tuning format) in a JSONL file, times ``import_paths`` into a fresh database, then
times inserting the very rows that import produced (same columns) with
``Table.insert_all`` into another fresh database with the same pragmas.

    python bench/import_bench.py [--quick] [--n N] [--repeat R]

Each side runs R times (fresh databases every time) and the fastest run counts, so a busy
machine does not decide the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.db import connect  # noqa: E402
from reviewer.importing import import_paths  # noqa: E402

PRODUCTS = ["HN5500 Ethernet controller", "TB-32 MCU board", "Vela RX60 GPU", "NX-2 Wi-Fi module",
            "HN5100 PHY", "Kite SDK"]
PRODUCTS_KO = ["HN5500 이더넷 컨트롤러", "TB-32 MCU 보드",
               "Vela RX60 그래픽카드", "NX-2 와이파이 모듈"]
QUESTIONS = [
    "The {p} drops the link after about an hour. What should I check first?",
    "Which firmware version of the {p} fixes the SPI timeout at 80 MHz?",
    "Can the {p} run from a 3.3 V supply without the external regulator?",
    "After updating the driver the {p} is no longer detected. How do I roll back?",
]
ANSWERS = [
    "Check the magnetics and the reset line first; then update to firmware 1.4.{n}.",
    "Version 2.{n} fixes the timeout. Flash it with the Kite tool and power-cycle the board.",
    "Yes, within spec; keep the ripple under 50 mV and add a 10 uF capacitor near VDD.",
    "Uninstall the driver, reboot, and install package 5.{n} from the support site.",
]
QUESTIONS_KO = [
    "{p}가 한 시간쯤 지나면 링크가 끊깁니다. 무엇부터 확인해야 하나요?",
    "{p} 드라이버를 업데이트한 뒤 장치가 인식되지 않습니다. 되돌리는 방법이 있나요?",
    "{p}에서 SPI 클럭을 80MHz로 올리면 타임아웃이 납니다. 해결 방법이 있나요?",
]
ANSWERS_KO = [
    "먼저 리셋 라인과 트랜스 배선을 확인하시고 펌웨어 1.4.{n}로 업데이트해 주세요.",
    "드라이버를 제거하고 재부팅한 뒤 5.{n} 버전을 설치해 주세요.",
    "2.{n} 펌웨어에서 수정되었습니다. 업데이트 후 전원을 껐다 켜 주세요.",
]


def make_line(i: int, rng: random.Random) -> str:
    korean = i % 3 == 0
    product = rng.choice(PRODUCTS_KO if korean else PRODUCTS)
    qs, ans = (QUESTIONS_KO, ANSWERS_KO) if korean else (QUESTIONS, ANSWERS)
    turns = []
    for _ in range(rng.randint(1, 3)):
        turns.append(("customer", rng.choice(qs).format(p=product) + f" (#{i})"))
        turns.append(("engineer", rng.choice(ans).format(n=i)))
    kind = i % 4
    if kind == 0:
        labels = ("고객", "엔지니어") if korean else ("Customer", "Engineer")
        text = "\n".join(f"{labels[r == 'engineer']}: {t}" for r, t in turns)
        return json.dumps({"id": f"T-{i}", "title": product, "transcript": text},
                          ensure_ascii=False)
    if kind == 1:
        msgs = [{"role": "system", "content": f"Support for the {product}."}]
        msgs += [{"role": "user" if r == "customer" else "assistant", "content": t}
                 for r, t in turns]
        return json.dumps({"messages": msgs}, ensure_ascii=False)
    return json.dumps({"id": f"T-{i}", "title": product,
                       "turns": [{"speaker": r.capitalize(), "text": t} for r, t in turns]},
                      ensure_ascii=False)


def fast_db(path: Path) -> Database:
    """Same pragmas the app uses (WAL, synchronous=NORMAL), nothing else."""
    db = Database(sqlite3.connect(str(path)))
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def time_import(dump: Path, db_path: Path, n: int) -> tuple[float, list[dict]]:
    db = connect(db_path)
    started = time.perf_counter()
    report = import_paths(db, [dump], who="bench")
    seconds = time.perf_counter() - started
    if report.imported != n or report.rejected:
        raise SystemExit(f"import went wrong: {report.counts()}")
    rows = list(db.query("SELECT * FROM conversations ORDER BY rowid"))
    db.close()
    return seconds, rows


def time_baseline(rows: list[dict], db_path: Path, n: int) -> float:
    base = fast_db(db_path)
    started = time.perf_counter()
    base["conversations"].insert_all(rows, pk="id")
    seconds = time.perf_counter() - started
    if base["conversations"].count != n:
        raise SystemExit("baseline insert went wrong")
    base.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 conversations")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.n or (1_000 if args.quick else 20_000)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        dump = tmpdir / "dump.jsonl"
        dump.write_text("\n".join(make_line(i, rng) for i in range(n)) + "\n", encoding="utf-8")
        ours = baseline = float("inf")
        for attempt in range(max(1, args.repeat)):
            seconds, rows = time_import(dump, tmpdir / f"import{attempt}.db", n)
            ours = min(ours, seconds)
            baseline = min(baseline, time_baseline(rows, tmpdir / f"baseline{attempt}.db", n))

    ours_rate, base_rate = n / ours, n / baseline
    print(f"conversations: {n}")
    print(f"import_seconds: {ours:.3f}")
    print(f"baseline_seconds: {baseline:.3f}")
    print(f"conversations_per_s: {ours_rate:.0f}")
    print(f"baseline_per_s: {base_rate:.0f}")
    print(f"ratio: {ours_rate / base_rate:.2f}")


if __name__ == "__main__":
    main()
