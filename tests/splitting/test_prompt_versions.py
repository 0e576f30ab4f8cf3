"""Prompt versions: stored once per content, named by every pair an LLM split makes."""

import json

import pytest
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.db import opened
from reviewer.fewshot import few_shot_line, load_few_shot, load_few_shot_set
from reviewer.models import Turn
from reviewer.prompts import fewshot_set
from reviewer.prompts.active import FewShotSetUnusable
from reviewer.prompts.versions import get_version, list_versions, prompt_hash, record_version
from reviewer.splitting import make_splitter, split_pending
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.prompt import ExamplePair, FewShotExample, prompt_prefix, system_prompt


def rows(db_path, sql, params=()):
    with opened(db_path) as db:
        return list(db.query(sql, params))


def test_versions_are_deduplicated_by_the_hash_of_what_the_model_reads(db):
    few = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "{}"}]
    first = record_version(db, "system text", few)
    assert record_version(db, "system text", few, label="v1") == first  # same content
    other = record_version(db, "system text", [*few, {"role": "user", "content": "b"}])
    changed_wording = record_version(db, "system text, reworded", few)
    assert len({first, other, changed_wording}) == 3
    stored = get_version(db, first)
    assert stored is not None and stored.few_shot == few and stored.examples == 1
    assert stored.label == "v1"  # a label given later fills an empty one
    assert stored.hash == prompt_hash("system text", few)
    assert [v.id for v in list_versions(db)] == [changed_wording, other, first]


def test_llm_pairs_carry_the_prompt_version_and_model_rules_pairs_null(db_path, fake_openai,
                                                                        add_conversation):
    add_conversation(EN_TURNS)
    add_conversation(KO_TURNS, locator="line 9")
    report = split_pending(db_path, LLMSplitter("gpt-4o-mini", base_url=fake_openai.base_url))
    assert report.split == 2
    (version,) = rows(db_path, "SELECT * FROM prompt_versions")
    pairs = rows(db_path, "SELECT prompt_version_id, model FROM pairs")
    assert len(pairs) == 3
    assert {(p["prompt_version_id"], p["model"]) for p in pairs} == {(version["id"],
                                                                      "gpt-4o-mini")}
    # What was stored is what was sent: the system message and the examples of a request.
    sent = fake_openai.chat_requests()[0].body["messages"]
    assert version["system_text"] == sent[0]["content"] == system_prompt()
    assert json.loads(version["few_shot"]) == sent[1:-1]
    (run,) = rows(db_path, "SELECT settings FROM runs")
    assert json.loads(run["settings"])["prompt_version_id"] == version["id"]

    # The same prompt again: no new version. The rules splitter records none.
    split_pending(db_path, LLMSplitter("gpt-4o-mini", base_url=fake_openai.base_url),
                  redo=True)
    assert len(rows(db_path, "SELECT id FROM prompt_versions")) == 1
    add_conversation([("customer", "Does the W6100 support IPv6?"),
                      ("engineer", "Yes, the W6100 supports IPv4 and IPv6.")], locator="l 30")
    split_pending(db_path, make_splitter("rules"))
    rules = rows(db_path, "SELECT prompt_version_id, model FROM pairs WHERE origin = 'rules'")
    assert rules and all(p["prompt_version_id"] is None and p["model"] is None for p in rules)


def test_the_database_set_replaces_the_default_file_and_makes_a_new_version(
        db_path, fake_openai, add_conversation):
    add_conversation(EN_TURNS)
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url))
    example = FewShotExample(
        (Turn("customer", "안녕하세요!", "고객"),
         Turn("customer", "W5500 소켓은 몇 개인가요?", "고객"),
         Turn("engineer", "소켓은 8개입니다.", "상담원"), Turn("customer", "감사합니다", "고객")),
        "W5500 소켓 수에 관한 대화입니다.",
        (ExamplePair("W5500 소켓은 몇 개인가요?", "소켓은 8개입니다.", (2,), (3,)),))
    path = db_path.parent / "set.jsonl"
    path.write_text(few_shot_line(example) + "\n", encoding="utf-8")
    with opened(db_path) as db:
        fewshot_set.import_file(db, path, who="t")
    fake_openai.requests.clear()
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url), redo=True)
    sent = fake_openai.chat_requests()[0].body["messages"]
    assert len(sent) == 4  # system, the one example (user + assistant), the conversation
    assert "[1] Customer: 안녕하세요!" in sent[1]["content"]  # the raw input, greeting kept
    assert json.loads(sent[2]["content"])["pairs"][0]["question_turns"] == [2]
    versions = rows(db_path, "SELECT id, examples FROM prompt_versions ORDER BY id")
    assert [v["examples"] for v in versions] == [4, 1]
    latest = rows(db_path, "SELECT DISTINCT prompt_version_id FROM pairs WHERE status ="
                           " 'pending'")
    assert [r["prompt_version_id"] for r in latest] == [versions[-1]["id"]]

    # An explicit file still wins over the set.
    fake_openai.requests.clear()
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url, examples=[]),
                  redo=True)
    assert len(fake_openai.chat_requests()[0].body["messages"]) == 2


