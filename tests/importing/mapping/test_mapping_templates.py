"""Templates: placeholders from the record, its parents and constants; joins; escapes."""

from __future__ import annotations

import pytest

from reviewer.importing.mapping.templates import (
    MissingField,
    TemplateError,
    as_text,
    parse_template,
)


def test_seed_quiz_layout_renders_with_parent_fields_and_constants():
    paragraph = {"context": "경복궁은 1395년에 세워졌다.", "qas": []}
    qa = {"question": "경복궁이 세워진 해는?", "answers": [{"text": "1395년"}]}
    user = parse_template("{context}<sep>{instruction}")
    answer = parse_template("question : {question}, answer : {answers[0].text}, wrong: <sep><sep>")
    constants = {"instruction": "generate question with context"}
    assert user.render(qa, [paragraph], constants) == \
        "경복궁은 1395년에 세워졌다.<sep>generate question with context"
    assert answer.render(qa, [paragraph], constants) == \
        "question : 경복궁이 세워진 해는?, answer : 1395년, wrong: <sep><sep>"


def test_the_record_wins_over_its_parents_and_the_nearest_parent_wins():
    template = parse_template("{title}")
    assert template.render({"title": "own"}, [{"title": "article"}]) == "own"
    assert template.render({}, [{"title": "article"}, {"title": "paragraph"}]) == "paragraph"


def test_lists_are_joined_and_values_printed():
    template = parse_template("{sentences} ({n}, {ok}, {none})")
    record = {"sentences": ["Sorry!", "Please DM us."], "n": 3, "ok": True, "none": None}
    assert template.render(record, join=" ") == "Sorry! Please DM us. (3, true, )"
    assert parse_template("{answers[].text}").render(
        {"answers": [{"text": "a"}, {"text": "b"}]}, join=" / ") == "a / b"


def test_doubled_braces_are_literal():
    assert parse_template("{{x}} = {x}").render({"x": "1"}) == "{x} = 1"


def test_a_missing_field_names_itself():
    with pytest.raises(MissingField) as info:
        parse_template("{title}: {body}").render({"title": "HTTP"})
    assert info.value.field == "body"


@pytest.mark.parametrize("bad", ["{", "a}", "{}", "{a..b}", "{a[x]}"])
def test_bad_templates_are_refused_when_read(bad):
    with pytest.raises(TemplateError):
        parse_template(bad)


def test_as_text_takes_a_content_object():
    assert as_text({"type": "text", "text": "hello"}) == "hello"
    assert as_text({"other": 1}) == ""
