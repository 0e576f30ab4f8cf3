"""The offline default splitter: speaker roles and `Q)`/`A)` markers → question/answer pairs.

Consecutive customer turns form one question and the engineer turns that follow form its
answer; the next customer turn starts a new pair. Engineer turns before the first question
(greetings) and a last question nobody answered are left out.
"""

from __future__ import annotations

import re

from ..models import Conversation, QAPair, SplitResult, Turn
from .markers import marker_role, strip_markers
from .summary import one_line, summarise

_CUSTOMER_LABELS = {
    "customer", "client", "user", "asker", "question", "q", "고객", "고객님", "사용자", "질문자",
    "문의자", "질문",
}
_ENGINEER_LABELS = {
    "engineer", "agent", "support", "assistant", "technician", "staff", "manager", "answer", "a",
    "엔지니어", "상담원", "상담사", "담당자", "매니저", "기술지원", "지원팀", "답변",
}
# "[2024-03-02 10:01] Customer: text" or "Engineer: text"
_LABEL_LINE = re.compile(
    r"^\s*(?:\[[^\]\n]{1,40}\]\s*)?([^\s:：\[\]][^:：\n]{0,24}?)\s*[:：]\s*(.*)$"
)


def label_role(label: str) -> str | None:
    """Map a speaker label ("Support", "고객") to customer/engineer, or None."""
    key = label.strip().lower()
    if key in _CUSTOMER_LABELS:
        return "customer"
    if key in _ENGINEER_LABELS:
        return "engineer"
    return None


def _split_lines(text: str) -> list[tuple[str, str]] | None:
    """Read role turns from raw text with labels or markers; None when nothing is labelled."""
    turns: list[list[str]] = []
    labelled = False
    for line in text.splitlines():
        role = marker_role(line)
        body = line
        if role is None:
            match = _LABEL_LINE.match(line)
            if match and (role := label_role(match.group(1))):
                body = match.group(2)
        if role is not None:
            labelled = True
            turns.append([role, body])
        elif turns:
            turns[-1][1] += "\n" + line
        elif line.strip():
            turns.append(["unknown", line])
    return [(r, t) for r, t in turns] if labelled else None


def role_turns(turns: list[Turn]) -> list[tuple[str, str]]:
    """(role, text) per turn, resolving unknown roles and marker blocks inside one turn."""
    out: list[tuple[str, str]] = []
    for turn in turns:
        role = turn.role
        text = turn.text
        lines = text.splitlines()
        roles = {marker_role(line) for line in lines} - {None}
        if role in ("unknown", "customer", "engineer") and roles == {"customer", "engineer"}:
            out.extend(_split_lines(text) or [])
            continue
        if role == "unknown":
            parsed = _split_lines(text)
            if parsed:
                out.extend(parsed)
                continue
        out.append((role, text))
    return out


class RulesSplitter:
    """Splits by roles; no key, no network. Deterministic for the same conversation."""

    name = "rules"

    def settings(self) -> dict:
        return {"splitter": self.name}

    def split(self, conversation: Conversation) -> SplitResult:
        if not conversation.turns:
            return SplitResult(error="empty conversation: no turns")
        turns = role_turns(conversation.turns)
        roles = {role for role, _ in turns}
        if not roles & {"customer", "engineer"}:
            return SplitResult(
                error="no speaker labels: cannot tell the customer's questions from the "
                "engineer's answers"
            )
        if "customer" not in roles:
            return SplitResult(error="no customer question found")
        pairs = _pairs_from(turns)
        if not pairs:
            return SplitResult(error="no engineer reply found after a customer question")
        system = _system_line(conversation, turns)
        return SplitResult(pairs=[QAPair(system, q, a) for q, a in pairs])


def _pairs_from(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    question: list[str] = []
    answer: list[str] = []

    def flush() -> None:
        if question and answer:
            pairs.append(("\n".join(question), "\n".join(answer)))

    for role, raw in turns:
        text = strip_markers(raw)
        if not text:
            continue
        if role == "customer":
            if answer:
                flush()
                question.clear()
                answer.clear()
            question.append(text)
        elif role == "engineer" and question:
            answer.append(text)
    flush()
    return pairs


def _system_line(conversation: Conversation, turns: list[tuple[str, str]]) -> str:
    for role, text in turns:
        if role == "system" and text.strip():
            return one_line(text)
    resolved = Conversation(
        source=conversation.source,
        locator=conversation.locator,
        turns=[Turn(role=r, text=strip_markers(t)) for r, t in turns],
        fmt=conversation.fmt,
    )
    return summarise(resolved)
