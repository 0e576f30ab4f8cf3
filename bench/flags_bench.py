"""Precision and recall of the review risk flags on a labelled set built from the samples.

The sample conversations (data/samples) are imported into a temporary database and split
with the offline rules splitter; those pairs, with the turns they came from, are the clean
cases. Each clean pair also yields grounded edits an LLM might make (first sentences only,
sentences reordered, Korean spacing changed, two engineer turns merged) that must stay
unflagged, and injected faults with the flag each should raise: an answer taken from an
engineer turn of another conversation or made up (with and without invented numbers, or a
made-up sentence appended), question and answer swapped, an answer or question taken from
the wrong side, greeting exchanges, a duplicate question, personal data, too many tokens,
and wrong or out-of-range provenance.

    python bench/flags_bench.py [--quick] [--seed N] [--rounds R]

Prints ``name: value`` lines: per flag precision, recall and counts (a case counts for a
flag when its label holds that flag), how often provenance_for finds the splitter's turns,
and a sweep over gram length and threshold for the unsupported-answer measure alone. The
target for ``unsupported_answer`` is recall ≥ 0.9 at precision ≥ 0.8.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.db import connect  # noqa: E402
from reviewer.importing import import_paths  # noqa: E402
from reviewer.models import Conversation, Turn, conversation_from_row  # noqa: E402
from reviewer.review import flags as F  # noqa: E402
from reviewer.review.overlap import units  # noqa: E402
from reviewer.splitting import make_splitter  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
TOKEN_LIMIT = 4096
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PRODUCT = re.compile(r"\b[A-Z][A-Za-z]*-?\d+[A-Za-z]*\b")
_FIGURE = re.compile(r"(?<![\w.])\d{2,3}(?:\.\d)?(?![\d.])")  # "33", "220", "4.7"-like


@dataclass
class Case:
    kind: str
    question: str
    answer: str
    system: str
    turns: list[Turn]
    expected: frozenset[str] = frozenset()
    question_turns: list[int] | None = None
    answer_turns: list[int] | None = None
    other_questions: list[str] = field(default_factory=list)
    token_count: int = 0


@dataclass
class Pair:
    conversation: int
    system: str
    question: str
    answer: str
    question_turns: list[int]
    answer_turns: list[int]


def korean(text: str) -> bool:
    return len(_HANGUL.findall(text)) * 4 > len(text)


# ---- the clean set -----------------------------------------------------------------------

def load_conversations() -> list[Conversation]:
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "bench.db")
        try:
            report = import_paths(db, [SAMPLES], who="bench")
            if not report.ok:
                raise SystemExit(f"sample import rejected records: {report.rejected}")
            rows = db.query("SELECT * FROM conversations ORDER BY source, locator")
            return [conversation_from_row(row) for row in rows]
        finally:
            db.close()


def turn_groups(turns: list[Turn]) -> list[tuple[list[int], list[int]]]:
    """Which turns make each rules pair: a run of customer turns, then the engineer's."""
    groups: list[tuple[list[int], list[int]]] = []
    question: list[int] = []
    answer: list[int] = []
    for i, turn in enumerate(turns):
        if not turn.text.strip():
            continue
        if turn.role == "customer":
            if answer:
                groups.append((question, answer))
                question, answer = [], []
            question.append(i)
        elif turn.role == "engineer" and question:
            answer.append(i)
    if question and answer:
        groups.append((question, answer))
    return groups


def clean_pairs(conversations: list[Conversation]) -> tuple[list[Pair], int]:
    """Rules-split pairs with the turns they came from; also how many could not be traced."""
    splitter = make_splitter("rules")
    pairs: list[Pair] = []
    untraced = 0
    for c_index, conversation in enumerate(conversations):
        result = splitter.split(conversation)
        groups = turn_groups(conversation.turns)
        for p_index, pair in enumerate(result.pairs):
            q_turns, a_turns = groups[p_index] if p_index < len(groups) else ([], [])
            joined_q = "".join(conversation.turns[i].text for i in q_turns)
            joined_a = "".join(conversation.turns[i].text for i in a_turns)
            if units(joined_q) != units(pair.question) or units(joined_a) != units(pair.answer):
                untraced += 1
                continue
            pairs.append(Pair(c_index, pair.system, pair.question, pair.answer, q_turns, a_turns))
    return pairs, untraced


