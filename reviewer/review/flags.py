"""Risk flags that point a reviewer at pairs that may be invented or misplaced.

Pure functions over a pair's text and its source conversation (no database, no UI), run when
a conversation is split and again when a pair is edited. Each `Flag` says what is wrong and
why, in one sentence a reviewer can check against the conversation.

Support is measured with `overlap` (character 5-gram containment over letters and digits,
Hangul spelled out as jamo; the module says why): the share of a text's grams that occur in
the customer's or the engineer's turns. Thresholds come from bench/flags_bench.py.

One cause, one flag: a swapped pair is reported as `swapped`, not also as an answer from the
customer and a question from the engineer; an answer copied from the customer is
`answer_from_customer`, not also `unsupported_answer`; provenance is only called wrong for
text the conversation does hold (an invented text cannot be in its claimed turns either).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..importing.speakers import CUSTOMER, ENGINEER, SYSTEM
from ..models import Turn
from ..validation import pii
from .greetings import small_talk
from .labels import strip_labels
from .language import mismatch
from .overlap import GRAM, Piece, Side, covering_turns, numbers, sentences, units

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES: tuple[str, ...] = (HIGH, MEDIUM, LOW)

UNSUPPORTED_ANSWER = "unsupported_answer"
QUESTION_NOT_FROM_CUSTOMER = "question_not_from_customer"
SWAPPED = "swapped"
ANSWER_FROM_CUSTOMER = "answer_from_customer"
GREETING = "greeting"
DUPLICATE = "duplicate"
PERSONAL_DATA = "personal_data"
OVER_TOKEN_LIMIT = "over_token_limit"
PROVENANCE_MISMATCH = "provenance_mismatch"
SPEAKER_LABEL = "speaker_label"
WRONG_LANGUAGE = "wrong_language"

SEVERITY: dict[str, str] = {
    UNSUPPORTED_ANSWER: HIGH,
    SWAPPED: HIGH,
    ANSWER_FROM_CUSTOMER: HIGH,
    PERSONAL_DATA: HIGH,
    OVER_TOKEN_LIMIT: HIGH,
    QUESTION_NOT_FROM_CUSTOMER: MEDIUM,
    GREETING: MEDIUM,
    PROVENANCE_MISMATCH: MEDIUM,
    WRONG_LANGUAGE: MEDIUM,
    SPEAKER_LABEL: LOW,
    DUPLICATE: LOW,
}
# Flags set from outside the text checks (they survive an edit; the text checks cannot
# tell whether an edit fixed them): an evaluation found the tuned model failed this pair.
WEAK_IN_EVAL = "weak_in_eval"
EXTERNAL_FLAGS: tuple[str, ...] = (WEAK_IN_EVAL,)
FLAG_CODES: tuple[str, ...] = (*SEVERITY, *EXTERNAL_FLAGS)

# Thresholds, read off bench/flags_bench.py (five rounds of injected faults on the samples;
# its sweep prints the whole trade-off). Support is the share of a text's 5-grams found on
# one side of the conversation; each threshold sits midway in the gap the benchmark shows.
# Answers from another conversation or made up reach at most 0.27 support in the engineer's
# turns, faithful rewordings 0.39 and up.
MIN_ANSWER_SUPPORT = 0.33
# Questions borrowed from another conversation reach at most 0.29 in the customer's turns,
# reworded ones 0.52 and up.
MIN_QUESTION_SUPPORT = 0.4
# One sentence of at least this many units (letters and digits, Hangul as jamo; about eight
# English words or sixteen Hangul syllables) supported less than MIN_ANSWER_SUPPORT makes the
# answer unsupported too: it catches a made-up sentence added to a true answer (at most 0.19
# in the benchmark; reworded sentences of that length 0.41 and up).
MIN_SENTENCE_UNITS = 40
# A text belongs to the other side when that side holds at least this much of it and
# SIDE_MARGIN more than its own side does (clean questions share at most 0.41 with the
# engineer's turns, clean answers 0.48 with the customer's).
MIN_OTHER_SIDE = 0.5
SIDE_MARGIN = 0.2


@dataclass(frozen=True, slots=True)
class Flag:
    """One risk on a pair: a code from FLAG_CODES, its severity and why it was raised."""

    code: str
    severity: str
    detail: str


def _flag(code: str, detail: str) -> Flag:
    return Flag(code, SEVERITY[code], detail)


@dataclass(frozen=True, slots=True)
class Support:
    """How much of the question and the answer each side of the conversation holds.

    The question is looked up in the customer's turns, the answer in the engineer's, each
    with the turns of unknown speakers added (they may be either); the other side's values
    are the plain customer or engineer turns.
    """

    question_customer: float
    question_engineer: float
    answer_customer: float
    answer_engineer: float
    roles_known: bool  # both sides have turns; otherwise the sides are the whole talk


class _Conversation:
    """A conversation's turns prepared once: one piece per turn, the sides to look in."""

    def __init__(self, turns: tuple[Turn, ...], n: int):
        self.size = len(turns)
        self.pieces = tuple(Piece.of(t.text, n) for t in turns)
        roles = [t.role for t in turns]
        self.customer_ids = [i for i, role in enumerate(roles) if role == CUSTOMER]
        self.engineer_ids = [i for i, role in enumerate(roles) if role == ENGINEER]
        unknown = [i for i, role in enumerate(roles) if role not in (CUSTOMER, ENGINEER, SYSTEM)]
        talk = [i for i, role in enumerate(roles) if role != SYSTEM] or list(range(len(turns)))
        self.everything = self.side(talk)
        self.customer = self.side(self.customer_ids)
        self.engineer = self.side(self.engineer_ids)
        self.roles_known = bool(self.customer) and bool(self.engineer)
        self.asked, self.asked_name = self._source(self.customer_ids, unknown, "customer")
        self.replied, self.replied_name = self._source(self.engineer_ids, unknown, "engineer")
        if not self.roles_known:
            self.customer = self.engineer = self.everything
        self.numbers: frozenset[str] = frozenset().union(*(numbers(t.text) for t in turns))

    def _source(self, own: list[int], unknown: list[int], who: str) -> tuple[Side, str]:
        """Where one speaker's text is looked up, and how a flag names it."""
        side = self.side(own)
        if not side:
            return self.everything, "the conversation"
        if unknown:
            return self.side(sorted(own + unknown)), f"the {who}'s and unlabelled turns"
        return side, f"the {who}'s turns"

    def side(self, indices: Iterable[int]) -> Side:
        return Side(self.pieces[i] for i in indices)


