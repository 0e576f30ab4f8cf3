"""Conversations longer than the model's context: counted offline, split in overlapping
chunks on turn boundaries and merged, or refused with the numbers when chunking is off."""

import pytest
from fakes import Reply

from reviewer.db import opened
from reviewer.models import Conversation, QAPair, Turn
from reviewer.review import store
from reviewer.splitting import split_pending
from reviewer.splitting.chunking import (
    OVERLAP_TURNS,
    Budget,
    TurnTooLong,
    merge_pairs,
    output_bound,
    plan_chunks,
)
from reviewer.splitting.failures import failure_code
from reviewer.splitting.llm import LLMSplitter
from reviewer.tokens import get_encoding


def long_english(exchanges: int = 24) -> list[tuple[str, str]]:
    turns = []
    for n in range(exchanges):
        turns.append(("customer", f"Question {n}: after the upgrade my HN-{5500 + n} router "
                                  f"drops port {n + 1} every {n + 2} minutes. What should I "
                                  "check first?"))
        turns.append(("engineer", f"Answer {n}: on the HN-{5500 + n} set port {n + 1} to "
                                  f"fixed speed, disable green Ethernet and watch the "
                                  f"counters for {n + 2} minutes before the next step."))
    return turns


def long_korean(exchanges: int = 24) -> list[tuple[str, str]]:
    turns = []
    for n in range(exchanges):
        turns.append(("customer", f"질문 {n}: 업그레이드 후 W{5500 + n} 보드의 {n + 1}번 소켓이 "
                                  f"{n + 2}분마다 끊깁니다. 무엇부터 확인해야 하나요?"))
        turns.append(("engineer", f"답변 {n}: W{5500 + n}의 {n + 1}번 소켓 타임아웃을 늘리고 "
                                  f"{n + 2}분 동안 재전송 카운터를 확인해 주세요."))
    return turns


def conv(turns) -> Conversation:
    return Conversation("t.txt", "line 1", [Turn(r, t) for r, t in turns], "txt")


def small_window(server, room: int, **kwargs) -> LLMSplitter:
    """A splitter whose context leaves about `room` tokens for the conversation."""
    probe = LLMSplitter("small-local-model", base_url=server.base_url, examples=[])
    prompt = probe.budget.prompt_tokens
    window = prompt + 24 + room + output_bound(room, probe.max_output_tokens)
    return LLMSplitter("small-local-model", base_url=server.base_url, examples=[],
                       context_window=window, timeout=5.0, **kwargs)


def transcript_tokens(request) -> int:
    enc = get_encoding("o200k_base")
    return len(enc.encode_ordinary(request.body["messages"][-1]["content"]))


@pytest.mark.parametrize("turns", [long_english(), long_korean()], ids=["en", "ko"])
def test_a_long_conversation_is_split_in_chunks_and_merged_without_duplicates(
        fake_openai, turns):
    splitter = small_window(fake_openai, room=400)
    conversation = conv(turns)
    result = splitter.split(conversation)
    assert result.ok, result.error
    requests = fake_openai.chat_requests()
    assert len(requests) == result.chunks > 2
    # each request stayed inside the room the budget left for the conversation
    assert all(transcript_tokens(r) <= 400 + 40 for r in requests)
    # every exchange once, in order, and nothing else
    assert [p.question for p in result.pairs] == [t for r, t in turns if r == "customer"]
    assert [p.answer for p in result.pairs] == [t for r, t in turns if r == "engineer"]
    assert result.merged >= len(requests) - 1  # the overlap was found twice and merged
    # provenance is counted in the whole conversation, not in the chunk
    for pair in result.pairs:
        (q,), (a,) = pair.question_turns, pair.answer_turns
        assert conversation.turns[q].text == pair.question
        assert conversation.turns[a].text == pair.answer
    assert len({p.system for p in result.pairs}) == 1


