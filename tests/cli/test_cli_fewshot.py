"""`reviewer fewshot …` and `reviewer prompts …` against a real database file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.db import now_iso
from reviewer.models import Turn, turns_to_json
from reviewer.prompts.versions import record_version
from reviewer.review import store

TURNS = [Turn("customer", "안녕하세요!", "고객"),
         Turn("customer", "W5500 소켓은 몇 개인가요?", "고객"),
         Turn("engineer", "W5500에는 하드웨어 소켓이 8개 있습니다.", "상담원"),
         Turn("customer", "How fast can the SPI clock go?", "Customer"),
         Turn("engineer", "Up to 80 MHz on the W5500.", "Engineer")]


def run(db_path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


@pytest.fixture
def approved(db):
    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
               " VALUES ('c1', 'dump.txt', 'line 1', 'txt', '', ?, ?)",
               [turns_to_json(TURNS), now_iso()])
    version = record_version(db, "the prompt", [], label="first")
    system = "W5500 소켓과 SPI 클럭에 관한 대화입니다."
    return store.add_pairs(db, [
        store.NewPair("c1", system, TURNS[1].text, TURNS[2].text,
                      status="approved", question_turns=(1,), answer_turns=(2,),
                      prompt_version_id=version, model="gpt-4o-mini"),
        store.NewPair("c1", system, TURNS[3].text, TURNS[4].text,
                      position=1, status="approved", question_turns=(3,), answer_turns=(4,),
                      prompt_version_id=version, model="gpt-4o-mini")], who="seed")


def test_promote_list_move_remove_check(db_path, approved):
    first, second = approved
    result = run(db_path, "fewshot", "promote", str(first), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["examples"] == 1
    assert run(db_path, "fewshot", "promote", "--conversation", "c1").exit_code == 2  # overlap
    result = run(db_path, "fewshot", "promote", str(second))
    assert result.exit_code == 0 and "the set has 2 example(s)" in result.output
    rows = json.loads(run(db_path, "fewshot", "list", "--json").output)
    assert [r["pair_ids"] for r in rows] == [[first], [second]]
    assert rows[0]["turns"] == 3  # the greeting, the question and its answer

    ids = [r["id"] for r in rows]
    assert run(db_path, "fewshot", "move", str(ids[1]), "--to", "1").exit_code == 0
    rows = json.loads(run(db_path, "fewshot", "list", "--json").output)
    assert [r["id"] for r in rows] == [ids[1], ids[0]]

    result = run(db_path, "fewshot", "check", "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["ok"] and verdict["examples"] == 2 and verdict["prompt_tokens"] > 400
    result = run(db_path, "fewshot", "check")
    assert "2 example(s); usable; prompt" in result.output and "tokens" in result.output

    assert run(db_path, "fewshot", "remove", str(ids[0])).exit_code == 0
    result = run(db_path, "fewshot", "remove", str(ids[0]), "--json")
    assert result.exit_code == 2
    assert "no few-shot example" in json.loads(result.stdout.splitlines()[0])["error"]["message"]
    assert run(db_path, "fewshot", "promote").exit_code == 2


def test_promote_refuses_what_is_not_approved(db_path, db, approved):
    row = store.get_pair(db, approved[0])
    store.update_pair(db, approved[0], {"status": "pending"}, expected_version=row["version"],
                      who="t")
    result = run(db_path, "fewshot", "promote", str(approved[0]))
    assert result.exit_code == 2 and "only approved pairs" in result.output


def test_a_broken_set_fails_check_with_exit_1(db_path, tmp_path):
    bad = {"messages": [{"role": "system", "content": "About it."},
                        {"role": "user", "content": "What clock?"},
                        {"role": "assistant", "content": "80 MHz."}],
           "conversation": [{"role": "customer", "text": "Hello"},
                            {"role": "engineer", "text": "Hi"}],
           "pair_turns": [{"question_turns": [1], "answer_turns": [2]}]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    assert run(db_path, "fewshot", "import", str(path)).exit_code == 0
    result = run(db_path, "fewshot", "check")
    assert result.exit_code == 1 and "NOT usable" in result.output
    assert "output_rejected" in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    result = run(db_path, "fewshot", "import", str(broken))
    assert result.exit_code == 2 and "invalid JSON" in result.output


def test_export_writes_a_file_split_and_validate_can_read(db_path, approved, tmp_path):
    run(db_path, "fewshot", "promote", "--conversation", "c1")
    out = tmp_path / "few.jsonl"
    result = run(db_path, "fewshot", "export", str(out))
    assert result.exit_code == 0 and "wrote 1 example(s)" in result.output
    line = json.loads(out.read_text(encoding="utf-8"))
    assert [m["role"] for m in line["messages"]] == ["system", "user", "assistant", "user",
                                                     "assistant"]
    assert line["conversation"][0]["text"] == "안녕하세요!"
    assert line["pair_turns"] == [{"question_turns": [2], "answer_turns": [3]},
                                  {"question_turns": [4], "answer_turns": [5]}]


def test_prompts_list_show_label_and_stats(db_path, db, approved):
    row = store.get_pair(db, approved[1])
    store.update_pair(db, approved[1], {"answer": "Up to 80 MHz."},
                      expected_version=row["version"], who="t")
    listed = json.loads(run(db_path, "prompts", "list", "--json").output)
    assert [v["name"] for v in listed] == ["first"]
    version_id = listed[0]["id"]
    assert run(db_path, "prompts", "label", str(version_id), "v1 baseline").exit_code == 0
    shown = json.loads(run(db_path, "prompts", "show", str(version_id), "--json").output)
    assert shown["label"] == "v1 baseline" and shown["system_text"] == "the prompt"
    assert run(db_path, "prompts", "show", "99").exit_code == 2

    stats = json.loads(run(db_path, "prompts", "stats", "--json").output)
    (entry,) = stats
    assert entry["version_id"] == version_id and entry["model"] == "gpt-4o-mini"
    assert (entry["approved_unchanged"], entry["edited"]) == (1, 1)
    assert entry["share_edited"] == 0.5 and entry["most_edited"] == ["answer"]
    text = run(db_path, "prompts", "stats").output
    assert "v1 baseline" in text and "50%" in text


def test_split_refuses_a_broken_set_with_exit_2_and_uses_a_good_one(db_path, approved,
                                                                     tmp_path, fake_openai):
    bad = {"messages": [{"role": "system", "content": "About it."},
                        {"role": "user", "content": "What clock?"},
                        {"role": "assistant", "content": "80 MHz."}],
           "conversation": [{"role": "customer", "text": "Hello"},
                            {"role": "engineer", "text": "Hi"}],
           "pair_turns": [{"question_turns": [1], "answer_turns": [2]}]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    run(db_path, "fewshot", "import", str(path))
    split = ("split", "--splitter", "llm", "--model", "gpt-4o-mini", "--base-url",
             fake_openai.base_url, "--redo")
    result = run(db_path, *split)
    assert result.exit_code == 2 and "few-shot set cannot be used" in result.output
    assert fake_openai.chat_requests() == []

    example_id = json.loads(run(db_path, "fewshot", "list", "--json").output)[0]["id"]
    run(db_path, "fewshot", "remove", str(example_id))
    run(db_path, "fewshot", "promote", "--conversation", "c1")
    result = run(db_path, *split)
    assert result.exit_code == 0, result.output
    sent = fake_openai.chat_requests()[0].body["messages"]
    assert "[1] Customer: 안녕하세요!" in sent[1]["content"]  # the set's raw conversation