@functools.lru_cache(maxsize=4)
def _prepared(turns: tuple[Turn, ...], n: int = GRAM) -> _Conversation:
    # Splits and edits check several pairs of one conversation in a row; Turn is frozen, so
    # the tuple of turns is its own cache key.
    return _Conversation(turns, n)


def measure(question: str, answer: str, turns: Sequence[Turn], *, n: int = GRAM) -> Support:
    """The support figures the side flags are decided on (also used by the benchmark)."""
    conv = _prepared(tuple(turns), n)
    q, a = Piece.of(question, n), Piece.of(answer, n)
    return Support(conv.asked.containment(q), conv.engineer.containment(q),
                   conv.customer.containment(a), conv.replied.containment(a), conv.roles_known)


def provenance_for(question: str, answer: str, turns: Sequence[Turn]
                   ) -> tuple[list[int], list[int]]:
    """The turn indices that best hold the question and the answer.

    For pairs stored without provenance and for checking turns an LLM claims. Turns are
    chosen greedily by how much of the text they add; on a tie a customer turn is preferred
    for the question and an engineer turn for the answer. A text the conversation does not
    hold (less than MIN_QUESTION_SUPPORT / MIN_ANSWER_SUPPORT of it) gets no turns.
    """
    conv = _prepared(tuple(turns))
    return (covering_turns(Piece.of(question), conv.pieces, prefer=conv.customer_ids,
                           min_share=MIN_QUESTION_SUPPORT),
            covering_turns(Piece.of(answer), conv.pieces, prefer=conv.engineer_ids,
                           min_share=MIN_ANSWER_SUPPORT))


def compute_flags(question: str, answer: str, system: str, turns: Sequence[Turn], *,
                  question_turns: Sequence[int] | None = None,
                  answer_turns: Sequence[int] | None = None,
                  other_questions: Iterable[str] | None = None,
                  token_count: int | None = None,
                  token_limit: int | None = None) -> list[Flag]:
    """Every flag that applies to one pair, in FLAG_CODES order of severity.

    `question_turns` / `answer_turns`: the pair's provenance (indices into `turns`), when
    known; None or empty means unknown. `other_questions`: the questions of the other pairs
    to check duplicates against (not including this pair). `token_count` / `token_limit`:
    the pair's counted tokens and the target's per-example limit.
    """
    conv = _prepared(tuple(turns))
    q, a = Piece.of(question), Piece.of(answer)
    flags, placed = _side_flags(conv, q, a, answer)
    flags += _provenance_flags(conv, q, a, question_turns, answer_turns, placed)
    greeting = _greeting(question, answer)
    if greeting:
        flags.append(greeting)
    for found in (_language(question, answer, turns, placed),
                  _labels(question, answer, turns)):
        if found:
            flags.append(found)
    if other_questions is not None:
        duplicate = _duplicate(q.units, other_questions)
        if duplicate:
            flags.append(duplicate)
    personal = _personal_data(question, answer, system)
    if personal:
        flags.append(personal)
    if token_count is not None and token_limit is not None and token_count > token_limit:
        flags.append(_flag(OVER_TOKEN_LIMIT,
                           f"{token_count:,} tokens, over the limit of {token_limit:,}"))
    order = {code: i for i, code in enumerate(FLAG_CODES)}
    return sorted(flags, key=lambda f: order[f.code])


