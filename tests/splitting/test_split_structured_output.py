"""The structured-output ladder against servers that take different request forms."""

import json

from click.testing import CliRunner
from fakes import Reply
from fakes.openai_server import request_form
from splitting_samples import EN_TURNS

from reviewer.cli import cli
from reviewer.llm.structured import RUNG_CACHE
from reviewer.splitting import split_pending
from reviewer.splitting.checks import parse_answer
from reviewer.splitting.llm import LLMSplitter


def splitter(server, **kw) -> LLMSplitter:
    return LLMSplitter("small-model", base_url=server.base_url, max_retries=0, **kw)


def forms(server) -> list[str]:
    return [request_form(r.body) for r in server.chat_requests()]


def test_a_llama_cpp_python_shaped_server_is_split_on_its_own_form(
        db_path, add_conversation, fake_openai):
    # Takes json_object with a schema, answers json_schema with HTTP 500 (seen in the field).
    fake_openai.accepted_forms = {"json_object_schema"}
    for n in range(4):
        add_conversation([("customer", f"Question {n} about the W5500?"),
                          ("engineer", f"Answer {n}: reset the W5500.")], locator=f"line {n}")
    report = split_pending(db_path, splitter(fake_openai), concurrency=1)
    assert (report.split, report.failed) == (4, 0)
    # Climbed down once, then every request used the form the server takes.
    assert forms(fake_openai) == ["json_schema"] + ["json_object_schema"] * 4
    assert RUNG_CACHE.get("custom", "small-model") == "json_object_schema"


def test_a_server_without_response_format_gets_the_schema_in_the_prompt(
        db_path, add_conversation, fake_openai):
    fake_openai.accepted_forms = {"prompt"}
    add_conversation(EN_TURNS)
    report = split_pending(db_path, splitter(fake_openai))
    assert report.split == 1
    assert forms(fake_openai) == ["json_schema", "json_object_schema", "json_object", "prompt"]
    last = fake_openai.chat_requests()[-1].body
    assert "response_format" not in last
    assert '"pairs"' in last["messages"][0]["content"]  # the schema rides in the prompt


def test_a_server_that_takes_no_form_fails_with_every_reason(
        db_path, add_conversation, fake_openai):
    fake_openai.accepted_forms = set()
    add_conversation(EN_TURNS)
    report = split_pending(db_path, splitter(fake_openai))
    assert report.failed == 1
    reason = report.failures[0][1]
    assert reason.startswith("api_error: the server took none of the structured-output forms")
    assert "json_schema: API error HTTP 500" in reason


def test_an_unrelated_server_error_is_not_taken_for_a_format_problem(
        db_path, add_conversation, fake_openai):
    fake_openai.queue(Reply.error(500, message="model is loading"))
    add_conversation(EN_TURNS)
    report = split_pending(db_path, splitter(fake_openai))
    assert report.failed == 1 and "HTTP 500: model is loading" in report.failures[0][1]
    assert forms(fake_openai) == ["json_schema"]
    assert RUNG_CACHE.get("custom", "small-model") is None


def test_a_fenced_json_answer_is_read():
    answer = {"system": "s", "pairs": [{"question": "q?", "answer": "a."}]}
    assert parse_answer("```json\n" + json.dumps(answer) + "\n```") == answer


def test_providers_check_prints_the_form_the_server_takes(tmp_path, fake_openai):
    fake_openai.accepted_forms = {"json_object_schema", "json_object"}
    providers = tmp_path / "providers.toml"
    providers.write_text(f'[providers.box]\nbase_url = "{fake_openai.base_url}"\n',
                         encoding="utf-8")
    result = CliRunner().invoke(cli, ["providers", "check", "box", "--model", "m",
                                      "--providers", str(providers), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["structured_output"] == "json_object_schema"
    assert data["refused"][0].startswith("json_schema: API error HTTP 500")
    fake_openai.accepted_forms = set()
    RUNG_CACHE.forget()
    none = CliRunner().invoke(cli, ["providers", "check", "box", "--model", "m",
                                    "--providers", str(providers)])
    assert none.exit_code == 1 and "no structured-output form works" in none.stdout


def test_llm_pairs_carry_the_turns_they_name_and_a_wrong_claim_is_flagged(
        db_path, add_conversation, fake_openai):
    from reviewer.db import opened
    from reviewer.review import store

    cid = add_conversation([("customer", "Hello!"), ("engineer", "Hi, how can I help?"),
                            ("customer", "My X200 drops Wi-Fi every evening."),
                            ("engineer", "Update the X200 firmware to 2.1.")])
    split_pending(db_path, splitter(fake_openai))
    request = fake_openai.chat_requests()[-1].body
    assert "[3] Customer: My X200 drops Wi-Fi every evening." in request["messages"][-1][
        "content"]
    with opened(db_path) as db:
        pairs = store.pairs_of_conversation(db, cid)
        last = pairs[-1]
        assert store.turns_of(last["question_turns"]) == (2,)
        assert store.turns_of(last["answer_turns"]) == (3,)
    # A model that names the wrong turns: the pair is stored with its real provenance and
    # a provenance_mismatch flag says what was claimed.
    wrong = {"system": "X200 Wi-Fi drops.", "pairs": [
        {"question": "My X200 drops Wi-Fi every evening.",
         "answer": "Update the X200 firmware to 2.1.", "question_turns": [1],
         "answer_turns": [2]}]}
    fake_openai.default = Reply.content_of(json.dumps(wrong))
    split_pending(db_path, splitter(fake_openai), redo=True, use_cache=False)
    with opened(db_path) as db:
        fresh = [p for p in store.pairs_of_conversation(db, cid) if p["status"] == "pending"]
    assert fresh and store.turns_of(fresh[-1]["answer_turns"]) == (3,)
    assert "provenance_mismatch" in (fresh[-1]["flags"] or "")
