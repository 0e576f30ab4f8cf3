"""Local checks on an LLM splitter answer: shape, then content.

Servers differ in how well they enforce a JSON schema (some ignore it), and small models
write schema-valid nonsense, so every answer is checked here before it becomes pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..importing.speakers import CUSTOMER, ENGINEER, SYSTEM, has_marker
from ..models import Conversation, QAPair
from ..review.flags import (
    ANSWER_FROM_CUSTOMER,
    GREETING,
    MIN_OTHER_SIDE,
    QUESTION_NOT_FROM_CUSTOMER,
    SIDE_MARGIN,
    SPEAKER_LABEL,
    SWAPPED,
    UNSUPPORTED_ANSWER,
    WRONG_LANGUAGE,
    measure,
)
from ..review.greetings import small_talk
from ..review.labels import Labelled, strip_labels
from ..review.language import mismatch
from .failures import INVALID_JSON, NO_PAIRS
from .prompt import MAX_ANSWER_CHARS, MAX_PAIRS, MAX_QUESTION_CHARS, MAX_SYSTEM_CHARS
from .summary import summarise

# Share of an answer's words that must occur in the engineer's turns (question: customer's).
MIN_GROUNDING = 0.35
_TOKEN = re.compile(r"[^\W_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Why a pair is dropped, beyond the risk-flag codes it shares with review (answer from the
# customer, swapped, greeting, wrong language, unsupported answer).
EMPTY, MARKER, TOO_LONG = "empty", "marker", "too_long"
UNSUPPORTED_QUESTION = "unsupported_question"


class AnswerError(ValueError):
    """The answer as a whole is unusable; the message is the failure reason, `code` its
    failure code (see `reviewer.splitting.failures`)."""

    def __init__(self, message: str, code: str = INVALID_JSON) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Drop:
    """Why one pair was dropped: a code a run counts, and a sentence."""

    code: str
    detail: str


@dataclass
class Checked:
    pairs: list[QAPair] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "pair 2: answer is empty", ...
    codes: list[str] = field(default_factory=list)  # the code of each dropped pair, in order
    remarks: list[str] = field(default_factory=list)  # "speaker_label: pair 1: removed …"


def _without_fence(text: str) -> str:
    """The JSON inside a Markdown code fence, which models asked in the prompt often add."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        body = stripped[3:-3]
        newline = body.find("\n")
        return body[newline + 1:] if newline >= 0 else body
    return text


PAIR_TEXTS = {"question", "answer"}
PAIR_TURNS = {"question_turns", "answer_turns"}


def _pair_shape(pair: dict) -> bool:
    """Texts as strings, and the turn lists (when given — older prompts and servers without
    schema enforcement may leave them out) as lists of integers."""
    keys = set(pair)
    if keys not in (PAIR_TEXTS, PAIR_TEXTS | PAIR_TURNS):
        return False
    if not all(isinstance(pair[k], str) for k in PAIR_TEXTS):
        return False
    return all(isinstance(pair[k], list) and all(isinstance(n, int) and not isinstance(n, bool)
                                                  for n in pair[k])
               for k in PAIR_TURNS & keys)


def parse_answer(content: str | None) -> dict:
    """JSON text → dict matching the response schema, or raise `AnswerError`."""
    if content is None or not content.strip():
        raise AnswerError("empty answer from the model")
    content = _without_fence(content)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"answer is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(data, dict):
        raise AnswerError("answer does not match the schema: expected a JSON object")
    if set(data) != {"system", "pairs"}:
        raise AnswerError(
            f"answer does not match the schema: keys {sorted(data)}, expected ['pairs', 'system']"
        )
    if not isinstance(data["system"], str):
        raise AnswerError("answer does not match the schema: system is not a string")
    if not isinstance(data["pairs"], list):
        raise AnswerError("answer does not match the schema: pairs is not a list")
    if len(data["pairs"]) > MAX_PAIRS:
        raise AnswerError(f"answer does not match the schema: more than {MAX_PAIRS} pairs")
    if len(data["system"]) > MAX_SYSTEM_CHARS:
        raise AnswerError(f"system line longer than {MAX_SYSTEM_CHARS} characters")
    for index, pair in enumerate(data["pairs"], start=1):
        if (not isinstance(pair, dict) or not _pair_shape(pair)):
            raise AnswerError(
                f"answer does not match the schema: pair {index} must have string question "
                "and answer only"
            )
    return data


