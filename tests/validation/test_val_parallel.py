"""A file checked in byte ranges by worker processes gives the same report as one pass,
with the file's own physical line numbers; train/validation overlap names both sides."""

from __future__ import annotations

import json
import random
import sys

import pytest

from reviewer.validation import find_overlap, parallel, validate_file
from reviewer.validation.findings import Finding
from reviewer.validation.reader import line_starts

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="worker processes are used on Linux only")


def example(i: int, system: str = "You are a support engineer.") -> dict:
    return {"messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": f"My board number {i} drops the link after {i % 7} hours, "
                                    "what should I check first?"},
        {"role": "assistant", "content": f"Check the PHY register and cable for unit {i}; "
                                         "replace the crystal if it still drops."},
    ]}


def write_mixed(path) -> dict[str, int]:
    """About 600 lines with defects spread over the file; returns where some of them are."""
    lines: list[str] = []
    where: dict[str, int] = {}
    for i in range(600):
        if i == 50:
            lines.append("{not json")
            where["invalid_json"] = len(lines)
        elif i == 120:
            lines.append("   ")
            where["blank_line"] = len(lines)
        elif i == 333:
            lines.append(json.dumps(example(7)))      # exact duplicate of line 8
            where["duplicate"] = len(lines)
        elif i == 401:
            ex = example(i)
            ex["messages"][1]["content"] += " Mail me at kim@example.com or 010-1234-5678로."
            lines.append(json.dumps(ex, ensure_ascii=False))
            where["pii_email"] = len(lines)
        elif i == 555:
            lines.append(json.dumps(example(i, system="당신은 고객지원 엔지니어입니다.")))
        elif i == 590:
            lines.append(json.dumps({"messages": [{"role": "user", "content": "hi"}]}))
            where["example_missing_assistant_message"] = len(lines)
        else:
            lines.append(json.dumps(example(i)))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return where


def test_worker_processes_give_the_same_report(tmp_path, monkeypatch):
    path = tmp_path / "mixed.jsonl"
    where = write_mixed(path)
    one = validate_file(path, workers=1).to_json()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES_MIN", 4096)  # many small ranges
    assert parallel.plan(path.stat().st_size, 2) > 5
    many = validate_file(path, workers=2).to_json()
    assert many == one
    found = {(f["rule"], f["line"]) for f in many["findings"]}
    for rule, line in where.items():
        assert (rule, line) in found, rule
    assert ("pii_phone", where["pii_email"]) in found
    assert many["summary"]["examples"] == 599


def test_ranges_start_at_line_starts(tmp_path):
    path = tmp_path / "lines.jsonl"
    data = b"".join(b"x" * (i % 37) + b"\n" for i in range(500))
    path.write_bytes(data)
    cuts = line_starts(path, len(data), 9)
    assert cuts[0] == 0 and cuts == sorted(set(cuts)) and len(cuts) > 3
    assert all(data[c - 1:c] == b"\n" for c in cuts[1:])


def test_bom_only_counts_on_the_first_line(tmp_path, monkeypatch):
    path = tmp_path / "bom.jsonl"
    body = "".join(json.dumps(example(i)) + "\n" for i in range(200))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES_MIN", 2048)
    report = validate_file(path, workers=2)
    assert [(f.rule, f.line) for f in report.errors] == [("bom", 1)]


_WORD_TEXT = ("antenna buffer cable driver ethernet flash gateway header interrupt jumper "
              "kernel latency module network offset packet queue register socket timer uart "
              "voltage watchdog 소켓 전원 펌웨어 드라이버 설정 주소 통신 보드")
WORDS = _WORD_TEXT.split()


def distinct(i: int) -> dict:
    rnd = random.Random(i)
    words = [rnd.choice(WORDS) for _ in range(40)]
    return {"messages": [{"role": "user", "content": " ".join(words[:20]) + "?"},
                         {"role": "assistant", "content": " ".join(words[20:]) + "."}]}


def test_overlap_names_the_training_side():
    train = [(i + 1, distinct(i), 100 + i) for i in range(30)]
    near = distinct(20)
    near["messages"][1]["content"] = near["messages"][1]["content"][:-1] + " ok."
    valid = [(1, distinct(1000), 500), (2, distinct(12), 501), (3, near, 502)]
    found = {f.line: f for f in find_overlap(train, valid)}
    assert set(found) == {2, 3}
    exact, similar = found[2], found[3]
    assert (exact.pair_id, exact.other_line, exact.other_pair_id) == (501, 13, 112)
    assert (similar.pair_id, similar.other_line, similar.other_pair_id) == (502, 21, 120)
    assert "near-duplicate of training line 21" in similar.message
    assert exact.severity == "error" and exact.rule == "train_valid_overlap"
    assert exact.to_dict()["other_pair_id"] == 112 and "file" not in exact.to_dict()


def test_finding_file_field_is_optional():
    plain = Finding(3, "duplicate", "warning", "x")
    assert plain.file is None and "file" not in plain.to_dict()
    named = Finding(3, "duplicate", "warning", "x", file="set.valid.jsonl")
    assert named.to_dict()["file"] == "set.valid.jsonl"