# ---- injected faults and grounded edits ----------------------------------------------------

FAKE_PRODUCTS = ["Orion Q7", "ZX-9 bridge", "Pelican M4", "Sora K12", "Nimbus V3"]
FAKE_EN = [
    "Update the {p} firmware to version {v} and set register {r} to {h}; that resolves it.",
    "This is a known limit of the {p}: it supports at most {n} sessions at {f} MHz, so lower "
    "the rate to {m} MHz.",
    "Replace the {n} ohm resistor next to the {p} connector with a {m} ohm part and reflash "
    "the bootloader from the service menu.",
    "The {p} needs the calibration file {v}; copy it to the config folder and restart after "
    "{n} seconds.",
]
FAKE_KO = [
    "{p} 펌웨어를 {v} 버전으로 업데이트하고 {r} 레지스터를 {h}로 설정하시면 해결됩니다.",
    "{p}는 최대 {n}개 세션까지만 지원하므로 클럭을 {m}MHz 이하로 낮춰 주세요.",
    "{p} 커넥터 옆의 {n}옴 저항을 {m}옴으로 바꾸고 서비스 메뉴에서 부트로더를 다시 올려 주세요.",
    "{p} 보정 파일 {v}를 설정 폴더에 복사한 뒤 {n}초 후에 재시작하시면 됩니다.",
]
# Made-up advice with no numbers: only the wording can give it away.
FAKE_PLAIN_EN = [
    "Reinstall the vendor driver package, reboot the machine and run the self test from the "
    "maintenance tab; if the warning stays, contact your distributor for a replacement unit.",
    "Open the advanced settings, switch the power profile to balanced and disable the "
    "automatic recovery option, then send us the diagnostic log from the support menu.",
    "That behaviour comes from the legacy compatibility layer; turn it off in the project "
    "options and rebuild everything from a clean workspace.",
]
FAKE_PLAIN_KO = [
    "제조사 드라이버 패키지를 다시 설치하고 재부팅한 뒤 유지보수 탭에서 자가 진단을 실행해 "
    "주세요. 경고가 계속되면 대리점에 교체를 요청하시면 됩니다.",
    "고급 설정에서 전원 프로필을 균형 모드로 바꾸고 자동 복구 옵션을 끈 다음 지원 메뉴에서 "
    "진단 로그를 보내 주세요.",
    "그 현상은 예전 호환성 계층 때문입니다. 프로젝트 옵션에서 끄고 깨끗한 작업 공간에서 전체를 "
    "다시 빌드해 주세요.",
]
APPENDED_EN = "Also set the watchdog timeout to {n} ms and use revision {v} of the board."
APPENDED_KO = "추가로 워치독 시간을 {n}ms로 설정하고 보드 {v} 리비전을 사용해 주세요."