def imported_flags(question: str, answer: str, system: str) -> list[Flag]:
    """The flags that mean something for a ready pair imported from a dataset.

    Its conversation is the record it came from (the pair itself, or the chat it was cut
    from), so where the texts come from — support, sides, provenance, language, copied
    labels — says nothing; nor does a repeated question (a SQuAD paragraph's pairs all ask
    with the same template). Personal data and small talk still do."""
    # In FLAG_CODES order, as compute_flags returns them.
    return [flag for flag in (_personal_data(question, answer, system),
                              _greeting(question, answer)) if flag]


def _pct(share: float) -> str:
    return f"{share:.0%}"


def _side_flags(conv: _Conversation, q: Piece, a: Piece, answer: str
                ) -> tuple[list[Flag], set[str]]:
    """Flags on where the texts come from; also which texts were already found misplaced."""
    flags: list[Flag] = []
    misplaced: set[str] = set()
    q_cust, q_eng = conv.asked.containment(q), conv.engineer.containment(q)
    a_cust, a_eng = conv.customer.containment(a), conv.replied.containment(a)
    if (conv.roles_known and not q.empty and not a.empty
            and q_eng >= MIN_OTHER_SIDE and a_cust >= MIN_OTHER_SIDE
            and q_eng > q_cust + SIDE_MARGIN and a_cust > a_eng + SIDE_MARGIN):
        flags.append(_flag(SWAPPED, (
            f"the question is in the engineer's turns ({_pct(q_eng)} vs {_pct(q_cust)} in "
            f"the customer's) and the answer in the customer's ({_pct(a_cust)} vs "
            f"{_pct(a_eng)} in the engineer's)")))
        return flags, {"question", "answer"}
    if not a.empty:
        if conv.roles_known and a_cust >= MIN_OTHER_SIDE and a_cust > a_eng + SIDE_MARGIN:
            flags.append(_flag(ANSWER_FROM_CUSTOMER, (
                f"{_pct(a_cust)} of the answer's {GRAM}-letter sequences are in the customer's "
                f"turns, only {_pct(a_eng)} in the engineer's")))
        else:
            reason = _unsupported(conv, a_eng, answer)
            if reason:
                flags.append(_flag(UNSUPPORTED_ANSWER, reason))
        if flags:
            misplaced.add("answer")
    if not q.empty:
        if conv.roles_known and q_eng >= MIN_OTHER_SIDE and q_eng > q_cust + SIDE_MARGIN:
            misplaced.add("question")
            flags.append(_flag(QUESTION_NOT_FROM_CUSTOMER, (
                f"the question is in the engineer's turns ({_pct(q_eng)}), not the "
                f"customer's ({_pct(q_cust)})")))
        elif q_cust < MIN_QUESTION_SUPPORT:
            misplaced.add("question")
            flags.append(_flag(QUESTION_NOT_FROM_CUSTOMER, (
                f"only {_pct(q_cust)} of the question's {GRAM}-letter sequences appear in "
                f"{conv.asked_name}")))
    return flags, misplaced


