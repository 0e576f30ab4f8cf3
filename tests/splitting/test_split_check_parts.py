"""The parts the LLM checks are built from: loops, labels, language, failure codes, and the
review flags they add."""

import json

import pytest

from reviewer.llm.base import LLMError
from reviewer.models import Turn
from reviewer.review import flags as F
from reviewer.review.labels import strip_labels
from reviewer.review.language import ENGLISH, KOREAN, language_of, mismatch
from reviewer.splitting.failures import (
    FAILURE_CODES,
    OTHER,
    code_for_error,
    failure_code,
    is_context_overflow,
    reason,
)
from reviewer.splitting.repetition import find_loop, loop_in_answer

EN = ["My HN-5500 router reboots every night at 2 am.",
      "Disable Auto-Reboot under System > Maintenance and update to firmware 3.2."]
KO = ["ESP32-S3 보드에 펌웨어 업로드가 계속 실패합니다.",
      "BOOT 버튼을 누른 채로 RESET 버튼을 눌러 다운로드 모드로 들어가세요."]


# ---- repetition ---------------------------------------------------------------------------

def test_a_sentence_repeated_until_the_limit_is_a_loop():
    looping = '{"system": "' + "Please restart the router. " * 30
    assert find_loop(looping) == "Please restart the router."
    assert find_loop("재부팅해 주세요. " * 10) == "재부팅해 주세요."


def test_a_tail_loop_without_sentence_ends_is_a_loop():
    assert find_loop('{"answer": "abc ' + "reset pin " * 20) is not None


def test_ordinary_answers_and_repeats_the_conversation_holds_are_not_loops():
    normal = '{"system": "Router reboots.", "pairs": [{"question": "Why?", "answer": "Watchdog."}]}'
    assert find_loop(normal) is None
    log = "ERROR: link down on port 3. " * 5
    assert find_loop(log, source=log) is None
    assert find_loop(log, source="") == "ERROR: link down on port 3."
    assert find_loop("") is None and find_loop(None) is None


def test_many_pairs_or_one_pair_given_again_is_not_a_loop_but_a_loop_in_a_text_is():
    pairs = [{"question": f"Question {n} about the HN-5500 router?", "answer": f"Answer {n}.",
              "question_turns": [1], "answer_turns": [2]} for n in range(8)]
    finished = json.dumps({"system": "Router.", "pairs": pairs + pairs[:1] * 5})
    assert loop_in_answer(finished, truncated=False) is None  # duplicates: merged later
    assert loop_in_answer(finished[:-40], truncated=True) is not None  # cut off mid-loop
    looping = json.dumps({"system": "Restart it now. " * 6, "pairs": []})
    assert loop_in_answer(looping, truncated=False) == "Restart it now."


# ---- speaker labels -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "clean", "roles"), [
    ("Engineer: Welcome to support.", "Welcome to support.", ("engineer",)),
    ("Customer: I can escalate to my manager", "I can escalate to my manager", ("customer",)),
    ("**고객:** 드라이버가 안 됩니다", "드라이버가 안 됩니다", ("customer",)),
    ("[3] 상담원: 재부팅하세요\nAgent: and update", "재부팅하세요\nand update",
     ("engineer", "engineer")),
    ("[10:02] Support (Minsu): try again", "try again", ("engineer",)),
])
def test_copied_speaker_labels_are_found_and_removed(text, clean, roles):
    labelled = strip_labels(text)
    assert (labelled.text, labelled.roles) == (clean, roles)


@pytest.mark.parametrize("text", ["Set the IP to 10:20 please", "Note: use 3.3 V",
                                  "ratio\na: b", "Error: timeout on port 3"])
def test_text_that_only_looks_labelled_is_left_alone(text):
    assert strip_labels(text).labels == ()


# ---- language -----------------------------------------------------------------------------

def test_language_by_hangul_share():
    assert language_of(KO[0]) == KOREAN and language_of(EN[0]) == ENGLISH
    assert language_of("OK W5500") is None  # too short to judge


def test_mismatch_spares_quotes_and_catches_translations():
    assert mismatch("이 대화는 라우터 재부팅에 관한 상담입니다.", EN) == KOREAN
    assert mismatch("Hold BOOT, press RESET and enter download mode.", KO) == ENGLISH
    log = "ERROR: spi flash read failed at 0x1000"
    assert mismatch(log, [*KO, log]) is None  # quoted from the conversation
    assert mismatch(EN[1], EN) is None


# ---- failure codes ------------------------------------------------------------------------

def test_reasons_carry_their_code():
    assert failure_code(reason("repetition", "loops")) == "repetition"
    assert failure_code("API error HTTP 500: down") == OTHER
    assert failure_code(None) == OTHER
    assert len(set(FAILURE_CODES)) == len(FAILURE_CODES)


@pytest.mark.parametrize(("error", "code"), [
    (LLMError("API timeout: no answer", "timeout"), "timeout"),
    (LLMError("API error HTTP 400: context_length_exceeded", "http_status", 400),
     "context_overflow"),
    (LLMError("API error HTTP 400: prompt is too long: 9000 tokens", "http_status", 400),
     "context_overflow"),
    (LLMError("API error HTTP 400: unsupported response_format json_schema", "http_status",
              400), "api_error"),
    (LLMError("rate limited: HTTP 429 after retries: quota", "rate_limit"), "rate_limit"),
    (LLMError("API connection error: refused", "connection"), "connection"),
])
def test_errors_map_to_codes(error, code):
    assert code_for_error(error) == code


def test_a_rate_limit_is_never_a_context_overflow():
    error = LLMError("rate limited: too many tokens per minute", "rate_limit")
    assert not is_context_overflow(error)


# ---- review flags -------------------------------------------------------------------------

def turns(texts, roles=("customer", "engineer")):
    return [Turn(role, text) for role, text in zip(roles, texts, strict=True)]


def codes(found):
    return [f.code for f in found]


def test_a_pair_with_a_copied_label_is_flagged():
    found = F.compute_flags("Customer: " + EN[0], EN[1], "Router reboots.", turns(EN))
    assert codes(found) == [F.SPEAKER_LABEL]
    assert "“Customer:”" in found[0].detail


def test_a_label_the_turn_itself_has_is_not_flagged():
    said = ["Question 3: my HN-5500 reboots nightly, why?", EN[1]]
    assert F.compute_flags(said[0], said[1], "Router reboots.", turns(said)) == []


def test_a_supported_text_in_the_other_language_is_flagged():
    # The engineer's English turn quoted, then short Korean sentences glossing it: supported
    # enough not to be invented, but mostly Korean in an English conversation.
    answer = (EN[1] + " 자동 재부팅을 끄세요. 펌웨어도 올려 주세요."
              " 그러면 밤마다 꺼지지 않습니다. 다시 알려 주세요.")
    found = F.compute_flags(EN[0], answer, "Router reboots.", turns(EN))
    assert codes(found) == [F.WRONG_LANGUAGE]
    assert found[0].detail == "the answer is in Korean, not the conversation's language"


def test_a_text_already_flagged_as_from_elsewhere_is_not_also_wrong_language():
    found = F.compute_flags(EN[0], KO[1], "Router reboots.", turns(EN))
    assert codes(found) == [F.UNSUPPORTED_ANSWER]