# Greeting exchanges (customer turn, engineer turn); phrased independently of the patterns.
GREETINGS_EN = [
    ("Hi there, this is Tom from Brightline Labs.",
     "Hello Tom, thanks for reaching out to us. How may I help you today?"),
    ("Good morning!", "Good morning, thank you for contacting technical support."),
    ("Hello, can you hear me?", "Hi! Can I have your name, please?"),
    ("My name is Sarah Lee.", "Thank you, Sarah. One moment please."),
    ("Thanks a lot, that's all for today.", "You're welcome, have a great day!"),
    ("Perfect, thank you so much!", "Glad I could help. Bye!"),
]
GREETINGS_KO = [
    ("안녕하세요, 문의드립니다.", "안녕하세요, 기술지원팀 김민수입니다. 무엇을 도와드릴까요?"),
    ("안녕하세요.", "고객님 성함이 어떻게 되시나요?"),
    ("저는 박지훈입니다.", "감사합니다, 고객님. 잠시만 기다려 주세요."),
    ("네, 감사합니다!", "도움이 되어 다행입니다. 좋은 하루 보내세요."),
    ("해결됐어요. 고맙습니다.", "천만에요. 수고하세요."),
    ("안녕하세요~", "문의해 주셔서 감사합니다. 연락처를 알려 주시겠어요?"),
]
PII_EN = [" You can reach me at minsu.kim@example.com.", " My phone is (415) 555-0123."]
PII_KO = [" 연락처는 010-2345-6789입니다.", " 메일은 jiho.park@example.co.kr 입니다."]

# Faithful rewordings an LLM cleaning a pair up might write, keyed by the start of the sample
# text they reword (missing samples are skipped). They must not be flagged.
ANSWER_REWORDINGS = {
    "Hold the BOOT button, tap RESET":
        'Hold BOOT, press RESET once, then let go of BOOT. The board then shows up as "TB-32 '
        'DFU", and you can flash the recovery image from Kite IDE under Tools > Recover board.',
    "Keep SCLK under 10 cm":
        "Keep the SCLK trace shorter than 10 cm, put a 33 ohm series resistor on the MCU side "
        "and route the line over a solid ground plane; then 33 MHz works reliably.",
    "The chip itself only does the TCP/IP offload":
        "DHCP runs on the MCU, since the chip only handles the TCP/IP offload. The DHCP client "
        "in the HexaNet driver package does the job with one UDP socket and roughly 2 KB of RAM.",
    "No, 31.0.5 keeps the factory power limit":
        "No. Driver 31.0.5 leaves the factory power limit at 220 W; it only changes the fan "
        "curve and the sensor mapping.",
    "Error 0x1F means the image signature":
        "Error 0x1F says the image signature could not be verified, usually because the image "
        "was built for the NX-2A revision and your module is an NX-2B. Check the sticker; B "
        'modules need the file that ends in "_b.bin".',
    "Yes, 31.0.5 supports the whole RX40":
        "Yes. Driver 31.0.5 supports every RX40 and RX60 card, so a single install covers both.",
    "Send the AT+GMR command over the UART":
        'Send AT+GMR over the UART; the firmware version comes first in the reply, e.g. '
        '"NX2 v3.2.1".',
    "네, 복구할 수 있습니다. BOOT 버튼을":
        "BOOT 버튼을 누르고 있는 상태에서 USB를 연결하면 DFU 모드로 진입하므로 복구가 "
        "가능합니다. 그 다음 Kite IDE의 보드 복구 메뉴에서 복구 이미지를 올리시면 됩니다.",
    "Sn_KPALVTR 레지스터에":
        "keep-alive는 Sn_KPALVTR 레지스터에 5초 단위로 값을 써서 설정합니다. 2를 쓰면 10초마다 "
        "keep-alive 패킷이 전송됩니다.",
    "공유기의 절전 기능(DTIM 간격)과":
        "모듈의 절전 모드가 공유기의 절전 기능(DTIM 간격)과 맞지 않으면 연결이 끊어질 수 "
        "있습니다. AT+SLEEP=0 명령으로 모듈의 절전을 끈 뒤 다시 시험해 보세요.",
    "TB-32의 I2C 핀에는 내부 풀업이":
        "TB-32의 I2C 핀은 내부 풀업이 없으므로 외부에 풀업 저항을 달아야 합니다. SDA, SCL "
        "각각에 4.7kΩ 저항을 3.3V 쪽으로 연결하세요.",
    "코드 43은 이전 드라이버가":
        "이전 드라이버가 남아 있으면 코드 43이 자주 납니다. Vela Cleanup 도구로 예전 드라이버를 "
        "깨끗이 지우고 재부팅한 다음 31.0.5 버전을 새로 설치하세요.",
    "아니요, 설정은 별도 영역에":
        "지워지지 않습니다. 설정은 별도의 영역에 저장되므로 롤백한 뒤에도 그대로 남아 있습니다.",
}
QUESTION_REWORDINGS = {
    "The update fixed it. Will the same driver":
        "Will the same driver also work for my second card, an RX40?",
    "Can I script it for production?": "Can I script the HexaFlash tool for production?",
    "How long does the DHCP lease renewal take":
        "How long does DHCP lease renewal take, and does the link go down while it happens?",
    "That worked, thanks. Why did my sketch":
        "Why did flashing my own sketch break USB in the first place?",
    "롤백하면 저장된 와이파이": "롤백하면 저장해 둔 와이파이 설정도 지워지나요?",
    "HN5500 칩의 소비 전류는": "HN5500 칩의 소비 전류가 얼마나 되나요?",
    "그래도 같은 오류가 나면": "드라이버를 새로 설치해도 같은 오류가 나면 보드 불량인가요?",
    "풀업을 달았더니 0x44": "풀업을 단 뒤 0x44 주소로 보이는데, I2C 클럭을 400kHz로 올려도 되나요?",
}
# Made-up advice built around the conversation's own words: the hard case for a measure of
# shared text. {a}, {b}, {c} are words from the conversation's engineer turns.
IN_CONTEXT_EN = [
    "The {a} is not the cause here; switch off {b} in the settings and replace the {c} "
    "with the newer revision from the distributor.",
    "Ignore the {a} for now. Reinstall everything around {b}, and if {c} still misbehaves, "
    "ship the unit back for a replacement.",
]
IN_CONTEXT_KO = [
    "{a} 문제는 아닙니다. 설정에서 {b} 기능을 끄고 {c} 부품을 대리점에서 새 리비전으로 교체해 "
    "주세요.",
    "{a}은 일단 무시하셔도 됩니다. {b} 관련 구성을 모두 다시 설치하고, {c}이 계속 이상하면 "
    "제품을 반송해 주세요.",
]
_WORD = re.compile(r"[^\W\d_][\w-]{3,}")


