"""Mapping files: what is checked when they are read, filters, pairs and chats."""

from __future__ import annotations

import pytest

from reviewer.importing.errors import RecordRejected
from reviewer.importing.mapping import MappingError, load_mapping, mapping_from_dict
from reviewer.importing.mapping.mapper import map_record

DOCS = {"output": "pairs", "require": ["title", "body"],
        "pair": {"system": "Category: {category}", "question": "{title} 관련 내용을 알려줘.",
                 "answer": "{body}"}}


def mapped(mapping: dict, record, parents=()):
    spec = mapping_from_dict(mapping, name="test")
    return map_record(spec, record, parents, source="f.json", locator="index 0", fmt="json")


def test_template_pair_hangs_on_a_conversation_of_its_texts():
    result = mapped(DOCS, {"title": "HTTP", "category": "[온라인] 업무 가이드",
                           "body": "HTTP는 요청과 응답을 주고받는 프로토콜입니다."})
    (pair,) = result.pairs
    assert (pair.system, pair.question, pair.answer) == (
        "Category: [온라인] 업무 가이드", "HTTP 관련 내용을 알려줘.",
        "HTTP는 요청과 응답을 주고받는 프로토콜입니다.")
    turns = result.conversation.turns
    assert [t.role for t in turns] == ["system", "customer", "engineer"]
    assert (pair.question_turns, pair.answer_turns) == ((1,), (2,))
    assert result.conversation.fmt == "json-mapped:test"


def test_the_system_line_takes_part_in_the_content_id():
    a = mapped(DOCS, {"title": "TCP", "category": "A", "body": "Reliable transport."})
    b = mapped(DOCS, {"title": "TCP", "category": "B", "body": "Reliable transport."})
    assert a.conversation.content_id() != b.conversation.content_id()


@pytest.mark.parametrize("record, reason", [
    ({"title": "Draft"}, "missing field 'body'"),
    ({"title": "Draft", "body": "   "}, "missing field 'body'"),
    ({"title": "Draft", "body": None}, "missing field 'body'"),
])
def test_required_fields_reject_the_record_by_name(record, reason):
    with pytest.raises(RecordRejected) as info:
        mapped(DOCS, record)
    assert str(info.value) == reason and info.value.rule == "missing_field"


def test_a_template_field_that_is_missing_is_named_with_its_template():
    mapping = {"output": "pairs", "pair": {"question": "{q}", "answer": "{a}"}}
    with pytest.raises(RecordRejected, match="missing field 'a' \\(in the answer template\\)"):
        mapped(mapping, {"q": "Why?"})


def test_an_empty_answer_is_refused():
    mapping = {"output": "pairs", "pair": {"question": "{q}", "answer": "{a}"}}
    with pytest.raises(RecordRejected, match="the answer is empty"):
        mapped(mapping, {"q": "Why?", "a": " "})


def test_strip_suffixes_remove_legacy_separators():
    mapping = {"output": "pairs", "pair": {"question": "{prompt}", "answer": "{completion}",
                                           "strip_suffixes": ["\n\n###\n\n", " END"]}}
    (pair,) = mapped(mapping, {"prompt": "Reset?\n\n###\n\n", "completion": " Hold RSTn. END"}
                     ).pairs
    assert (pair.question, pair.answer, pair.system) == ("Reset?", "Hold RSTn.", "")


def test_a_chat_becomes_one_pair_per_assistant_turn_on_one_conversation():
    mapping = {"output": "pairs", "turns": {"path": "messages", "speaker": "role",
                                            "text": "content"},
               "roles": {"map": {"user": "customer", "assistant": "engineer"}}}
    record = {"messages": [
        {"role": "system", "content": "HN5500 support."},
        {"role": "user", "content": "Link drops."},
        {"role": "assistant", "content": "Which firmware?"},
        {"role": "user", "content": "1.2."}, {"role": "user", "content": "Stock one."},
        {"role": "assistant", "content": "Update to 1.4."}]}
    result = mapped(mapping, record)
    assert [(p.system, p.question, p.answer, p.question_turns, p.answer_turns)
            for p in result.pairs] == [
        ("HN5500 support.", "Link drops.", "Which firmware?", (1,), (2,)),
        ("HN5500 support.", "1.2.\nStock one.", "Update to 1.4.", (3, 4), (5,))]
    assert len(result.conversation.turns) == 6


def test_a_chat_without_an_answer_is_refused():
    mapping = {"output": "pairs", "turns": {"path": "messages", "speaker": "role",
                                            "text": "content"}}
    with pytest.raises(RecordRejected, match="no assistant turn"):
        mapped(mapping, {"messages": [{"role": "user", "content": "Hello?"}]})


@pytest.mark.parametrize("raw, message", [
    ({"output": "pairs"}, "needs [pair] templates"),
    ({"output": "pairs", "pair": {"question": "{q}"}}, "needs answer"),
    ({"output": "conversation", "pair": {"question": "{q}", "answer": "{a}"}},
     "need output = \"pairs\""),
    ({"output": "table", "turns": {"text": "t"}}, "output = 'table'"),
    ({"turns": {"text": "t"}, "record": "[]"}, "unknown key 'record'"),
    ({"turns": {"txt": "t"}}, "unknown key 'txt'"),
    ({"turns": {"text": "t"}, "files": ["xml"]}, "files ="),
    ({"turns": {"text": "t"}, "records": "a..b"}, "records:"),
    ({"builder": "os:system"}, "only functions under reviewer.importing."),
    ({"builder": "reviewer.importing.irclog:read_irc_log", "output": "pairs"},
     "a builder makes conversations"),
])
def test_mapping_mistakes_are_named(raw, message):
    with pytest.raises(MappingError, match=message.replace("[", "\\[").replace("(", "\\(")):
        mapping_from_dict(raw)


def test_mapping_files_load_from_toml_and_json(tmp_path):
    toml = tmp_path / "docs.toml"
    toml.write_text('output = "pairs"\n[pair]\nquestion = "{title}"\nanswer = "{body}"\n',
                    encoding="utf-8")
    json_file = tmp_path / "docs.json"
    json_file.write_text('{"output": "pairs", "pair": {"question": "{t}", "answer": "{b}"}}',
                         encoding="utf-8")
    assert load_mapping(toml).name == "docs" and load_mapping(toml).kind == "pairs"
    assert load_mapping(json_file).pair is not None
    broken = tmp_path / "broken.toml"
    broken.write_text("output = \n", encoding="utf-8")
    with pytest.raises(MappingError, match="broken.toml: not valid TOML"):
        load_mapping(broken)
    with pytest.raises(MappingError, match="cannot read mapping"):
        load_mapping(tmp_path / "absent.toml")