def _unsupported(conv: _Conversation, support: float, answer: str) -> str | None:
    """Why the answer is not backed by the engineer's turns, or None when it is."""
    side = conv.replied_name
    if support < MIN_ANSWER_SUPPORT:
        return f"only {_pct(support)} of the answer's {GRAM}-letter sequences appear in {side}"
    for sentence in sentences(answer):
        piece = Piece.of(sentence)
        if len(piece.units) < MIN_SENTENCE_UNITS:
            continue
        held = conv.replied.containment(piece)
        if held < MIN_ANSWER_SUPPORT:
            return (f"the sentence “{_shorten(sentence)}” is not in {side} (only {_pct(held)} "
                    f"of its {GRAM}-letter sequences are)")
    invented = sorted(numbers(answer) - conv.numbers)
    if invented:
        shown = ", ".join(invented[:3]) + (" …" if len(invented) > 3 else "")
        plural = len(invented) > 1
        return (f"the answer's number{'s' if plural else ''} {shown} appear"
                f"{'' if plural else 's'} nowhere in the conversation")
    return None


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _provenance_flags(conv: _Conversation, q: Piece, a: Piece,
                      question_turns: Sequence[int] | None, answer_turns: Sequence[int] | None,
                      misplaced: set[str]) -> list[Flag]:
    problems: list[str] = []
    for name, piece, claimed, minimum, prefer in (
            ("question", q, question_turns, MIN_QUESTION_SUPPORT, conv.customer_ids),
            ("answer", a, answer_turns, MIN_ANSWER_SUPPORT, conv.engineer_ids)):
        if not claimed:
            continue
        outside = [i for i in claimed if not 0 <= i < conv.size]
        if outside:
            problems.append(
                f"{name} turn{'s' if len(outside) > 1 else ''} "
                f"{', '.join(map(str, outside[:5]))} out of range (the conversation has "
                f"{conv.size} turn{'s' if conv.size != 1 else ''})")
            continue
        if piece.empty or name in misplaced:
            continue
        held = conv.side(claimed).containment(piece)
        overall = conv.everything.containment(piece)
        if held < minimum or held * 2 < overall:
            best = covering_turns(piece, conv.pieces, prefer=prefer, min_share=minimum)
            problems.append(
                f"{name} turns {list(claimed)} hold {_pct(held)} of its text; best match "
                f"is turns {best}")
    if not problems:
        return []
    return [_flag(PROVENANCE_MISMATCH, "; ".join(problems))]


def _greeting(question: str, answer: str) -> Flag | None:
    sides = []
    for name, text in (("question", question), ("answer", answer)):
        found, phrases = small_talk(text)
        if found:
            sides.append(f"the {name} is small talk (“{phrases}”)")
    if not sides:
        return None
    return _flag(GREETING, " and ".join(sides) + ", not a technical question and answer")


def _language(question: str, answer: str, turns: Sequence[Turn],
              misplaced: set[str]) -> Flag | None:
    """A text in the other language than its conversation's. Not for a text already flagged
    as coming from elsewhere (one cause, one flag), nor for the system line: imported
    datasets often pair an English system prompt with Korean turns on purpose."""
    said = [t.text for t in turns if t.role != SYSTEM]
    wrong = [f"the {name} is in {got}" for name, text in
             (("question", question), ("answer", answer))
             if name not in misplaced and (got := mismatch(text, said))]
    if not wrong:
        return None
    return _flag(WRONG_LANGUAGE, "; ".join(wrong) + ", not the conversation's language")


def _labels(question: str, answer: str, turns: Sequence[Turn]) -> Flag | None:
    """Speaker labels in a text, unless the turn it came from starts that way itself."""
    said = [" ".join(t.text.split()) for t in turns]
    found = [f"the {name} holds “{'”, “'.join(labelled.labels[:3])}:”"
             for name, text in (("question", question), ("answer", answer))
             if (labelled := strip_labels(text)).labels
             and not any(" ".join(text.split())[:80] in turn for turn in said)]
    if not found:
        return None
    return _flag(SPEAKER_LABEL, " and ".join(found) + " copied from the transcript")


def question_key(question: str) -> str:
    """What two questions must share to be duplicates: letters and digits, case-folded."""
    return units(question)


def duplicate_groups(questions: Sequence[str]) -> dict[str, list[int]]:
    """Indices of the questions sharing a `question_key`, for keys held by two or more.

    Checking many pairs at once: pass each pair's group, without itself, as its
    `other_questions`, instead of every other question (linear instead of quadratic).
    """
    groups: dict[str, list[int]] = {}
    for index, question in enumerate(questions):
        key = question_key(question)
        if key:
            groups.setdefault(key, []).append(index)
    return {key: found for key, found in groups.items() if len(found) > 1}


def _duplicate(key: str, other_questions: Iterable[str]) -> Flag | None:
    if not key:
        return None
    same = sum(1 for other in other_questions if question_key(other) == key)
    if not same:
        return None
    return _flag(DUPLICATE, (
        f"the same question (ignoring case, spacing and punctuation) is in {same} other "
        f"pair{'s' if same > 1 else ''}"))


def _personal_data(question: str, answer: str, system: str) -> Flag | None:
    found: list[str] = []
    for name, text in (("question", question), ("answer", answer), ("system line", system)):
        scanned = _scan_system(text) if name == "system line" else pii.scan(text)
        for kind, masked in scanned:
            found.append(f"{pii.label(kind)} {masked} in the {name}")
    if not found:
        return None
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return _flag(PERSONAL_DATA, "; ".join(found[:3]) + more)


@functools.lru_cache(maxsize=64)
def _scan_system(text: str) -> tuple[tuple[str, str], ...]:
    # A dataset or a split repeats a few system lines over thousands of pairs.
    return tuple(pii.scan(text))
