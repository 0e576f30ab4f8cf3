"""The managed few-shot set: promote, remove, reorder, validate; inputs are raw conversations."""

import json

import pytest

from reviewer.db import now_iso
from reviewer.models import Turn, turns_to_json
from reviewer.prompts import fewshot_set
from reviewer.prompts.check import check_set
from reviewer.prompts.fewshot_set import FewShotSetError
from reviewer.review import store
from reviewer.splitting.prompt import ExamplePair, FewShotExample, example_messages
from reviewer.tokens import count_chat_tokens, get_encoding

EN = [Turn("customer", "Hi, good morning!", "Customer"),
      Turn("customer", "Our W5500 board drops its DHCP lease after a day. Why?", "Customer"),
      Turn("engineer", "Hello. Call DHCP_run() every second so the W5500 renews the lease.",
           "Engineer (Minsu)"),
      Turn("customer", "Thanks! Also, how many sockets does the W5500 have?", "Customer"),
      Turn("engineer", "The W5500 has eight hardware sockets.", "Engineer (Minsu)"),
      Turn("customer", "Great, thank you. Bye!", "Customer")]
KO = [Turn("customer", "안녕하세요", "고객"),
      Turn("customer", "ESP32-S3 보드에 펌웨어 업로드가 계속 실패합니다.", "고객"),
      Turn("engineer", "BOOT 버튼을 누른 채로 RESET 버튼을 눌러 다운로드 모드로 들어가세요.",
           "상담원"),
      Turn("customer", "감사합니다!", "고객")]


def add_conversation(db, cid: str, turns: list[Turn]) -> None:
    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at,"
               " split_status) VALUES (?, 'dump.txt', 'line 1', 'txt', '', ?, ?, 'split')",
               [cid, turns_to_json(turns), now_iso()])


def add_pair(db, cid, question, answer, q_turns, a_turns, *, status="approved", position=0,
             system="About the W5500 DHCP lease and sockets."):
    (pid,) = store.add_pairs(db, [store.NewPair(
        cid, system, question, answer, position=position, status=status, origin="llm:m",
        question_turns=tuple(q_turns), answer_turns=tuple(a_turns))], who="seed")
    return pid


@pytest.fixture
def en(db):
    add_conversation(db, "en", EN)
    first = add_pair(db, "en", EN[1].text, EN[2].text, [1], [2])
    second = add_pair(db, "en", "How many sockets does the W5500 have?", EN[4].text, [3], [4],
                      position=1, status="pending")
    return first, second


def test_a_promoted_pair_brings_the_raw_stretch_of_its_conversation(db, en):
    first, second = en
    example_id = fewshot_set.promote_pair(db, first, who="alice")
    (stored,) = fewshot_set.list_examples(db)
    assert stored.id == example_id and stored.kind == "pair" and stored.pair_ids == (first,)
    example = stored.example
    # The greeting before it comes along; the next question (another pair's turn) does not.
    assert [t.text for t in example.turns] == [EN[0].text, EN[1].text, EN[2].text]
    assert example.pairs == (ExamplePair(EN[1].text, EN[2].text, (2,), (3,)),)
    user, assistant = example_messages(example)
    assert "[1] Customer: Hi, good morning!" in user["content"]
    assert "[3] Engineer: Hello. Call DHCP_run()" in user["content"]
    assert json.loads(assistant["content"]) == {
        "system": "About the W5500 DHCP lease and sockets.",
        "pairs": [{"question": EN[1].text, "answer": EN[2].text, "question_turns": [2],
                   "answer_turns": [3]}]}
    # Not a transcript rebuilt from the pair: the input holds text the pair does not.
    assert "good morning" not in assistant["content"]

    with pytest.raises(FewShotSetError, match="already in the few-shot set"):
        fewshot_set.promote_pair(db, first, who="alice")
    with pytest.raises(FewShotSetError, match="only approved pairs"):
        fewshot_set.promote_pair(db, second, who="alice")
    with pytest.raises(FewShotSetError, match="no pair 999"):
        fewshot_set.promote_pair(db, 999, who="alice")


def test_a_rejected_neighbour_is_noise_the_example_keeps(db, en):
    first, second = en
    store.update_pair(db, second, {"status": "rejected"}, expected_version=1, who="bob")
    fewshot_set.promote_pair(db, first, who="alice")
    (stored,) = fewshot_set.list_examples(db)
    assert len(stored.example.turns) == len(EN)  # the whole conversation, sign-off included


def test_a_conversation_is_promoted_once_every_pair_is_reviewed(db, en):
    first, second = en
    with pytest.raises(FewShotSetError, match="still pending"):
        fewshot_set.promote_conversation(db, "en", who="alice")
    store.update_pair(db, second, {"status": "approved"}, expected_version=1, who="bob")
    fewshot_set.promote_conversation(db, "en", who="alice")
    (stored,) = fewshot_set.list_examples(db)
    assert stored.kind == "conversation" and stored.pair_ids == (first, second)
    assert [t.text for t in stored.example.turns] == [t.text for t in EN]
    assert [(p.question_turns, p.answer_turns) for p in stored.example.pairs] == [
        ((2,), (3,)), ((4,), (5,))]
    with pytest.raises(FewShotSetError, match="already in the few-shot set"):
        fewshot_set.promote_pair(db, first, who="alice")
    with pytest.raises(FewShotSetError, match="no conversation nope"):
        fewshot_set.promote_conversation(db, "nope", who="alice")


