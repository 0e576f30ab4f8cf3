"""Chat rules, profiles, template, PII, duplicates, stats and the model table."""

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.validation import (
    MODELS,
    PROFILES,
    find_overlap,
    lookup_model,
    pii,
    validate_objects,
)
from reviewer.validation.chat_rules import check_chat
from reviewer.validation.stats import default_epochs

S = {"role": "system", "content": "You answer printer questions."}


def example(i, answer=None, system=S):
    msgs = [{"role": "user", "content": f"Question {i}: why does printer model P{i * 31} "
                                        f"show error {i * 7}?"},
            {"role": "assistant", "content": answer or f"Error {i * 7} on P{i * 31} means "
                                                       f"tray {i % 4} is open; close it."}]
    return {"messages": ([system] if system else []) + msgs}


def items(n, **kw):
    return [(i + 1, example(i, **kw), 500 + i) for i in range(n)]


def rules(report):
    return {f.rule for f in report.findings}


def test_cookbook_false_positives_are_valid_here():
    obj = {"messages": [
        S, {"role": "user", "content": "order 7?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": "shipped"},
        {"role": "assistant", "content": [{"type": "text", "text": "It shipped."}]}],
        "tools": [{"type": "function", "function": {"name": "f"}}], "parallel_tool_calls": True}
    findings, view = check_chat(1, obj)
    assert findings == []
    assert view.assistant == ["It shipped."]


def test_pair_ids_and_lines_reach_findings():
    data = items(12)
    data[3] = (4, {"messages": [S, {"role": "user", "content": "x"}]}, 503)
    report = validate_objects(data)
    f = next(f for f in report.errors if f.rule == "example_missing_assistant_message")
    assert (f.line, f.pair_id) == (4, 503)
    assert not report.ok


def test_summary_keys_tokens_and_cost():
    report = validate_objects(items(30), model="gpt-4.1-mini-2025-04-14", epochs=2)
    s = report.summary
    for key in ("examples", "errors", "warnings", "total_tokens", "billed_tokens", "epochs",
                "estimated_cost_usd", "model", "target", "encoding", "tokens",
                "training_availability"):
        assert key in s
    assert s["epochs"] == 2 and s["encoding"] == "o200k_base"
    assert s["estimated_cost_usd"] == pytest.approx(s["billed_tokens"] * 2 * 5.0 / 1e6, abs=1e-4)
    assert s["tokens"]["total"]["min"] <= s["tokens"]["total"]["median"] <= s["tokens"]["total"][
        "max"]


def test_default_epochs_heuristic():
    assert [default_epochs(n) for n in (5, 10, 30, 9000, 100_000)] == [20, 10, 3, 2, 1]


def test_model_lookup_maps_snapshots_and_ft_ids():
    assert lookup_model("ft:gpt-4o-mini-2024-07-18:acme::x").id == "gpt-4o-mini-2024-07-18"
    assert lookup_model("gpt-4o").id == "gpt-4o-2024-08-06"
    assert lookup_model("unknown-model") is None
    assert MODELS["babbage-002"].can_train() is False
    assert MODELS["gpt-4o-mini-2024-07-18"].training_per_1m == 3.0


def test_repeated_answer_and_inconsistent_system():
    data = items(40)
    for i in (2, 9, 17):
        data[i] = (i + 1, example(i, answer="Please call the service center."), None)
    data[5] = (6, example(5, system={"role": "system", "content": "Other."}), None)
    report = validate_objects(data)
    assert {"repeated_answer", "inconsistent_system"} <= rules(report)
    assert report.ok


def test_template_conformance():
    few = [[S, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]]
    data = items(12)
    data[0] = (1, example(0, answer="A) restart it"), None)
    data[1] = (2, example(1, system={"role": "system", "content": "two\nlines"}), None)
    data[2] = (3, example(2, system=None), None)
    report = validate_objects(data, few_shot_examples=few)
    got = {(f.rule, f.line) for f in report.errors}
    assert {("template_marker", 1), ("template_multiline_system", 2),
            ("template_role_order", 3)} <= got


@pytest.mark.parametrize("text,kind", [
    ("a@b.io", "email"), ("010 1234 5678", "phone"), ("+82-10-1234-5678", "phone"),
    ("02-123-4567", "phone"), ("10.0.0.1", "ipv4"), ("fe80::1ff:fe23:4567:890a", "ipv6"),
    ("AKIAIOSFODNN7EXAMPLE", "api_key"), ("5555 5555 5555 4444", "card"),
    ("850315-2345678", "rrn"),
])
def test_pii_kinds_are_masked(text, kind):
    found = list(pii.scan(f"see {text} ok"))
    assert [k for k, _ in found] == [kind]
    assert text not in found[0][1]


