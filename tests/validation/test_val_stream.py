"""A streamed file is reported with its own physical line numbers, whatever the defects
around a line; the in-memory path gives the same findings; train/validation overlap names
both sides."""

from __future__ import annotations

import json
import random

from reviewer.validation import find_overlap, validate_file, validate_objects
from reviewer.validation.findings import Finding


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


def test_findings_carry_the_files_physical_line_numbers(tmp_path):
    path = tmp_path / "mixed.jsonl"
    where = write_mixed(path)
    report = validate_file(path)
    found = {(f.rule, f.line) for f in report.findings}
    for rule, line in where.items():
        assert (rule, line) in found, rule
    assert ("pii_phone", where["pii_email"]) in found
    assert report.summary["examples"] == 599
    assert len(report.token_counts) == report.summary["counted_examples"] == 598


def test_objects_and_file_give_the_same_findings(tmp_path):
    path = tmp_path / "mixed.jsonl"
    write_mixed(path)
    items = []
    for number, text in enumerate(path.read_text("utf-8").splitlines(), 1):
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        items.append((number, obj, None))
    from_file = validate_file(path)
    from_objects = validate_objects(items)
    parse_rules = {"invalid_json", "blank_line"}
    assert ([f for f in from_file.findings if f.rule not in parse_rules]
            == from_objects.findings)
    assert from_file.token_counts == from_objects.token_counts


def test_bom_only_counts_on_the_first_line(tmp_path):
    path = tmp_path / "bom.jsonl"
    body = "".join(json.dumps(example(i)) + "\n" for i in range(200))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    report = validate_file(path)
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