def _tokens(text: str) -> set[str]:
    """Lower-case words; Hangul words become character pairs so particles don't matter."""
    out: set[str] = set()
    for word in _TOKEN.findall(text.lower()):
        if _HANGUL.search(word) and len(word) > 1:
            out.update(word[i:i + 2] for i in range(len(word) - 1))
        elif len(word) > 1 or _HANGUL.search(word):
            out.add(word)
    return out


def grounding(text: str, source: str) -> float:
    """Share of `text`'s tokens found in `source` (1.0 for text without tokens)."""
    words = _tokens(text)
    if not words:
        return 1.0
    return len(words & _tokens(source)) / len(words)


def _claimed(numbers: list[int], size: int) -> tuple[int, ...]:
    """Claimed turn numbers (from 1) as indices (from 0); empty when any is out of range
    (such a claim is flagged when the pair is stored, not judged here)."""
    indices = tuple(n - 1 for n in numbers)
    return indices if all(0 <= i < size for i in indices) else ()


def _side_problem(question: Labelled, answer: Labelled, claimed_q: tuple[int, ...],
                  claimed_a: tuple[int, ...], conversation: Conversation) -> Drop | None:
    """Whether the question is the customer's and the answer the engineer's: by the labels
    the model copied, by where the text is found, and by the roles of the turns it named
    (a claim alone counts only when the text is not clearly on the right side: right text
    with wrong numbers is a provenance slip, flagged when the pair is stored)."""
    roles = [t.role for t in conversation.turns]
    support = measure(question.text, answer.text, conversation.turns)
    known = support.roles_known
    a_customer = CUSTOMER in answer.roles or (known and _other_side(
        support.answer_customer, support.answer_engineer))
    q_engineer = ENGINEER in question.roles or (known and _other_side(
        support.question_engineer, support.question_customer))
    if claimed_a and all(roles[i] == CUSTOMER for i in claimed_a):
        a_customer = a_customer or support.answer_engineer < MIN_OTHER_SIDE
    if claimed_q and all(roles[i] == ENGINEER for i in claimed_q):
        q_engineer = q_engineer or support.question_customer < MIN_OTHER_SIDE
    if a_customer and q_engineer:
        return Drop(SWAPPED, "the question is the engineer's and the answer the customer's")
    if a_customer:
        return Drop(ANSWER_FROM_CUSTOMER, "the answer is the customer's own words")
    if q_engineer:
        return Drop(QUESTION_NOT_FROM_CUSTOMER, "the question is the engineer's words")
    return None


def _other_side(there: float, own: float) -> bool:
    """A text belongs to the other side (the thresholds of the review flags)."""
    return there >= MIN_OTHER_SIDE and there > own + SIDE_MARGIN


def _pair_problem(question: Labelled, answer: Labelled, claimed_q: tuple[int, ...],
                  claimed_a: tuple[int, ...], conversation: Conversation, asked: str,
                  replied: str, said: list[str]) -> Drop | None:
    q, a = question.text, answer.text
    if not q:
        return Drop(EMPTY, "question is empty")
    if not a:
        return Drop(EMPTY, "answer is empty")
    if has_marker(q) or has_marker(a):
        return Drop(MARKER, "leftover Q)/A) marker")
    if len(q) > MAX_QUESTION_CHARS or len(a) > MAX_ANSWER_CHARS:
        return Drop(TOO_LONG, "question or answer too long")
    for name, text in (("question", q), ("answer", a)):
        got = mismatch(text, said)
        if got:
            return Drop(WRONG_LANGUAGE, f"the {name} is in {got}, the conversation is not")
    side = _side_problem(question, answer, claimed_q, claimed_a, conversation)
    if side:
        return side
    if grounding(a, replied) < MIN_GROUNDING:
        return Drop(UNSUPPORTED_ANSWER,
                    "answer not found in the engineer's turns (possibly invented)")
    if grounding(q, asked) < MIN_GROUNDING:
        return Drop(UNSUPPORTED_QUESTION,
                    "question not found in the customer's turns (possibly invented)")
    for name, text in (("question", q), ("answer", a)):
        chatter, phrases = small_talk(text)
        if chatter:
            return Drop(GREETING, f"the {name} is a greeting or pleasantry (“{phrases}”)")
    return None


