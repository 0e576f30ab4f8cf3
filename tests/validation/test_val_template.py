"""Few-shot template conformance is structural: any number of user/assistant rounds."""

from __future__ import annotations

import json

import pytest

from reviewer.validation import validate_file, validate_objects
from reviewer.validation.template import check_template, role_orders

SYSTEM = {"role": "system", "content": "One-line summary of a support chat."}


def chat(*roles: str) -> list[dict]:
    text = {"system": SYSTEM["content"], "user": "How do I reset it?",
            "assistant": "Hold the button for ten seconds."}
    return [{"role": r, "content": f"{text[r]} ({i})"} for i, r in enumerate(roles)]


ONE_ROUND = [chat("system", "user", "assistant")]


@pytest.mark.parametrize("roles", [
    ("system", "user", "assistant"),
    ("system", "user", "assistant", "user", "assistant"),
    ("system", "user", "assistant", "user", "assistant", "user", "assistant"),
])
def test_any_number_of_rounds_conforms(roles):
    assert check_template(1, chat(*roles), role_orders(ONE_ROUND)) == []


@pytest.mark.parametrize("roles", [
    ("user", "assistant"),                                  # no system message
    ("system", "user", "assistant", "user"),                # ends with the user
    ("system", "user", "user", "assistant"),                # two user messages in a row
    ("system", "assistant", "user", "assistant"),           # starts with the assistant
    ("system", "system", "user", "assistant"),              # system twice
    ("system",),                                            # no round at all
])
def test_other_shapes_do_not_conform(roles):
    [finding] = check_template(7, chat(*roles), role_orders(ONE_ROUND), pair_id=3)
    assert (finding.rule, finding.line, finding.pair_id) == ("template_role_order", 7, 3)
    assert "(user/assistant)+" in finding.message


def test_multi_round_few_shot_defines_the_same_pattern():
    few = [chat("system", "user", "assistant", "user", "assistant")]
    assert check_template(1, chat("system", "user", "assistant"), role_orders(few)) == []


def test_few_shot_without_system_rejects_a_system_message():
    few = [chat("user", "assistant")]
    assert check_template(1, chat("user", "assistant", "user", "assistant"),
                          role_orders(few)) == []
    [finding] = check_template(1, chat("system", "user", "assistant"), role_orders(few))
    assert finding.rule == "template_role_order"


def test_irregular_few_shot_shape_is_matched_exactly():
    few = [chat("system", "user", "user", "assistant")]
    orders = role_orders(few)
    assert check_template(1, chat("system", "user", "user", "assistant"), orders) == []
    assert check_template(1, chat("system", "user", "user", "assistant", "user", "user",
                                  "assistant"), orders)


def test_either_of_several_few_shot_patterns():
    orders = role_orders([chat("system", "user", "assistant"), chat("user", "assistant")])
    assert check_template(1, chat("user", "assistant", "user", "assistant"), orders) == []
    assert check_template(1, chat("system", "user", "assistant"), orders) == []


def test_multi_turn_file_against_single_round_few_shot(tmp_path):
    few = tmp_path / "few.jsonl"
    few.write_text(json.dumps({"messages": ONE_ROUND[0]}) + "\n", "utf-8")
    data = tmp_path / "data.jsonl"
    rows = [chat("system", *(("user", "assistant") * (1 + i % 4))) for i in range(12)]
    rows[5] = chat("system", "user", "assistant", "user")  # line 6 breaks the pattern
    for i, messages in enumerate(rows):
        messages[1]["content"] = f"Question number {i} about the W5500 board?"
    data.write_text("".join(json.dumps({"messages": m}) + "\n" for m in rows), "utf-8")
    report = validate_file(data, few_shot=few)
    assert [(f.rule, f.line) for f in report.findings if f.rule.startswith("template")] == [
        ("template_role_order", 6)]
    objects = [(i + 1, {"messages": m}, 100 + i) for i, m in enumerate(rows)]
    report = validate_objects(objects, few_shot_examples=ONE_ROUND)
    assert [(f.rule, f.pair_id) for f in report.findings if f.rule.startswith("template")] == [
        ("template_role_order", 105)]
