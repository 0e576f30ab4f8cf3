"""Risk flags on pairs: each flag raised and not raised, in English and Korean; provenance on
the sample conversations; empty, very long and unusual text; cost that grows linearly."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

import pytest

from reviewer.importing import import_paths
from reviewer.models import Conversation, Turn, conversation_from_row
from reviewer.paths import PROJECT_DIR
from reviewer.review import flags as F
from reviewer.review.flags import (
    Flag,
    compute_flags,
    duplicate_groups,
    provenance_for,
    question_key,
)
from reviewer.review.greetings import small_talk
from reviewer.review.overlap import Piece, Side, units
from reviewer.splitting import make_splitter

EN = [
    Turn("customer", "Our board with the HN5500 Ethernet controller loses its link after about "
                     "an hour of traffic. What should we check first?", "Customer"),
    Turn("engineer", "First check the 25 MHz crystal load capacitors and the RSTn line. Also "
                     "confirm you are on firmware 1.4.2 or later; 1.4.0 had a PHY watchdog bug.",
         "Engineer"),
    Turn("customer", "We are on 1.4.0. Can we fix the watchdog bug without a board respin?",
         "Customer"),
    Turn("engineer", "Yes. No respin is needed: flash 1.4.2 over SPI with the HexaFlash tool "
                     "and enable the PHY watchdog in the common register block.", "Engineer"),
]
KO = [
    Turn("customer", "HN5500 이더넷 컨트롤러로 TCP 서버를 만들었는데, 소켓을 8개 "
                     "모두 쓰면 새 연결이 거부됩니다. 소켓 개수를 늘릴 수 있나요?", "고객"),
    Turn("engineer", "HN5500의 하드웨어 소켓은 8개로 고정되어 있어 늘릴 수는 "
                     "없습니다. 대신 연결이 끝난 소켓을 바로 닫고 다시 LISTEN 상태로 "
                     "돌려 주세요.", "엔지니어"),
    Turn("customer", "그렇게 고쳤더니 해결되었습니다. 그런데 keep-alive 설정은 "
                     "어디서 하나요?", "고객"),
    Turn("engineer", "Sn_KPALVTR 레지스터에 5초 단위 값을 쓰면 됩니다. 예를 들어 "
                     "2를 쓰면 10초마다 keep-alive 패킷을 보냅니다.", "엔지니어"),
]
CONVERSATIONS = {"en": EN, "ko": KO}
# Made-up answers of an engineer's tone, from no conversation here.
MADE_UP = {
    "en": "Reinstall the vendor driver package, reboot the machine and run the self test from "
          "the maintenance tab; if the warning stays, ask your distributor for a new unit.",
    "ko": "제조사 드라이버 패키지를 다시 설치하고 재부팅한 뒤 유지보수 탭에서 자가 진단을 실행해 "
          "주세요. 경고가 계속되면 대리점에 교체를 요청하시면 됩니다.",
}
# Faithful rewordings of turn 1 an editor might write.
REWORDED = {
    "en": "Check the 25 MHz crystal load capacitors and the RSTn line first, and make sure the "
          "firmware is 1.4.2 or newer, because 1.4.0 has a PHY watchdog bug.",
    "ko": "HN5500 하드웨어 소켓은 8개로 고정이라 늘릴수 없습니다. 연결이 끝난 소켓은 바로 닫고 "
          "LISTEN 상태로 다시 돌려주세요.",
}
REWORDED_QUESTION = {
    "en": "Can we fix the PHY watchdog bug on 1.4.0 without a board respin?",
    "ko": "keep-alive 설정은 어디서 하나요?",
}
LANGS = ["en", "ko"]


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def flags_for(lang: str, question: str | None = None, answer: str | None = None,
              **kw) -> list[Flag]:
    turns = CONVERSATIONS[lang]
    return compute_flags(turns[0].text if question is None else question,
                         turns[1].text if answer is None else answer, "", turns, **kw)


# ---- clean pairs -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_a_pair_taken_straight_from_its_turns_has_no_flags(lang):
    turns = CONVERSATIONS[lang]
    assert flags_for(lang, question_turns=[0], answer_turns=[1], other_questions=[turns[2].text],
                     token_count=100, token_limit=4096) == []
    assert compute_flags(turns[2].text, turns[3].text, "", turns) == []


def test_flag_is_a_frozen_record_with_code_severity_and_reason():
    flag = flags_for("en", answer=MADE_UP["en"])[0]
    assert (flag.code, flag.severity) == (F.UNSUPPORTED_ANSWER, F.HIGH)
    assert flag.detail and "%" in flag.detail
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.code = "other"  # type: ignore[misc]
    assert set(F.SEVERITY.values()) <= set(F.SEVERITIES)
    assert set(F.FLAG_CODES) == set(F.SEVERITY) | set(F.EXTERNAL_FLAGS)


# ---- unsupported_answer ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_made_up_answer_is_unsupported(lang):
    flags = flags_for(lang, answer=MADE_UP[lang])
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]
    assert "engineer's turns" in flags[0].detail


@pytest.mark.parametrize("lang", LANGS)
def test_answer_from_another_conversation_is_unsupported(lang):
    other = KO if lang == "en" else EN
    assert codes(flags_for(lang, answer=other[3].text)) == [F.UNSUPPORTED_ANSWER]


@pytest.mark.parametrize("lang", LANGS)
def test_reworded_answer_and_a_merge_of_engineer_turns_are_supported(lang):
    turns = CONVERSATIONS[lang]
    assert flags_for(lang, answer=REWORDED[lang]) == []
    merged = turns[1].text + "\n" + turns[3].text
    assert flags_for(lang, answer=merged, answer_turns=[1, 3]) == []


@pytest.mark.parametrize("lang", LANGS)
def test_made_up_sentence_added_to_a_true_answer_is_unsupported(lang):
    added = {"en": "Then open the advanced settings, switch the power profile to balanced and "
                   "disable the automatic recovery option.",
             "ko": "그 다음 고급 설정에서 전원 프로필을 균형 모드로 바꾸고 "
                   "자동 복구 옵션을 꺼 주세요."}
    flags = flags_for(lang, answer=CONVERSATIONS[lang][1].text + " " + added[lang])
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]
    assert "sentence" in flags[0].detail


@pytest.mark.parametrize("lang", LANGS)
def test_a_number_found_nowhere_in_the_conversation_is_unsupported(lang):
    turns = CONVERSATIONS[lang]
    changed = turns[1].text.replace("1.4.2", "1.7.3").replace("8개", "16개")
    flags = flags_for(lang, answer=changed)
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]
    assert ("1.7.3" if lang == "en" else "16") in flags[0].detail


def test_renumbered_steps_are_not_made_up_numbers():
    answer = ("1. Check the 25 MHz crystal load capacitors and the RSTn line.\n"
              "2. Confirm you are on firmware 1.4.2 or later.")
    assert flags_for("en", answer=answer) == []


def test_a_number_the_customer_wrote_may_appear_in_the_answer():
    answer = EN[1].text + " On 1.4.0 the link drops after an hour."
    assert flags_for("en", answer=answer) == []


def test_without_speaker_roles_the_whole_conversation_is_the_source():
    turns = [dataclasses.replace(t, role="unknown") for t in EN]
    assert compute_flags(EN[0].text, EN[1].text, "", turns) == []
    flags = compute_flags(EN[0].text, MADE_UP["en"], "", turns)
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]
    assert "the conversation" in flags[0].detail


def test_turns_of_unknown_speakers_may_hold_the_answer_or_the_question():
    turns = [EN[0], dataclasses.replace(EN[1], role="unknown"), EN[2], EN[3]]
    assert compute_flags(EN[0].text, EN[1].text, "", turns) == []
    flags = compute_flags(EN[0].text, MADE_UP["en"], "", turns)
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]
    assert "the engineer's and unlabelled turns" in flags[0].detail
    asked = [dataclasses.replace(EN[0], role="unknown"), EN[1], EN[2], EN[3]]
    assert compute_flags(EN[0].text, EN[1].text, "", asked) == []


# ---- question_not_from_customer, swapped, answer_from_customer -----------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_question_from_elsewhere_or_from_the_engineer_is_flagged(lang):
    other = KO if lang == "en" else EN
    assert codes(flags_for(lang, question=other[2].text)) == [F.QUESTION_NOT_FROM_CUSTOMER]
    from_engineer = flags_for(lang, question=CONVERSATIONS[lang][3].text)
    assert codes(from_engineer) == [F.QUESTION_NOT_FROM_CUSTOMER]
    assert "engineer's turns" in from_engineer[0].detail


@pytest.mark.parametrize("lang", LANGS)
def test_reworded_question_is_the_customers(lang):
    turns = CONVERSATIONS[lang]
    assert compute_flags(REWORDED_QUESTION[lang], turns[3].text, "", turns) == []


@pytest.mark.parametrize("lang", LANGS)
def test_swapped_pair_is_one_swapped_flag(lang):
    turns = CONVERSATIONS[lang]
    flags = compute_flags(turns[1].text, turns[0].text, "", turns, question_turns=[1],
                          answer_turns=[0])
    assert codes(flags) == [F.SWAPPED]
    assert flags[0].severity == F.HIGH


@pytest.mark.parametrize("lang", LANGS)
def test_answer_copied_from_the_customer_is_flagged_once(lang):
    turns = CONVERSATIONS[lang]
    flags = compute_flags(turns[0].text, turns[2].text, "", turns)
    assert codes(flags) == [F.ANSWER_FROM_CUSTOMER]
    assert "customer's turns" in flags[0].detail


def test_an_answer_that_repeats_a_few_of_the_customers_words_is_not_from_the_customer():
    answer = "The link loses traffic after about an hour when the crystal load capacitors are "\
             "wrong; check them and the RSTn line first."
    assert F.ANSWER_FROM_CUSTOMER not in codes(flags_for("en", answer=answer))


# ---- greeting ----------------------------------------------------------------------------------

SMALL_TALK = [
    "Hello, thanks for contacting Vela support. How can I help you today?",
    "Can I have your name, please?",
    "Hi there, this is Tom from Brightline Labs.",
    "Thank you so much, have a great day!",
    "안녕하세요",
    "감사합니다",
    "고객님 성함이 어떻게 되시나요?",
    "안녕하세요, Vela 기술지원입니다. 무엇을 도와드릴까요?",
    "네, 알겠습니다. 잠시만 기다려 주세요.",
    "문의해 주셔서 감사합니다. 연락처를 알려 주시겠어요?",
]
NOT_SMALL_TALK = [
    "Hello, my TB-32 board is not detected after flashing. How do I get it into the bootloader?",
    "That worked, thanks. Why did my sketch break USB in the first place?",
    "Yes",
    "I am stuck.",
    "Thanks for contacting us about the HN5500 SPI timing problem at 80 MHz.",
    "안녕하세요, TB-32 보드가 윈도우에서 인식되지 않습니다. 어떻게 해야 하나요?",
    "감사합니다. 그런데 keep-alive 설정은 어디서 하나요?",
    "네, 가능합니다.",
    "3.3V 단일 전원으로 동작합니다.",
]


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_is_recognised(text):
    assert small_talk(text)[0]


@pytest.mark.parametrize("text", NOT_SMALL_TALK)
def test_technical_text_with_a_greeting_in_it_is_not_small_talk(text):
    assert not small_talk(text)[0]


@pytest.mark.parametrize("lang", LANGS)
def test_greeting_exchange_is_flagged_and_names_the_side(lang):
    hello, reply = {
        "en": ("Hi there!", "Hello, thanks for contacting us. Can I have your name?"),
        "ko": ("안녕하세요.", "안녕하세요, 기술지원팀입니다. 고객님 성함이 어떻게 되시나요?"),
    }[lang]
    turns = [Turn("customer", hello), Turn("engineer", reply), *CONVERSATIONS[lang]]
    flags = compute_flags(hello, reply, "", turns)
    assert codes(flags) == [F.GREETING]
    assert "question" in flags[0].detail and "answer" in flags[0].detail
    only_answer = compute_flags(turns[2].text, reply, "", turns)
    assert codes(only_answer) == [F.GREETING]
    assert "the answer is small talk" in only_answer[0].detail


# ---- duplicate -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_same_question_up_to_case_spacing_and_punctuation_is_a_duplicate(lang):
    question = CONVERSATIONS[lang][0].text
    variant = "  " + question.upper().replace(" ", "   ").rstrip("?") + " !"
    flags = flags_for(lang, other_questions=[variant, variant, CONVERSATIONS[lang][2].text])
    assert codes(flags) == [F.DUPLICATE]
    assert "2 other pairs" in flags[0].detail
    assert question_key(question) == question_key(variant)


def test_duplicate_groups_gather_the_same_questions_once():
    questions = ["How do I reset it?", "Why?", "how do I  reset it", "소켓 개수를 늘릴 수 있나요?",
                 "소켓 개수를 늘릴수 있나요", "", "?"]
    assert duplicate_groups(questions) == {question_key(questions[0]): [0, 2],
                                           question_key(questions[3]): [3, 4]}
    group = duplicate_groups(questions)[question_key(questions[3])]
    others = [questions[j] for j in group if j != 3]
    flags = compute_flags(questions[3], KO[1].text, "", KO, other_questions=others)
    assert codes(flags) == [F.DUPLICATE] and "1 other pair" in flags[0].detail


@pytest.mark.parametrize("lang", LANGS)
def test_different_or_no_other_questions_are_no_duplicate(lang):
    turns = CONVERSATIONS[lang]
    assert flags_for(lang, other_questions=[turns[2].text]) == []
    assert flags_for(lang, other_questions=[]) == []
    assert F.DUPLICATE not in codes(compute_flags("?!", "", "", turns, other_questions=["..."]))


# ---- personal_data ---------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "extra", "raw", "kind"), [
    ("en", " Mail me at minsu.kim@example.com.", "minsu.kim@example.com", "email address"),
    ("ko", " 연락처는 010-2345-6789입니다.", "010-2345-6789", "phone number"),
])
def test_personal_data_is_flagged_masked(lang, extra, raw, kind):
    turns = list(CONVERSATIONS[lang])
    turns[0] = dataclasses.replace(turns[0], text=turns[0].text + extra)
    flags = compute_flags(turns[0].text, turns[1].text, "", turns)
    assert codes(flags) == [F.PERSONAL_DATA]
    assert kind in flags[0].detail and "question" in flags[0].detail
    assert raw not in flags[0].detail


@pytest.mark.parametrize("lang", LANGS)
def test_version_numbers_and_registers_are_not_personal_data(lang):
    assert flags_for(lang, answer=CONVERSATIONS[lang][3].text, question=CONVERSATIONS[lang][2].text
                     ) == []


# ---- over_token_limit ------------------------------------------------------------------------

def test_over_token_limit_only_when_both_are_given_and_exceeded():
    assert codes(flags_for("en", token_count=4097, token_limit=4096)) == [F.OVER_TOKEN_LIMIT]
    assert "4,097" in flags_for("en", token_count=4097, token_limit=4096)[0].detail
    assert flags_for("en", token_count=4096, token_limit=4096) == []
    assert flags_for("ko", token_count=10**6) == []
    assert flags_for("ko", token_limit=1) == []


# ---- provenance_mismatch ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_turn_indices_out_of_range_are_a_mismatch(lang):
    flags = flags_for(lang, question_turns=[0], answer_turns=[1, 9])
    assert codes(flags) == [F.PROVENANCE_MISMATCH]
    assert "9" in flags[0].detail and "4 turns" in flags[0].detail
    assert codes(flags_for(lang, question_turns=[-1])) == [F.PROVENANCE_MISMATCH]


@pytest.mark.parametrize("lang", LANGS)
def test_text_not_in_its_claimed_turns_is_a_mismatch_naming_the_right_ones(lang):
    flags = flags_for(lang, question_turns=[0], answer_turns=[3])
    assert codes(flags) == [F.PROVENANCE_MISMATCH]
    assert "best match is turns [1]" in flags[0].detail
    assert codes(flags_for(lang, question_turns=[2], answer_turns=[1])) == [F.PROVENANCE_MISMATCH]


@pytest.mark.parametrize("lang", LANGS)
def test_missing_or_empty_provenance_is_not_checked(lang):
    assert flags_for(lang, question_turns=None, answer_turns=[]) == []


def test_an_invented_answer_is_unsupported_not_also_misplaced():
    flags = flags_for("en", answer=MADE_UP["en"], answer_turns=[1])
    assert codes(flags) == [F.UNSUPPORTED_ANSWER]


# ---- provenance_for and the sample conversations ---------------------------------------------

@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> list[Conversation]:
    from reviewer.db import connect

    db = connect(tmp_path_factory.mktemp("flags") / "samples.db")
    try:
        report = import_paths(db, [PROJECT_DIR / "data" / "samples"], who="test")
        assert report.ok and report.imported == 26
        rows = db.query("SELECT * FROM conversations ORDER BY source, locator")
        return [conversation_from_row(row) for row in rows]
    finally:
        db.close()


def rules_groups(turns: list[Turn]) -> list[tuple[list[int], list[int]]]:
    """The turns each rules pair joins: customer turns, then the engineer turns after them."""
    groups: list[tuple[list[int], list[int]]] = []
    for i, turn in enumerate(turns):
        if turn.role == "customer":
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(i)
        elif turn.role == "engineer" and groups:
            groups[-1][1].append(i)
    return [g for g in groups if g[1]]


def test_provenance_for_finds_the_turns_of_every_rules_pair_in_the_samples(samples):
    splitter = make_splitter("rules")
    checked = 0
    for conversation in samples:
        pairs = splitter.split(conversation).pairs
        assert len(pairs) == len(rules_groups(conversation.turns))
        for pair, expected in zip(pairs, rules_groups(conversation.turns), strict=True):
            assert provenance_for(pair.question, pair.answer, conversation.turns) == expected
            checked += 1
    assert checked == 43


def test_provenance_for_skips_the_greeting_and_joins_turns(samples):
    greeted = next(c for c in samples if c.turns[0].role == "engineer")  # Korean, Vela
    turns = greeted.turns
    assert provenance_for(turns[1].text, turns[2].text, turns) == ([1], [2])
    joined = turns[2].text + "\n" + turns[4].text
    assert provenance_for(turns[3].text, joined, turns) == ([3], [2, 4])
    assert provenance_for(MADE_UP["ko"], MADE_UP["en"], turns) == ([], [])
    assert provenance_for("", "", turns) == ([], [])


def test_no_flag_on_any_clean_rules_pair_of_the_samples(samples):
    splitter = make_splitter("rules")
    pairs = [(c, p) for c in samples for p in splitter.split(c).pairs]
    questions = [p.question for _, p in pairs]
    flagged = []
    for index, (conversation, pair) in enumerate(pairs):
        q_turns, a_turns = provenance_for(pair.question, pair.answer, conversation.turns)
        flags = compute_flags(pair.question, pair.answer, pair.system, conversation.turns,
                              question_turns=q_turns, answer_turns=a_turns,
                              other_questions=questions[:index] + questions[index + 1:])
        if flags:
            flagged.append((pair.question, flags))
    assert len(pairs) == 43
    assert flagged == []


def test_each_sample_answer_is_unsupported_in_every_other_conversation(samples):
    splitter = make_splitter("rules")
    answers = [(i, p.answer) for i, c in enumerate(samples) for p in splitter.split(c).pairs]
    missed = []
    for i, conversation in enumerate(samples[:8]):
        question = next(t.text for t in conversation.turns if t.role == "customer")
        for j, answer in answers:
            if j == i:
                continue
            found = codes(compute_flags(question, answer, "", conversation.turns))
            if F.UNSUPPORTED_ANSWER not in found:
                missed.append((i, answer[:40]))
    assert missed == []


# ---- empty, long and unusual text --------------------------------------------------------------

@pytest.mark.parametrize("question,answer", [("", ""), ("   \n\t", ""), ("?!…", "..."),
                                             (EN[0].text, ""), ("", EN[1].text)])
def test_empty_or_punctuation_only_text_raises_no_text_flags(question, answer):
    found = codes(compute_flags(question, answer, "", EN, question_turns=[0], answer_turns=[1]))
    assert found == []


def test_empty_conversation_makes_any_text_unsupported():
    assert codes(compute_flags("Why?", "Because the moon is made of cheese.", "", [])) == [
        F.UNSUPPORTED_ANSWER, F.QUESTION_NOT_FROM_CUSTOMER]
    assert codes(compute_flags("Why?", "Because.", "", [], answer_turns=[0])) == [
        F.UNSUPPORTED_ANSWER, F.QUESTION_NOT_FROM_CUSTOMER, F.PROVENANCE_MISMATCH]


def test_short_answers_count_as_found_when_they_occur_in_a_turn():
    turns = [Turn("customer", "Is it 5 V tolerant?"), Turn("engineer", "Yes.")]
    assert compute_flags("Is it 5 V tolerant?", "Yes", "", turns) == []
    assert codes(compute_flags("Is it 5 V tolerant?", "No", "", turns)) == [F.UNSUPPORTED_ANSWER]


# Code points that trip naive text handling: astral emoji with joiners, combining marks,
# full-width digits and letters, right-to-left text, Hangul jamo, a lone surrogate half.
ODD = "👩‍💻e\u0301１２３ＡＢ שלום 가 한국어\u200b\ud800 "


def test_odd_code_points_are_handled():
    turns = [Turn("customer", "Does it work? " + ODD), Turn("engineer", "It works " + ODD * 3)]
    assert compute_flags("Does it work? " + ODD, "It works " + ODD, "", turns) == []
    assert units("ＨＮ５５００ Café") == units("hn5500 cafe")
    assert units("소켓을") != "" and len(units("소")) == 2  # a syllable is spelled out


def test_a_100k_character_pair_is_checked():
    block = "보드의 SPI 클럭을 33MHz로 올리면 바이트가 깨집니다 👩‍💻 é 0x1F. "
    long_text = (block * (100_000 // len(block) + 1))[:100_000]
    turns = [Turn("customer", long_text), Turn("engineer", long_text[::-1])]
    flags = compute_flags(long_text, long_text[::-1], "", turns, question_turns=[0],
                          answer_turns=[1], other_questions=[long_text])
    assert codes(flags) == [F.DUPLICATE]
    unsupported = compute_flags(long_text, "x" * 100_000, "", turns)
    assert codes(unsupported) == [F.UNSUPPORTED_ANSWER]


def bytecodes(run: Callable[[], object]) -> int:
    """Python bytecode instructions executed by `run` (a measure of work, unlike time)."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(previous)
    return count