def test_chunks_go_through_the_run_and_the_summary(db_path, fake_openai, add_conversation):
    turns = long_english(16)
    cid = add_conversation(turns)
    splitter = small_window(fake_openai, room=350)
    report = split_pending(db_path, splitter)
    assert report.split == 1 and report.pairs_created == 16
    assert report.outcome.chunked == 1 and report.outcome.chunks == len(
        fake_openai.chat_requests())
    assert report.outcome.merged > 0
    lines = report.lines()
    assert any(line.startswith("long conversations: 1 split in ") for line in lines)
    assert any(f"duplicates merged: {report.outcome.merged}" in line for line in lines)
    with opened(db_path) as db:
        pairs = store.pairs_of_conversation(db, cid)
        for pair in pairs:
            (q,) = store.turns_of(pair["question_turns"])
            assert turns[q][1] == pair["question"]
            assert "provenance_mismatch" not in (pair["flags"] or "")


def test_with_chunking_off_a_long_conversation_is_refused_unsent(fake_openai):
    splitter = small_window(fake_openai, room=300, chunking=False)
    result = splitter.split(conv(long_english()))
    assert failure_code(result.error) == "context_overflow"
    assert "not sent:" in result.error and "chunking is off" in result.error
    assert "context window of" in result.error
    assert fake_openai.chat_requests() == []


def test_one_turn_longer_than_the_room_is_refused(fake_openai):
    splitter = small_window(fake_openai, room=200)
    turns = [("customer", "Why does it fail? " + "The log says: watchdog reset. " * 80),
             ("engineer", "Disable the watchdog.")]
    result = splitter.split(conv(turns))
    assert result.error.startswith("context_overflow: not sent: turn 1 alone is ")
    assert fake_openai.chat_requests() == []


def test_a_conversation_that_fits_is_one_request(fake_openai):
    result = small_window(fake_openai, room=4000).split(conv(long_english(6)))
    assert result.ok and result.chunks == 1 and len(fake_openai.chat_requests()) == 1


def test_a_chunk_that_fails_fails_the_conversation_and_says_which(fake_openai):
    fake_openai.chooser = lambda body: (Reply.refusal("no") if "Question 9:" in
                                        body["messages"][-1]["content"] else None)
    result = small_window(fake_openai, room=400).split(conv(long_english()))
    assert failure_code(result.error) == "refusal"
    assert "chunk " in result.error and "(turns " in result.error


# ---- the pieces ---------------------------------------------------------------------------

def test_plan_chunks_overlaps_on_turn_boundaries_and_starts_at_a_question():
    sizes = [30] * 20
    chunks = plan_chunks(sizes, 100, starts_question=lambda i: i % 2 == 0)
    assert chunks[0].start == 0 and chunks[-1].end == 20
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.start < after.start < before.end  # overlapping, always moving on
        assert before.end - after.start <= OVERLAP_TURNS
        assert after.start % 2 == 0
    assert all(c.tokens <= 100 for c in chunks)
    with pytest.raises(TurnTooLong):
        plan_chunks([10, 500, 10], 100)


def test_merge_pairs_by_source_turns_or_normalised_text():
    a = QAPair("s", "How?", "Like this.", (0,), (1,))
    same_turns = QAPair("s", "How ?", "Like this, fully.", (0,), (1, 3))
    same_text = QAPair("s", "  how?", "Another answer.", (), ())
    other = QAPair("s", "Why?", "Because.", (2,), (3,))
    kept, merged = merge_pairs([a, other, same_turns, same_text])
    assert merged == 2
    assert kept == [same_turns, other]  # the copy with more source turns wins


def test_budget_and_output_bound():
    assert output_bound(100, 4096) == 456 and output_bound(10_000, 4096) == 4096
    budget = Budget(8192, 1500, 4096)
    room = budget.room()
    assert budget.fits(room) and not budget.fits(room + 1)
    assert "context window of 8,192" in budget.describe(room + 1)
