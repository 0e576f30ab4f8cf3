"""The field path syntax: keys, indexes, explosion, wildcards, quoted keys, errors."""

from __future__ import annotations

import pytest

from reviewer.importing.mapping import MISSING, PathError, parse_path

SQUAD = {"data": [{"title": "T1", "paragraphs": [
    {"context": "C1", "qas": [{"id": "a"}, {"id": "b"}]},
    {"context": "C2", "qas": [{"id": "c"}]}]}]}


def test_dotted_keys_reach_nested_values():
    doc = {"transcription": {"pronunciation": "어디 감수광", "standard": "어디 가십니까"}}
    assert parse_path("transcription.standard").get(doc) == "어디 가십니까"
    assert parse_path("transcription.missing").get(doc) is MISSING
    assert parse_path("transcription.standard.deeper").get(doc) is MISSING


def test_empty_path_is_the_value_itself():
    assert parse_path("").get([1, 2]) == [1, 2]


def test_indexes_count_from_either_end_and_miss_quietly():
    turn = ["agent", "Hello"]
    assert parse_path("[0]").get(turn) == "agent"
    assert parse_path("[-1]").get(turn) == "Hello"
    assert parse_path("[2]").get(turn) is MISSING
    assert parse_path("answers[0].text").get({"answers": [{"text": "2019"}]}) == "2019"
    assert parse_path("answers[0].text").get({"answers": []}) is MISSING


def test_explosion_names_every_record_and_keeps_its_parents():
    found = list(parse_path("data[].paragraphs[].qas[]").walk(SQUAD))
    assert [where for where, _, _ in found] == [
        "data[0].paragraphs[0].qas[0]", "data[0].paragraphs[0].qas[1]",
        "data[0].paragraphs[1].qas[0]"]
    _, record, parents = found[2]
    assert record == {"id": "c"}
    # nearest last: the document, the article, the paragraph
    assert [p.get("context", p.get("title")) for p in parents[1:]] == ["T1", "C2"]


def test_wildcard_walks_object_values():
    doc = {"train": [{"n": 1}, {"n": 2}], "dev": [{"n": 3}]}
    assert [w for w, _, _ in parse_path("*[]").walk(doc)] == ["train[0]", "train[1]", "dev[0]"]


def test_collect_gathers_an_exploding_path():
    doc = {"answers": [{"text": "a"}, {"text": "b"}]}
    assert parse_path("answers[].text").collect(doc) == ["a", "b"]


def test_quoted_keys_hold_dots_and_spaces():
    path = parse_path('meta["file.name"].size')
    assert path.get({"meta": {"file.name": {"size": 3}}}) == 3
    assert [w for w, _, _ in path.walk({"meta": {"file.name": {"size": 3}}})] == \
        ['meta["file.name"].size']


def test_korean_keys_are_plain_names():
    assert parse_path("대화.내용").get({"대화": {"내용": "안녕하세요"}}) == "안녕하세요"


@pytest.mark.parametrize("bad", ["a..b", "a.", "a[x]", "a[", "a]b", "a[0]b", 3])
def test_malformed_paths_are_refused(bad):
    with pytest.raises(PathError):
        parse_path(bad)


def test_get_refuses_an_exploding_path():
    with pytest.raises(PathError):
        parse_path("a[].b").get({"a": [{"b": 1}]})