def _without_labels(text: str, said: list[str]) -> Labelled:
    """`text` without the speaker labels the model copied in; a label the turn itself starts
    with ("Question 3: …" written by the customer) is the customer's text, not a copy."""
    labelled = strip_labels(text)
    if labelled.labels:
        head = " ".join(text.split())[:80]
        if any(head in " ".join(turn.split()) for turn in said):
            return Labelled(text, (), ())
    return labelled


def _system_line(system: str, conversation: Conversation, said: list[str],
                 remarks: list[str]) -> str:
    got = mismatch(system, said)
    if got is None:
        return system
    remarks.append(f"{WRONG_LANGUAGE}: the system line was in {got}, unlike the conversation; "
                 "replaced by the offline summary")
    return summarise(conversation)


def check_answer(data: dict, conversation: Conversation) -> Checked:
    """Content checks; raise `AnswerError` if nothing usable is left.

    Each pair must hold a customer's question and the engineer's answer to it: copied speaker
    labels are removed (a label naming the wrong side drops the pair), the turns the model
    names must be on the right side, and so must the text. Greetings, pairs in the other
    language and invented text are dropped, each with its reason code.
    """
    system = data["system"].strip()
    if not system:
        raise AnswerError("system line is empty")
    if "\n" in system or "\r" in system:
        raise AnswerError("system line is not a single line")
    if not data["pairs"]:
        raise AnswerError("the model found no question/answer pair in the conversation",
                          NO_PAIRS)
    said = [t.text for t in conversation.turns if t.role != SYSTEM]
    everything = "\n".join(t.text for t in conversation.turns)
    asked = "\n".join(t.text for t in conversation.turns if t.role == "customer") or everything
    replied = "\n".join(t.text for t in conversation.turns if t.role == "engineer") or everything
    checked = Checked()
    system = _system_line(system, conversation, said, checked.remarks)
    size = len(conversation.turns)
    for index, pair in enumerate(data["pairs"], start=1):
        question = _without_labels(pair["question"].strip(), said)
        answer = _without_labels(pair["answer"].strip(), said)
        claimed_q = _claimed(pair.get("question_turns", []), size)
        claimed_a = _claimed(pair.get("answer_turns", []), size)
        problem = _pair_problem(question, answer, claimed_q, claimed_a, conversation,
                                asked, replied, said)
        if problem:
            checked.dropped.append(f"pair {index}: {problem.detail}")
            checked.codes.append(problem.code)
            continue
        for name, labelled in (("question", question), ("answer", answer)):
            if labelled.labels:
                checked.remarks.append(f"{SPEAKER_LABEL}: pair {index}: removed "
                                     f"“{'”, “'.join(labelled.labels)}:” from the {name}")
        # The prompt numbers turns from 1; provenance counts from 0. Claimed turns are
        # verified against the text when the pair is stored (a wrong claim is flagged).
        checked.pairs.append(QAPair(
            system, question.text, answer.text,
            tuple(n - 1 for n in pair.get("question_turns", []) if n >= 1),
            tuple(n - 1 for n in pair.get("answer_turns", []) if n >= 1)))
    if not checked.pairs:
        if checked.codes and all(c == WRONG_LANGUAGE for c in checked.codes):
            raise AnswerError("every pair is in the wrong language: "
                              + "; ".join(checked.dropped), WRONG_LANGUAGE)
        raise AnswerError("no usable pair: " + "; ".join(checked.dropped), NO_PAIRS)
    return checked