def fill(template: str, rng: random.Random, product: str) -> str:
    return template.format(
        p=product, v=f"{rng.randint(4, 9)}.{rng.randint(0, 9)}.{rng.randint(10, 99)}",
        r=f"CFG{rng.randint(10, 99)}", h=f"0x{rng.randint(0x100, 0xFFF):X}",
        n=rng.randint(101, 999), m=rng.randint(101, 999), f=rng.randint(101, 999))


def product_of(conversation: Conversation, rng: random.Random) -> str:
    found = _PRODUCT.findall(" ".join(t.text for t in conversation.turns))
    return rng.choice(found) if found and rng.random() < 0.7 else rng.choice(FAKE_PRODUCTS)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(" ".join(text.split())) if s]


def respace_korean(text: str, rng: random.Random) -> str:
    """Drop or add spaces inside Korean text, as an editor tidying it up might."""
    out = []
    for ch in text:
        if ch == " " and rng.random() < 0.4:
            continue
        out.append(ch)
        if _HANGUL.match(ch) and rng.random() < 0.08:
            out.append(" ")
    return "".join(out)


def grounded_edits(pair: Pair, conversation: Conversation, rng: random.Random
                   ) -> list[tuple[str, str, list[int]]]:
    """(kind, answer, answer turns) for edits that keep the answer in the engineer's words."""
    edits: list[tuple[str, str, list[int]]] = []
    parts = sentences(pair.answer)
    if len(parts) >= 2:
        edits.append(("edited_first_sentences", " ".join(parts[:max(1, len(parts) - 1)]),
                      pair.answer_turns))
        shuffled = parts[:]
        rng.shuffle(shuffled)
        edits.append(("edited_reordered", " ".join(shuffled), pair.answer_turns))
    if korean(pair.answer):
        edits.append(("edited_spacing", respace_korean(pair.answer, rng), pair.answer_turns))
    else:
        tidy = re.sub(r"^(Yes|No)[.,]\s*", "", " ".join(pair.answer.split()))
        tidy = tidy.replace("Please ", "").replace("it is", "it's")
        edits.append(("edited_tidied", tidy, pair.answer_turns))
    engineer = [i for i, t in enumerate(conversation.turns)
                if t.role == "engineer" and i not in pair.answer_turns]
    if engineer:
        extra = rng.choice(engineer)
        merged = sorted([*pair.answer_turns, extra])
        edits.append(("edited_merged", "\n".join(conversation.turns[i].text for i in merged),
                      merged))
    return edits


