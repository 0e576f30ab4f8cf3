"""The offline default splitter: the imported speaker roles → question/answer pairs.

Import has already read who speaks (labels, `Q)`/`A)` markers, turn objects; one vocabulary
in `importing/speakers.py`) and stored it as each turn's role, so the splitter trusts
`turn.role` and does not read the text for speakers again; it only strips markers a turn's
text still carries. Consecutive customer turns form one question and the engineer turns
that follow form its answer; the next customer turn starts a new pair. Engineer turns
before the first question (greetings) and a last question nobody answered are left out.
"""

from __future__ import annotations

from dataclasses import replace

from ..importing.speakers import CUSTOMER, ENGINEER, SYSTEM, strip_markers
from ..models import Conversation, QAPair, SplitResult, Turn
from .summary import one_line, summarise


class RulesSplitter:
    """Splits by roles; no key, no network. Deterministic for the same conversation."""

    name = "rules"

    def settings(self) -> dict:
        return {"splitter": self.name}

    def split(self, conversation: Conversation) -> SplitResult:
        if not conversation.turns:
            return SplitResult(error="empty conversation: no turns")
        turns = [replace(turn, text=strip_markers(turn.text)) for turn in conversation.turns]
        roles = {turn.role for turn in turns}
        if not roles & {CUSTOMER, ENGINEER}:
            return SplitResult(
                error="no speaker labels: cannot tell the customer's questions from the "
                "engineer's answers"
            )
        if CUSTOMER not in roles:
            return SplitResult(error="no customer question found")
        pairs = _pairs_from(turns)
        if not pairs:
            return SplitResult(error="no engineer reply found after a customer question")
        system = _system_line(conversation, turns)
        return SplitResult(pairs=[replace(pair, system=system) for pair in pairs])


def _pairs_from(turns: list[Turn]) -> list[QAPair]:
    """Pairs with their provenance; the system line is filled in by the caller."""
    pairs: list[QAPair] = []
    question: list[int] = []
    answer: list[int] = []

    def flush() -> None:
        if question and answer:
            pairs.append(QAPair("", "\n".join(turns[i].text for i in question),
                                "\n".join(turns[i].text for i in answer),
                                tuple(question), tuple(answer)))

    for index, turn in enumerate(turns):
        if not turn.text:
            continue
        if turn.role == CUSTOMER:
            if answer:
                flush()
                question.clear()
                answer.clear()
            question.append(index)
        elif turn.role == ENGINEER and question:
            answer.append(index)
    flush()
    return pairs


def _system_line(conversation: Conversation, turns: list[Turn]) -> str:
    """The conversation's own system turn as one line, else a summary of it."""
    for turn in turns:
        if turn.role == SYSTEM and turn.text.strip():
            return one_line(turn.text)
    return summarise(replace(conversation, turns=turns))
