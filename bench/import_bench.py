"""Import throughput vs a bare sqlite-utils ``insert_all`` of the same rows.

Generates N conversations (English and Korean transcripts, some as turn lists, some in chat
fine-tuning format) in a JSONL file, times ``import_paths`` into a fresh database, then
times inserting the very rows that import produced (same columns) with
``Table.insert_all`` into another fresh database with the same pragmas.

Then a mapped import: F small AI-Hub-style dialect JSON files in nested folders, imported
with the ``aihub-dialect`` preset (one ready pair per file), against a bare loop that walks
the same folders, reads and parses each file and inserts the same conversation, pair and
event rows with sqlite-utils into a database with the app's schema. Each side runs in its
own process, so its peak RSS is its own.

    python bench/import_bench.py [--quick] [--n N] [--repeat R] [--files F]

Each side runs R times (fresh databases every time; the mapped import once per side) and
the fastest run counts, so a busy machine does not decide the ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sqlite3
import subprocess
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


DIALECT = [("삼춘 어디 감수광", "삼촌 어디 가십니까"), ("혼저 옵서예", "어서 오세요"),
           ("니 밥 뭇나", "너 밥 먹었니"), ("겁나 맛있당께", "아주 맛있다니까"),
           ("그려유 괜찮아유", "그래요 괜찮아요")]
SYSTEM_LINE = ("다음은 한국어를 소리 나는 대로 적은 것입니다. "
               "만약 이것이 방언이라면 표준어로 바꾸세요.")
FILES_PER_FOLDER = 100


def make_dialect_tree(root: Path, files: int) -> None:
    """`files` JSON files, 100 per leaf folder, leaves grouped ten to a region folder."""
    for i in range(files):
        leaf = root / f"region{i // (FILES_PER_FOLDER * 10):03d}" / \
            f"speaker{i // FILES_PER_FOLDER:05d}"
        if i % FILES_PER_FOLDER == 0:
            leaf.mkdir(parents=True, exist_ok=True)
        said, standard = DIALECT[i % len(DIALECT)]
        doc = {"fileName": f"DIAL_{i:07d}", "speaker": [{"speakerId": f"S{i % 97}"}],
               "transcription": {"pronunciation": f"{said} ({i})",
                                 "standard": f"{standard} ({i})"}}
        (leaf / f"DIAL_{i:07d}.json").write_text(json.dumps(doc, ensure_ascii=False),
                                                  encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_mapped(folder: Path, db_path: Path) -> dict:
    from reviewer.importing.mapping import get_preset, import_mapped_paths

    db = connect(db_path)
    started = time.perf_counter()
    report = import_mapped_paths(db, get_preset("aihub-dialect").spec, [folder], who="bench",
                                 progress=lambda done, total: None)
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "files": report.files, "pairs": report.pairs,
            "rejected": len(report.rejected), "rss_mb": peak_rss_mb()}


def run_bare(folder: Path, db_path: Path) -> dict:
    """Walk, read, parse, insert the same rows with sqlite-utils (app schema, no checks)."""
    db = connect(db_path)
    at = "2026-01-01T00:00:00+00:00"
    started = time.perf_counter()
    convs: list[dict] = []
    pairs: list[dict] = []
    files = 0

    def flush() -> None:
        with db.atomic():
            db["conversations"].insert_all(convs, pk="id")
            first = db.execute("SELECT coalesce(max(id), 0) FROM pairs").fetchone()[0]
            db["pairs"].insert_all(pairs, pk="id")
            db["events"].insert_all(
                [{"at": at, "who": "bench", "pair_id": first + k + 1,
                  "conversation_id": p["conversation_id"], "action": "create",
                  "new": json.dumps({"question": p["question"], "answer": p["answer"]},
                                    ensure_ascii=False), "version": 1}
                 for k, p in enumerate(pairs)])
        convs.clear()
        pairs.clear()

    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                doc = json.load(handle)
            files += 1
            said = doc["transcription"]["pronunciation"]
            standard = doc["transcription"]["standard"]
            turns = [{"role": "system", "speaker": "system", "text": SYSTEM_LINE},
                     {"role": "customer", "speaker": "question", "text": said},
                     {"role": "engineer", "speaker": "answer", "text": standard}]
            cid = hashlib.sha256(f"{SYSTEM_LINE}\x1f{said}\x1f{standard}".encode()
                                 ).hexdigest()[:32]
            convs.append({"id": cid, "source": os.path.join(root, name), "locator": "",
                          "fmt": "json", "title": "", "external_id": doc["fileName"],
                          "text": f"system: {SYSTEM_LINE}\nquestion: {said}\nanswer: {standard}",
                          "turns": json.dumps(turns, ensure_ascii=False), "imported_at": at,
                          "split_status": "split", "splitter": "import"})
            pairs.append({"conversation_id": cid, "position": 0, "system": SYSTEM_LINE,
                          "question": said, "answer": standard, "status": "pending",
                          "origin": "import", "created_at": at, "updated_at": at,
                          "updated_by": "bench", "version": 1, "touched": 0,
                          "question_turns": "[1]", "answer_turns": "[2]"})
            if len(convs) >= 2_000:
                flush()
    flush()
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "files": files, "pairs": files, "rss_mb": peak_rss_mb()}


def in_child(kind: str, folder: Path, db_path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(folder), str(db_path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mapped_bench(files: int, tmpdir: Path, repeat: int) -> None:
    folder = tmpdir / "dialect"
    started = time.perf_counter()
    make_dialect_tree(folder, files)
    made = time.perf_counter() - started
    runs = [(in_child("mapped", folder, tmpdir / f"mapped{i}.db"),
             in_child("bare", folder, tmpdir / f"bare{i}.db")) for i in range(max(1, repeat))]
    ours = min((r[0] for r in runs), key=lambda r: r["seconds"])
    bare = min((r[1] for r in runs), key=lambda r: r["seconds"])
    if ours["pairs"] != files or ours["rejected"]:
        raise SystemExit(f"mapped import went wrong: {ours}")
    print(f"mapped_files: {files}")
    print(f"mapped_tree_seconds: {made:.1f}")
    print(f"mapped_seconds: {ours['seconds']:.3f}")
    print(f"mapped_bare_seconds: {bare['seconds']:.3f}")
    print(f"mapped_files_per_s: {files / ours['seconds']:.0f}")
    print(f"mapped_bare_files_per_s: {files / bare['seconds']:.0f}")
    print(f"mapped_peak_rss_mb: {ours['rss_mb']:.0f}")
    print(f"mapped_bare_peak_rss_mb: {bare['rss_mb']:.0f}")
    print(f"mapped_ratio: {bare['seconds'] / ours['seconds']:.2f}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        kind, folder, db_path = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        print(json.dumps((run_mapped if kind == "mapped" else run_bare)(folder, db_path)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1,000 conversations and 1,000 dialect files")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=None,
                        help="dialect files for the mapped import (default 200,000)")
    parser.add_argument("--mapped-only", action="store_true",
                        help="skip the JSONL import and run only the mapped one")
    args = parser.parse_args()
    files = args.files or (1_000 if args.quick else 200_000)
    # A folder of 200,000 files is imported once per side; small ones as often as the rest.
    mapped_repeat = args.repeat if files <= 20_000 else 1
    if args.mapped_only:
        with tempfile.TemporaryDirectory() as tmp:
            mapped_bench(files, Path(tmp), mapped_repeat)
        return
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
    with tempfile.TemporaryDirectory() as tmp:
        mapped_bench(files, Path(tmp), mapped_repeat)


if __name__ == "__main__":
    main()