def build_cases(conversations: list[Conversation], pairs: list[Pair], rng: random.Random
                ) -> list[Case]:
    cases: list[Case] = []
    questions = [p.question for p in pairs]
    engineer_pool = [(c, t.text) for c, conv in enumerate(conversations) for t in conv.turns
                     if t.role == "engineer" and len(t.text) > 40]
    customer_pool = [(p.conversation, p.question) for p in pairs]
    for index, pair in enumerate(pairs):
        conversation = conversations[pair.conversation]
        turns = list(conversation.turns)
        ko = korean(pair.question + pair.answer)
        others = questions[:index] + questions[index + 1:]

        def case(kind: str, expected: set[str] | frozenset[str] = frozenset(), *,
                 question: str | None = None, answer: str | None = None,
                 turns_: list[Turn] | None = None, q_turns: list[int] | None = None,
                 a_turns: list[int] | None = None, other: list[str] | None = None,
                 token_count: int | None = None, _pair: Pair = pair,
                 _turns: list[Turn] = turns, _others: list[str] = others) -> None:
            q = _pair.question if question is None else question
            a = _pair.answer if answer is None else answer
            cases.append(Case(
                kind, q, a, _pair.system, _turns if turns_ is None else turns_,
                frozenset(expected),
                _pair.question_turns if q_turns is None else q_turns,
                _pair.answer_turns if a_turns is None else a_turns,
                _others if other is None else other,
                token_count if token_count is not None else (len(q) + len(a)) // 3))

        case("clean")
        for kind, answer, a_turns in grounded_edits(pair, conversation, rng):
            case(kind, answer=answer, a_turns=a_turns)

        same_language = [text for c, text in engineer_pool
                         if c != pair.conversation and korean(text) == ko]
        case("unsupported_other_conversation", {F.UNSUPPORTED_ANSWER},
             answer=rng.choice(same_language))
        names = set(_PRODUCT.findall(" ".join(t.text for t in turns)))
        same_product = [text for c, text in engineer_pool if c != pair.conversation
                        and names & set(_PRODUCT.findall(text))]
        if same_product:
            case("unsupported_same_product", {F.UNSUPPORTED_ANSWER},
                 answer=rng.choice(same_product))
        product = product_of(conversation, rng)
        case("unsupported_made_up_numbers", {F.UNSUPPORTED_ANSWER},
             answer=fill(rng.choice(FAKE_KO if ko else FAKE_EN), rng, product))
        case("unsupported_made_up_plain", {F.UNSUPPORTED_ANSWER},
             answer=rng.choice(FAKE_PLAIN_KO if ko else FAKE_PLAIN_EN))
        words = sorted({w for t in turns if t.role == "engineer" for w in _WORD.findall(t.text)})
        if len(words) >= 3:
            a, b, c = rng.sample(words, 3)
            case("unsupported_made_up_in_context", {F.UNSUPPORTED_ANSWER},
                 answer=rng.choice(IN_CONTEXT_KO if ko else IN_CONTEXT_EN).format(a=a, b=b, c=c))
        case("unsupported_appended_numbers", {F.UNSUPPORTED_ANSWER},
             answer=pair.answer + " " + fill(APPENDED_KO if ko else APPENDED_EN, rng, product))
        figures = _FIGURE.findall(pair.answer)
        if figures:
            figure = rng.choice(figures)
            wrong = str(int(figure.replace(".", "")) + rng.randint(1, 9))
            wrong = wrong[:1] + "." + wrong[1:] if "." in figure else wrong
            case("unsupported_changed_number", {F.UNSUPPORTED_ANSWER},
                 answer=pair.answer.replace(figure, wrong, 1))
        plain = rng.choice(FAKE_PLAIN_KO if ko else FAKE_PLAIN_EN).split(". ")[0].rstrip(".")
        case("unsupported_appended_plain", {F.UNSUPPORTED_ANSWER},
             answer=pair.answer + " " + plain + ".")
        for start, reworded in ANSWER_REWORDINGS.items():
            if pair.answer.startswith(start):
                case("reworded_answer", answer=reworded)
        for start, reworded in QUESTION_REWORDINGS.items():
            if pair.question.startswith(start):
                case("reworded_question", question=reworded)

        case("swapped", {F.SWAPPED}, question=pair.answer, answer=pair.question,
             q_turns=pair.answer_turns, a_turns=pair.question_turns)

        customer_turns = [i for i, t in enumerate(turns)
                          if t.role == "customer" and i not in pair.question_turns]
        if customer_turns:
            chosen = rng.choice(customer_turns)
            case("answer_from_customer", {F.ANSWER_FROM_CUSTOMER}, answer=turns[chosen].text,
                 a_turns=[chosen])
        other_questions = [q for c, q in customer_pool
                           if c != pair.conversation and korean(q) == ko]
        borrowed = rng.choice(other_questions)
        case("question_from_other_conversation", {F.QUESTION_NOT_FROM_CUSTOMER},
             question=borrowed, other=[q for q in others if q != borrowed])
        # Engineer turns before the first question are greetings; the rules leave them out.
        first_question = min(i for i, t in enumerate(turns) if t.role == "customer")
        engineer_turns = [i for i, t in enumerate(turns) if t.role == "engineer"
                          and i > first_question and i not in pair.answer_turns]
        if engineer_turns:
            chosen = rng.choice(engineer_turns)
            case("question_from_engineer", {F.QUESTION_NOT_FROM_CUSTOMER},
                 question=turns[chosen].text, q_turns=[chosen])

        hello, reply = rng.choice(GREETINGS_KO if ko else GREETINGS_EN)
        greeted = [Turn("customer", hello, "Customer"), Turn("engineer", reply, "Engineer"),
                   *turns]
        case("greeting_exchange", {F.GREETING}, question=hello, answer=reply, turns_=greeted,
             q_turns=[0], a_turns=[1])
        shifted = [i + 2 for i in pair.question_turns]
        case("greeting_answer", {F.GREETING}, answer=reply, turns_=greeted, q_turns=shifted,
             a_turns=[1])
        case("clean_after_greeting", question=pair.question, turns_=greeted, q_turns=shifted,
             a_turns=[i + 2 for i in pair.answer_turns])

        variant = pair.question.upper() if not ko else pair.question.replace(" ", "  ") + "?"
        case("duplicate", {F.DUPLICATE}, other=[*others, variant])

        extra = rng.choice(PII_KO if ko else PII_EN)
        q_index = pair.question_turns[-1]
        with_pii = list(turns)
        with_pii[q_index] = replace(turns[q_index], text=turns[q_index].text + extra)
        case("personal_data", {F.PERSONAL_DATA}, question=pair.question + extra,
             turns_=with_pii)

        case("over_token_limit", {F.OVER_TOKEN_LIMIT}, token_count=TOKEN_LIMIT + 1)

        case("provenance_out_of_range", {F.PROVENANCE_MISMATCH},
             a_turns=[len(turns) + rng.randint(0, 5)])
        wrong = [i for i in range(len(turns)) if i not in pair.answer_turns
                 and turns[i].role != "system"]
        case("provenance_wrong_turns", {F.PROVENANCE_MISMATCH}, a_turns=[rng.choice(wrong)])
    return cases


# ---- scoring -------------------------------------------------------------------------------

def run(cases: list[Case]) -> tuple[list[set[str]], list[str], float]:
    """Flag codes per case, which check raised unsupported_answer (or ""), seconds taken."""
    results, reasons = [], []
    started = time.perf_counter()
    for c in cases:
        found = F.compute_flags(c.question, c.answer, c.system, c.turns,
                                question_turns=c.question_turns, answer_turns=c.answer_turns,
                                other_questions=c.other_questions, token_count=c.token_count,
                                token_limit=TOKEN_LIMIT)
        results.append({f.code for f in found})
        detail = next((f.detail for f in found if f.code == F.UNSUPPORTED_ANSWER), "")
        reasons.append("" if not detail else "sentence" if detail.startswith("the sentence")
                       else "number" if detail.startswith("the answer's number") else "whole")
    return results, reasons, time.perf_counter() - started


def unsupported_reasons(cases: list[Case], reasons: list[str]) -> None:
    """Which check caught each kind of unsupported answer: the whole answer's support, one
    sentence's, or a number found nowhere in the conversation."""
    print("# unsupported_answer by check: kind, whole, sentence, number, missed")
    table: dict[str, Counter[str]] = {}
    for c, reason in zip(cases, reasons, strict=True):
        if F.UNSUPPORTED_ANSWER in c.expected:
            table.setdefault(c.kind, Counter())[reason or "missed"] += 1
    for kind, counts in table.items():
        print(f"#   {kind:34s} {counts['whole']:4d} {counts['sentence']:4d} "
              f"{counts['number']:4d} {counts['missed']:4d}")


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def score(cases: list[Case], results: list[set[str]]) -> None:
    for code in F.FLAG_CODES:
        tp = sum(1 for c, r in zip(cases, results, strict=True)
                 if code in r and code in c.expected)
        fp = sum(1 for c, r in zip(cases, results, strict=True)
                 if code in r and code not in c.expected)
        fn = sum(1 for c, r in zip(cases, results, strict=True)
                 if code not in r and code in c.expected)
        print(f"{code}_precision: {ratio(tp, tp + fp):.3f}")
        print(f"{code}_recall: {ratio(tp, tp + fn):.3f}")
        print(f"{code}_counts: tp={tp} fp={fp} fn={fn}")
    print("# per kind: cases, exactly the expected flags, unexpected flags seen")
    kinds: dict[str, list[int]] = {}
    extra: dict[str, Counter[str]] = {}
    for c, r in zip(cases, results, strict=True):
        row = kinds.setdefault(c.kind, [0, 0])
        row[0] += 1
        row[1] += r == set(c.expected)
        extra.setdefault(c.kind, Counter()).update(r - c.expected)
    for kind, (n, exact) in kinds.items():
        seen = ", ".join(f"{k}×{v}" for k, v in extra[kind].most_common()) or "-"
        print(f"#   {kind:34s} {n:4d} {exact:4d}  {seen}")
    clean = [r for c, r in zip(cases, results, strict=True) if not c.expected]
    print(f"clean_cases: {len(clean)}")
    print(f"clean_flagged_rate: {ratio(sum(1 for r in clean if r), len(clean)):.3f}")


def greeting_texts(pairs: list[Pair]) -> None:
    """Small talk found in each greeting text on its own, and in no clean question/answer."""
    from reviewer.review.greetings import small_talk

    texts = [text for exchange in GREETINGS_EN + GREETINGS_KO for text in exchange]
    found = sum(1 for text in texts if small_talk(text)[0])
    clean = [text for p in pairs for text in (p.question, p.answer)]
    wrong = sum(1 for text in clean if small_talk(text)[0])
    print(f"greeting_texts: {len(texts)}")
    print(f"greeting_text_recall: {ratio(found, len(texts)):.3f}")
    print(f"greeting_text_false_rate: {wrong / max(1, len(clean)):.3f}")


def provenance_accuracy(conversations: list[Conversation], pairs: list[Pair]) -> None:
    exact = sum(1 for p in pairs
                if F.provenance_for(p.question, p.answer, conversations[p.conversation].turns)
                == (p.question_turns, p.answer_turns))
    print(f"provenance_pairs: {len(pairs)}")
    print(f"provenance_exact: {ratio(exact, len(pairs)):.3f}")


def sweep(cases: list[Case]) -> None:
    """The whole-answer support measure alone (no sentence or number check) by gram length:
    grounded answers (clean, edited, reworded) against answers from elsewhere or made up.
    The margin is the lowest grounded support minus the highest unsupported one; the larger
    it is, the safer any threshold between them."""
    positive = ("unsupported_other_conversation", "unsupported_same_product",
                "unsupported_made_up_numbers", "unsupported_made_up_plain",
                "unsupported_made_up_in_context")
    chosen = [c for c in cases if c.kind in positive or c.kind in ("clean", "reworded_answer")
              or c.kind.startswith("edited_")]
    print("# sweep: n, threshold, precision, recall (answer support < threshold → flagged)")
    for n in range(3, 9):
        scores = [(F.measure(c.question, c.answer, c.turns, n=n).answer_engineer,
                   c.kind in positive) for c in chosen]
        for step in range(3, 11):
            t = step / 20
            tp = sum(1 for s, pos in scores if s < t and pos)
            fp = sum(1 for s, pos in scores if s < t and not pos)
            fn = sum(1 for s, pos in scores if s >= t and pos)
            print(f"#   n={n} t={t:.2f} precision={ratio(tp, tp + fp):.3f} "
                  f"recall={ratio(tp, tp + fn):.3f}")
        grounded = min(s for s, pos in scores if not pos)
        unsupported = max(s for s, pos in scores if pos)
        print(f"sweep_n{n}_lowest_grounded: {grounded:.3f}")
        print(f"sweep_n{n}_highest_unsupported: {unsupported:.3f}")
        print(f"sweep_n{n}_margin: {grounded - unsupported:.3f}")
    borrowed = [F.measure(c.question, c.answer, c.turns).question_customer for c in cases
                if c.kind == "question_from_other_conversation"]
    reworded = [F.measure(c.question, c.answer, c.turns).question_customer for c in cases
                if c.kind in ("clean", "reworded_question")]
    print(f"question_lowest_grounded: {min(reworded):.3f}")
    print(f"question_highest_borrowed: {max(borrowed):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 conversations (smoke run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of random injections, seeds seed, seed+1, … (quick: 1)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    conversations = load_conversations()
    pairs, untraced = clean_pairs(conversations)
    rounds = 1 if args.quick else max(1, args.rounds)
    if args.quick:
        keep = set(rng.sample(range(len(conversations)), min(8, len(conversations))))
        pairs = [p for p in pairs if p.conversation in keep]
    cases = [case for r in range(rounds)
             for case in build_cases(conversations, pairs, random.Random(args.seed + r))]
    results, reasons, seconds = run(cases)

    print(f"conversations: {len(conversations)}")
    print(f"clean_pairs: {len(pairs)}")
    print(f"rounds: {rounds}")
    print(f"untraced_pairs: {untraced}")
    print(f"cases: {len(cases)}")
    print(f"gram: {F.GRAM}")
    print(f"min_answer_support: {F.MIN_ANSWER_SUPPORT}")
    print(f"min_question_support: {F.MIN_QUESTION_SUPPORT}")
    print(f"min_sentence_units: {F.MIN_SENTENCE_UNITS}")
    score(cases, results)
    unsupported_reasons(cases, reasons)
    greeting_texts(pairs)
    provenance_accuracy(conversations, pairs)
    print(f"ms_per_pair: {1000 * seconds / max(1, len(cases)):.3f}")
    if not args.quick:
        sweep(cases)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