@pytest.mark.parametrize("text", ["version 1.2.3", "at 10:30:45", "card 4111 1111 1111 1112",
                                  "2024-03-02", "order 12345"])
def test_pii_no_false_positive(text):
    assert list(pii.scan(text)) == []


@pytest.mark.parametrize("text,kind", [
    ("010-1234-5678로 연락 주세요", "phone"), ("메일은 kim@example.com입니다", "email"),
    ("카드 5555 5555 5555 4444로 결제", "card"), ("서버 10.0.0.1에서", "ipv4"),
    ("키 ghp_" + "a1B2" * 9 + "를", "api_key"), ("주소 ::1 입니다", "ipv6"),
])
def test_pii_found_next_to_korean_particles(text, kind):
    assert [k for k, _ in pii.scan(text)] == [kind]


@pytest.mark.parametrize("value", [
    "a@b.io", "kim.minsu+test@mail.example.co.kr", "010 1234 5678", "010-1234-5678",
    "+82-10-1234-5678", "+82 2 123 4567", "02-123-4567", "031)123-4567", "(555) 123-4567",
    "555-123-4567", "+1 202 555 0175", "10.0.0.1", "192.168.200.254",
    "fe80::1ff:fe23:4567:890a", "::1", "2001:db8::8a2e:370:7334", "AKIAIOSFODNN7EXAMPLE",
    "sk-" + "abcDEF123" * 3, "ghp_" + "a1B2" * 9, "xoxb-" + "12345-abcde",
    "0123456789abcdef" * 2, "Ab1/" * 11, "5555 5555 5555 4444", "4111-1111-1111-1111",
    "850315-2345678",
])
def test_every_match_holds_its_kinds_anchor(value):
    """A kind's pattern only runs where its anchor is found: every match must hold it."""
    matched = False
    for kind in pii.KINDS:
        for m in kind.pattern.finditer(f"see {value} ok"):
            matched = True
            assert kind.anchor.search(m.group()), (kind.name, m.group())
    assert matched
    assert list(pii.scan(f"see {value} ok"))


def test_near_duplicate_korean_and_overlap():
    a = "프린터 드라이버를 다시 설치한 뒤 테스트 페이지를 인쇄해서 결과를 알려 주세요. 감사합니다."
    b = a.replace("감사합니다", "고맙습니다")
    data = items(12)
    data[3] = (4, example(3, answer=a), None)
    data[7] = (8, example(3, answer=b), None)  # same question, a slightly different answer
    data[9] = (10, example(9, answer="전혀 다른 내용의 " * 5), None)
    near = [f for f in validate_objects(data).findings if f.rule == "near_duplicate"]
    assert [(f.line, f.severity) for f in near] == [(8, "warning")]
    assert "near-duplicate of line 4" in near[0].message
    train, valid = items(20), [(1, example(3), 900), (2, example(99), 901)]
    overlap = find_overlap(train, valid)
    assert [(f.rule, f.line, f.pair_id) for f in overlap] == [("train_valid_overlap", 1, 900)]


def test_profiles_render_and_roundtrip():
    msgs = [S, {"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]
    assert set(PROFILES) == {"openai", "together", "fireworks", "mistral", "hf-messages",
                             "prompt-completion"}
    for name, profile in PROFILES.items():
        lines = [(i + 1, profile.render(example(i)["messages"]), None) for i in range(12)]
        report = validate_objects(lines, target=name)
        assert report.ok, (name, report.errors)
    pc = PROFILES["prompt-completion"].render(msgs)
    assert pc == {"prompt": "You answer printer questions.\n\nQ?\n\n###\n\n",
                  "completion": " A. END"}


def test_cli_exit_codes(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(example(i)) for i in range(12)) + "\n")
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(good)])
    assert ok.exit_code == 0 and "READY" in ok.output
    assert runner.invoke(cli, ["validate", str(tmp_path / "missing.jsonl")]).exit_code == 2
    bad_few = tmp_path / "few.jsonl"
    bad_few.write_text("not json\n")
    assert runner.invoke(cli, ["validate", str(good), "--few-shot", str(bad_few)]).exit_code == 2
    assert runner.invoke(cli, ["validate", str(good), "--target", "nope"]).exit_code == 2
    out = runner.invoke(cli, ["validate", str(good), "--json", "--model", "gpt-3.5-turbo"])
    assert json.loads(out.output)["summary"]["encoding"] == "cl100k_base"
