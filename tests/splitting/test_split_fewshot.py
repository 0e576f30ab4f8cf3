import json

import pytest

from reviewer.fewshot import MAX_FEW_SHOT_BYTES
from reviewer.splitting import DEFAULT_FEW_SHOT, FewShotError, load_few_shot
from reviewer.splitting.summary import is_korean


def test_default_file_is_valid_bilingual_and_names_products():
    examples = load_few_shot(DEFAULT_FEW_SHOT)
    assert 3 <= len(examples) <= 5
    systems = [e[0]["content"] for e in examples]
    assert any(is_korean(s) for s in systems) and any(not is_korean(s) for s in systems)
    assert all("\n" not in s for s in systems)
    assert all(any(ch.isdigit() for ch in s) for s in systems)  # a part number in each
    assert any(len(e) > 3 for e in examples)  # one multi-question example


def _write(tmp_path, *lines: str):
    path = tmp_path / "few.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"messages": [{"role": "system", "content": "About the W5500."},
                                {"role": "user", "content": "How many sockets?"},
                                {"role": "assistant", "content": "Eight."}]})


def _line(*messages):
    return json.dumps({"messages": [{"role": r, "content": c} for r, c in messages]})


@pytest.mark.parametrize(("bad", "message"), [
    ("{not json", "line 2: invalid JSON"),
    ('{"prompt": "x"}', 'line 2: expected an object with a "messages" list'),
    (_line(("system", "S"), ("user", "Q"), ("bot", "A")), "line 2: message 2 has role 'bot'"),
    (_line(("system", "S"), ("user", " "), ("assistant", "A")), "line 2: message 1 (user) has "
                                                                "empty content"),
    (_line(("system", "S"), ("user", "Q")), "line 2: no assistant message"),
    (_line(("user", "Q"), ("assistant", "A")), "line 2: the first message must be the system"),
    (_line(("system", "S"), ("assistant", "A"), ("user", "Q")), "line 2: roles after system"),
    (_line(("system", "two\nlines"), ("user", "Q"), ("assistant", "A")), "single line"),
])
def test_invalid_lines_name_file_line_and_reason(tmp_path, bad, message):
    path = _write(tmp_path, GOOD, bad)
    with pytest.raises(FewShotError) as info:
        load_few_shot(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(FewShotError, match="cannot read"):
        load_few_shot(tmp_path / "absent.jsonl")
    with pytest.raises(FewShotError, match="no examples"):
        load_few_shot(_write(tmp_path, ""))


def test_good_file_with_bom_and_blank_lines(tmp_path):
    path = tmp_path / "few.jsonl"
    path.write_text("\ufeff" + GOOD + "\n\n" + GOOD + "\n", encoding="utf-8")
    assert len(load_few_shot(path)) == 2


def test_lenient_mode_reads_a_template_the_prompt_would_refuse(tmp_path):
    no_system = json.dumps({"messages": [
        {"role": "user", "content": "Q"}, {"role": "assistant", "content": "", "weight": 0}]})
    tool = _line(("system", "S"), ("user", "Q"), ("tool", "result"), ("assistant", "A"))
    path = _write(tmp_path, no_system, tool)
    with pytest.raises(FewShotError, match=r"line 1: message 1 \(assistant\) has empty content"):
        load_few_shot(path)
    examples = load_few_shot(path, strict=False)
    assert [[m["role"] for m in e] for e in examples] == [
        ["user", "assistant"], ["system", "user", "tool", "assistant"]]
    assert examples[0][1] == {"role": "assistant", "content": "", "weight": 0}  # as written


@pytest.mark.parametrize(("bad", "message"), [
    ("{not json", "line 2: invalid JSON"),
    ('{"messages": []}', "line 2: empty messages list"),
    ('{"messages": ["hi"]}', "line 2: message 0 is not an object"),
    ('{"messages": [{"content": "x"}]}', "line 2: message 0 has no role"),
    ('{"messages": [{"role": "user", "content": 3}]}', "line 2: message 0 (user) has no text"),
])
def test_lenient_mode_still_needs_chat_messages(tmp_path, bad, message):
    path = _write(tmp_path, GOOD, bad)
    with pytest.raises(FewShotError) as info:
        load_few_shot(path, strict=False)
    assert f"few-shot file {path}: {message}" in str(info.value)


@pytest.mark.parametrize("strict", [True, False])
def test_both_modes_refuse_unreadable_oversized_and_empty_files(tmp_path, strict):
    with pytest.raises(FewShotError, match="cannot read"):
        load_few_shot(tmp_path, strict=strict)  # a directory
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(GOOD.replace("Eight", "Acht\xe9").encode("latin-1"))
    with pytest.raises(FewShotError, match="UTF-8"):
        load_few_shot(latin, strict=strict)
    huge = tmp_path / "huge.jsonl"
    huge.write_text((GOOD + "\n") * (MAX_FEW_SHOT_BYTES // len(GOOD) + 1), encoding="utf-8")
    with pytest.raises(FewShotError, match="over 1000000"):
        load_few_shot(huge, strict=strict)
    with pytest.raises(FewShotError, match="no examples"):
        load_few_shot(_write(tmp_path, " "), strict=strict)