def test_a_set_that_fails_its_checks_stops_the_split(db_path, fake_openai, add_conversation):
    add_conversation(EN_TURNS)
    bad = FewShotExample((Turn("customer", "Hi"), Turn("engineer", "Hello")), "About nothing.",
                         (ExamplePair("What is the W5500 clock limit?", "It is 80 MHz.",
                                      (1,), (2,)),))
    path = db_path.parent / "bad.jsonl"
    path.write_text(few_shot_line(bad) + "\n", encoding="utf-8")
    with opened(db_path) as db:
        fewshot_set.import_file(db, path, who="t")
    with pytest.raises(FewShotSetUnusable, match="few-shot set cannot be used.*output_rejected"):
        split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url))
    assert fake_openai.chat_requests() == []
    assert rows(db_path, "SELECT id FROM runs") == []


def test_file_lines_with_a_conversation_round_trip_and_stay_a_template(tmp_path):
    example = FewShotExample(
        (Turn("customer", "Hello there", "Customer"), Turn("customer", "How many sockets?"),
         Turn("engineer", "Eight.", "Support")), "About W5500 sockets.",
        (ExamplePair("How many sockets?", "Eight.", (2,), (3,)),))
    path = tmp_path / "few.jsonl"
    path.write_text(few_shot_line(example) + "\n" + few_shot_line(
        [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
         {"role": "assistant", "content": "A"}]) + "\n", encoding="utf-8")
    loaded = load_few_shot_set(path)
    assert loaded[0] == example and isinstance(loaded[1], list)
    assert load_few_shot(path)[0] == example.export_messages()  # readers of the template
    assert prompt_prefix(loaded)[1]["content"].splitlines()[2] == "[1] Customer: Hello there"


def test_calls_name_their_prompt_version_and_a_new_set_misses_the_cache(
        db_path, fake_openai, add_conversation):
    add_conversation(EN_TURNS)
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url))
    example = FewShotExample(
        (Turn("customer", "W5500 소켓은 몇 개인가요?", "고객"),
         Turn("engineer", "소켓은 8개입니다.", "상담원")),
        "W5500 소켓 수에 관한 대화입니다.",
        (ExamplePair("W5500 소켓은 몇 개인가요?", "소켓은 8개입니다.", (1,), (2,)),))
    path = db_path.parent / "set.jsonl"
    path.write_text(few_shot_line(example) + "\n", encoding="utf-8")
    with opened(db_path) as db:
        fewshot_set.import_file(db, path, who="t")
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url), redo=True)
    # The few-shot set is part of the request, so the cache did not answer the second run.
    assert len(fake_openai.chat_requests()) == 2
    calls = rows(db_path, "SELECT prompt_version, cached FROM llm_calls ORDER BY id")
    versions = [v["id"] for v in rows(db_path, "SELECT id FROM prompt_versions ORDER BY id")]
    assert [(c["prompt_version"], c["cached"]) for c in calls] == [
        (f"split-v2#{versions[0]}", 0), (f"split-v2#{versions[1]}", 0)]
    # The same set again: answered from the cache, still naming its version.
    split_pending(db_path, LLMSplitter("m", base_url=fake_openai.base_url), redo=True)
    assert len(fake_openai.chat_requests()) == 2
    last = rows(db_path, "SELECT prompt_version, cached FROM llm_calls ORDER BY id DESC LIMIT 1")
    assert (last[0]["prompt_version"], last[0]["cached"]) == (f"split-v2#{versions[1]}", 1)