def test_remove_and_move_keep_a_dense_order(db, en):
    add_conversation(db, "ko", KO)
    ko = add_pair(db, "ko", KO[1].text, KO[2].text, [1], [2],
                  system="ESP32-S3 펌웨어 업로드 실패에 관한 대화입니다.")
    third = add_pair(db, "ko", "다운로드 모드는 어떻게 들어가나요?", KO[2].text, [], [],
                     position=1)
    a = fewshot_set.promote_pair(db, en[0], who="t")
    b = fewshot_set.promote_pair(db, ko, who="t")
    c = fewshot_set.promote_pair(db, third, who="t")
    order = lambda: [(e.id, e.position) for e in fewshot_set.list_examples(db)]  # noqa: E731
    assert order() == [(a, 0), (b, 1), (c, 2)]
    fewshot_set.move(db, c, 1)
    assert order() == [(c, 0), (a, 1), (b, 2)]
    fewshot_set.move(db, c, 3)
    assert order() == [(a, 0), (b, 1), (c, 2)]
    fewshot_set.remove(db, b)
    assert order() == [(a, 0), (c, 1)]
    with pytest.raises(FewShotSetError, match="outside 1..2"):
        fewshot_set.move(db, a, 3)
    with pytest.raises(FewShotSetError, match="no few-shot example"):
        fewshot_set.remove(db, b)
    # A pair without provenance brings its whole conversation.
    assert [t.text for t in fewshot_set.list_examples(db)[1].example.turns] == [
        t.text for t in KO]


def test_check_passes_a_good_set_and_counts_the_prompt_tokens(db, en):
    add_conversation(db, "ko", KO)
    ko = add_pair(db, "ko", KO[1].text, KO[2].text, [1], [2],
                  system="ESP32-S3 펌웨어 업로드 실패에 관한 대화입니다.")
    fewshot_set.promote_pair(db, en[0], who="t")
    fewshot_set.promote_pair(db, ko, who="t")
    examples = fewshot_set.prompt_examples(db)
    verdict = check_set(examples)
    assert verdict.ok, verdict.lines()
    assert [p.rule for p in verdict.problems] == []  # the set-size rules do not apply
    from reviewer.splitting.prompt import prompt_prefix

    whole = count_chat_tokens(prompt_prefix(examples), get_encoding("o200k_base"))
    assert verdict.prompt_tokens == whole
    assert verdict.system_tokens + sum(verdict.example_tokens) + 3 == whole
    assert len(verdict.example_tokens) == 2 and all(n > 20 for n in verdict.example_tokens)


def test_check_names_each_broken_example_and_why(db):
    good = FewShotExample((Turn("customer", "How many sockets?"), Turn("engineer", "Eight.")),
                          "About the W5500.", (ExamplePair("How many sockets?", "Eight.", (1,),
                                                           (2,)),))
    wrong_side = FewShotExample(good.turns, good.system,
                                (ExamplePair("How many sockets?", "Eight.", (2,), (1,)),))
    out_of_range = FewShotExample(good.turns, good.system,
                                  (ExamplePair("How many sockets?", "Eight.", (1,), (7,)),))
    invented = FewShotExample(good.turns, good.system,
                              (ExamplePair("How many sockets?", "Sixteen, with the W6300 "
                                           "firmware upgrade kit.", (1,), (2,)),))
    only_customer = FewShotExample((Turn("customer", "hello"),), "About it.", ())
    special = FewShotExample(good.turns, "About <|endoftext|> tokens.", good.pairs)
    two_lines = FewShotExample(good.turns, "About\nthe W5500.", good.pairs)
    verdict = check_set([good, wrong_side, out_of_range, invented, only_customer, special,
                         two_lines])
    assert not verdict.ok
    rules = {(p.place, p.rule) for p in verdict.problems if p.severity == "error"}
    assert not any(place == 1 for place, _ in rules)
    assert (2, "output_turn_side") in rules
    assert (3, "output_turn_range") in rules
    assert (4, "output_rejected") in rules
    assert {(5, "input_sides"), (5, "output_no_pairs")} <= rules
    assert any(place == 6 and "special" in rule for place, rule in rules)  # the export gate
    assert (7, "output_rejected") in rules


def test_import_and_export_round_trip_the_set(db, en, tmp_path):
    fewshot_set.promote_pair(db, en[0], who="t")
    path = tmp_path / "out" / "few.jsonl"
    assert fewshot_set.export_file(db, path) == 1
    before = fewshot_set.prompt_examples(db)
    assert fewshot_set.import_file(db, path, who="t", replace=True) == 1
    assert fewshot_set.prompt_examples(db) == before
    assert fewshot_set.list_examples(db)[0].kind == "import"