def sized_case(size: int) -> Callable[[], object]:
    """A conversation of about `size` characters a turn, with many sentences and numbers, and
    calls that take every path: a supported pair (sentence and number checks), an unsupported
    answer, wrong provenance (the best turns are searched), duplicates, provenance_for."""
    line = "레지스터 {0}에 값 {0}.{1}을 쓰세요. Set pin {1} to {0} V and wait {2} ms. "
    question = "".join(line.format(i, i * 7, i * 3) for i in range(size // 50))
    answer = "".join(line.format(i * 5, i * 11, i * 13) for i in range(size // 50))
    turns = [Turn("customer", question), Turn("engineer", answer),
             Turn("customer", question[::-1]), Turn("engineer", answer[::-1])]

    def run() -> object:
        compute_flags(question, answer, "", turns, question_turns=[2], answer_turns=[3],
                      other_questions=[question[:100]] * 10)
        compute_flags(question, question[::-1], "", turns)
        return provenance_for(question[: size // 2], answer, turns)

    return run


def test_work_grows_linearly_with_the_text():
    small, large = bytecodes(sized_case(2_000)), bytecodes(sized_case(8_000))
    assert small > 0
    assert large < 6 * small  # 4× the text; quadratic work would be about 16×


def test_provenance_work_grows_linearly_with_the_number_of_turns():
    def case(n: int) -> Callable[[], object]:
        turns = [Turn("customer" if i % 2 else "engineer", f"Turn {i} says part {i} of it.")
                 for i in range(n)]
        answer = " ".join(t.text for t in turns[::2])
        return lambda: provenance_for(turns[1].text, answer, turns)

    small, large = bytecodes(case(100)), bytecodes(case(400))
    assert large < 6 * small


def test_side_containment_is_the_share_of_grams_found():
    side = Side([Piece.of("abcdefgh")])
    assert side.containment(Piece.of("abcdef")) == 1.0
    assert side.containment(Piece.of("abcdexyz")) == pytest.approx(1 / 4)
    assert side.containment(Piece.of("")) == 1.0
