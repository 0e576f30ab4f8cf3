import pytest
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.importing.transcript import turns_from_text
from reviewer.models import Conversation, Turn
from reviewer.splitting import make_splitter
from reviewer.splitting.rules import RulesSplitter


def conv(*turns: tuple[str, str]) -> Conversation:
    return Conversation("t.txt", "line 1", [Turn(r, t) for r, t in turns], "txt")


def test_english_transcript_gives_one_pair_per_question():
    result = RulesSplitter().split(conv(*EN_TURNS))
    assert result.ok
    assert [p.question for p in result.pairs] == [EN_TURNS[0][1], EN_TURNS[2][1]]
    assert [p.answer for p in result.pairs] == [EN_TURNS[1][1], EN_TURNS[3][1]]
    system = result.pairs[0].system
    assert "\n" not in system and "W5500" in system and "W7500P" in system
    assert system.startswith("This conversation is about")


def test_korean_transcript_summary_in_korean():
    result = RulesSplitter().split(conv(*KO_TURNS))
    assert len(result.pairs) == 1
    pair = result.pairs[0]
    assert pair.question == KO_TURNS[0][1] and pair.answer == KO_TURNS[1][1]
    assert pair.system.startswith("이 대화는 ESP32-S3")


def test_consecutive_turns_are_joined_and_greetings_and_unanswered_skipped():
    result = RulesSplitter().split(conv(
        ("engineer", "Hi, how can I help?"),
        ("customer", "My STM32F407 does not see the W5500."),
        ("customer", "The version register reads 0."),
        ("engineer", "Check the SPI mode."),
        ("engineer", "Also lower the SPI clock."),
        ("customer", "Thanks, one more thing later."),
    ))
    assert len(result.pairs) == 1
    assert result.pairs[0].question == ("My STM32F407 does not see the W5500.\n"
                                        "The version register reads 0.")
    assert result.pairs[0].answer == "Check the SPI mode.\nAlso lower the SPI clock."


def imported(text: str) -> Conversation:
    """A conversation as import stores it: roles read from labels and markers."""
    return Conversation("t.txt", "line 1", turns_from_text(text), "txt")


def test_q_a_markers_read_by_import_give_pairs_without_markers():
    text = ("Q) W5500 소켓은 몇 개인가요?\nA) 8개입니다.\n"
            "질문) 더 많은 칩이 있나요?\n답변) 현재는 없습니다.")
    result = RulesSplitter().split(imported(text))
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("W5500 소켓은 몇 개인가요?", "8개입니다."), ("더 많은 칩이 있나요?", "현재는 없습니다.")]


def test_leftover_markers_on_labelled_turns_are_removed():
    result = RulesSplitter().split(conv(("customer", "Q) Is the W5500 5V tolerant?"),
                                        ("engineer", "답) Its inputs are 5V tolerant.")))
    assert (result.pairs[0].question, result.pairs[0].answer) == (
        "Is the W5500 5V tolerant?", "Its inputs are 5V tolerant.")


def test_speaker_labels_read_by_import():
    text = ("[2024-03-02 10:01] 고객: W5500 보드가 부팅 후 ping에 응답하지 않아요.\n"
            "[2024-03-02 10:03] 엔지니어: 네트워크 설정 후 PHY 링크 상태를 확인해 주세요.\n"
            "케이블도 바꿔 보세요.")
    result = RulesSplitter().split(imported(text))
    assert result.pairs[0].question == "W5500 보드가 부팅 후 ping에 응답하지 않아요."
    assert result.pairs[0].answer.endswith("케이블도 바꿔 보세요.")


def test_imported_roles_are_trusted_not_read_again_from_the_text():
    # A customer quoting an earlier exchange stays the customer: the text is not re-parsed
    # for speakers, only line-leading markers are removed.
    result = RulesSplitter().split(conv(
        ("customer", "Q) Does the HN5500 need a driver?\nA) Your colleague said no.\n"
                     "Engineer: was that right?"),
        ("engineer", "Yes, it is driverless on Linux 5.x."),
    ))
    [pair] = result.pairs
    assert pair.question == ("Does the HN5500 need a driver?\nYour colleague said no.\n"
                             "Engineer: was that right?")
    assert pair.answer == "Yes, it is driverless on Linux 5.x."


def test_reading_labels_is_imports_job():
    text = "Customer: Is the W5500 5V tolerant?\nEngineer: Its inputs are."
    assert RulesSplitter().split(imported(text)).pairs[0].answer == "Its inputs are."
    # a turn import could not attribute is not read again for labels
    unread = RulesSplitter().split(conv(("unknown", text)))
    assert not unread.ok and "no speaker labels" in unread.error


def test_system_turn_is_used_verbatim_as_one_line():
    result = RulesSplitter().split(conv(("system", "About W5500 sockets."),
                                        ("customer", "How many sockets?"),
                                        ("engineer", "Eight.")))
    assert result.pairs[0].system == "About W5500 sockets."


@pytest.mark.parametrize(("turns", "reason"), [
    ([("unknown", "just some text without labels")], "no speaker labels"),
    ([("customer", "Anyone there?")], "no engineer reply found"),
    ([("engineer", "We will be closed on Monday.")], "no customer question found"),
    ([], "empty conversation"),
])
def test_failures_have_clear_reasons(turns, reason):
    result = RulesSplitter().split(conv(*turns))
    assert not result.ok and not result.pairs
    assert reason in result.error


def test_make_splitter_rules_and_unknown_kind():
    assert make_splitter().name == "rules"
    with pytest.raises(ValueError, match="unknown splitter"):
        make_splitter("magic")
