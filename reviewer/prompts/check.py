"""Checks on the few-shot set before a prompt carries it, and the prompt's size in tokens.

Each example's output goes through the same readiness gate as an export (one line per
pair: system, question, answer), minus the rules about how many examples a training file
needs; each example's input and output must have the task's shape: a conversation with a
customer and an engineer turn, a one-line system, pairs whose claimed turns exist and come
from the right side, and an answer the splitter's own grounding check would accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import Conversation
from ..splitting.checks import AnswerError, check_answer, parse_answer
from ..splitting.prompt import FewShotExample, example_messages, prompt_prefix
from ..tokens import REPLY_PRIMING, count_chat_tokens, encoding_name_for_model, get_encoding
from ..validation import ERROR, validate_objects

# Gate rules about the size of a training file; a few-shot set is small on purpose.
SET_SIZE_RULES = frozenset({"too_few_examples", "few_examples"})
TOO_MANY_TOKENS = 8000  # a prefix this large is sent with every conversation: warn


@dataclass(frozen=True)
class Problem:
    """One finding about the set: which example (place from 1; 0 = the set), how bad, why."""

    place: int
    severity: str  # error | warning
    rule: str
    message: str

    def to_dict(self) -> dict:
        return {"place": self.place, "severity": self.severity, "rule": self.rule,
                "message": self.message}


@dataclass
class SetCheck:
    """The verdict on a few-shot set and the size of the prompt that carries it."""

    examples: int
    problems: list[Problem] = field(default_factory=list)
    prompt_tokens: int = 0  # system message plus every example, as sent
    system_tokens: int = 0
    example_tokens: list[int] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "examples": self.examples, "prompt_tokens": self.prompt_tokens,
                "system_tokens": self.system_tokens, "example_tokens": self.example_tokens,
                "encoding": self.encoding, "problems": [p.to_dict() for p in self.problems]}

    def lines(self) -> list[str]:
        verdict = "usable" if self.ok else "NOT usable"
        out = [f"{self.examples} example(s); {verdict}; prompt {self.prompt_tokens:,} tokens "
               f"({self.encoding}: system {self.system_tokens:,}, examples "
               f"{', '.join(f'{n:,}' for n in self.example_tokens) or '-'})"]
        out.extend(f"{p.severity}: example {p.place}: {p.rule}: {p.message}" if p.place
                   else f"{p.severity}: {p.rule}: {p.message}" for p in self.problems)
        return out


def shape_problems(place: int, example: FewShotExample) -> list[Problem]:
    """The input/output shape of one example."""
    out: list[Problem] = []

    def err(rule: str, message: str) -> None:
        out.append(Problem(place, ERROR, rule, message))

    roles = [t.role for t in example.turns]
    if "customer" not in roles or "engineer" not in roles:
        err("input_sides", "the input needs a customer turn and an engineer turn")
    if any(not t.text.strip() for t in example.turns):
        err("input_empty_turn", "the input has an empty turn")
    if not example.pairs:
        err("output_no_pairs", "the output has no pair")
    for number, pair in enumerate(example.pairs, 1):
        for name, turns, side in (("question", pair.question_turns, "customer"),
                                  ("answer", pair.answer_turns, "engineer")):
            if not turns:
                err("output_no_turns", f"pair {number}: the {name} names no source turn")
            for n in turns:
                if not 1 <= n <= len(example.turns):
                    err("output_turn_range", f"pair {number}: {name} turn {n} is not in the "
                                             f"input (1..{len(example.turns)})")
                elif example.turns[n - 1].role != side:
                    err("output_turn_side", f"pair {number}: {name} turn {n} is not a "
                                            f"{side} turn")
    conversation = Conversation("few-shot", f"example {place}", list(example.turns), "few-shot")
    try:
        checked = check_answer(parse_answer(example_messages(example)[1]["content"]),
                               conversation)
        for note in checked.dropped:
            err("output_not_grounded", f"the splitter's checks would drop {note}")
    except AnswerError as exc:
        err("output_rejected", f"the splitter's checks reject the output: {exc}")
    return out


def gate_problems(examples: Sequence[FewShotExample], model: str | None) -> list[Problem]:
    """The export gate on the examples' outputs, reported per example."""
    items = []
    place_of_line: dict[int, int] = {}
    line = 0
    for place, example in enumerate(examples, 1):
        for pair in example.pairs:
            line += 1
            place_of_line[line] = place
            items.append((line, {"messages": [
                {"role": "system", "content": example.system},
                {"role": "user", "content": pair.question},
                {"role": "assistant", "content": pair.answer}]}, None))
    if not items:
        return []
    report = validate_objects(items, model=model, per_conversation_system=True)
    return [Problem(place_of_line.get(f.line, 0), f.severity, f.rule, f.message)
            for f in report.findings if f.rule not in SET_SIZE_RULES]


def check_set(examples: Sequence[FewShotExample], *, model: str | None = None) -> SetCheck:
    """Shape and gate checks on every example, and the prompt's size in tokens for
    ``model``'s encoding (o200k_base when unknown)."""
    result = SetCheck(examples=len(examples))
    for place, example in enumerate(examples, 1):
        result.problems.extend(shape_problems(place, example))
    result.problems.extend(gate_problems(examples, model))
    result.problems.sort(key=lambda p: (p.place, p.severity != ERROR))
    result.encoding = encoding_name_for_model(model)
    enc = get_encoding(result.encoding)
    prefix = prompt_prefix(list(examples))
    # Parts without the reply priming, so system + examples + priming = the whole prompt.
    result.system_tokens = count_chat_tokens(prefix[:1], enc) - REPLY_PRIMING
    result.example_tokens = [count_chat_tokens(prefix[1 + 2 * i:3 + 2 * i], enc) - REPLY_PRIMING
                             for i in range(len(examples))]
    result.prompt_tokens = count_chat_tokens(prefix, enc)
    if result.prompt_tokens > TOO_MANY_TOKENS:
        result.problems.append(Problem(0, "warning", "prompt_size",
                                       f"the prompt is {result.prompt_tokens:,} tokens before "
                                       "any conversation; every request pays for it"))
    if not examples:
        result.problems.append(Problem(0, "warning", "empty_set",
                                       "the set is empty: the splitter uses the few-shot file"))
    return result
