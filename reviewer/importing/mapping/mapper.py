"""One record → a `Mapped` (a conversation, plus ready pairs when the mapping makes them).

Ready pairs hang on a conversation row like split pairs do: for template pairs its turns
are the system line, the question and the answer (so the review page shows the source and
the content id makes re-imports no-ops); for chat records it is the whole chat.

A multi-turn chat becomes one pair per assistant turn: the question is the user turn(s)
just before it, the system line is the chat's system message, and the pairs keep the
chat's order on one conversation. Exported one example per pair they are single-turn;
``reviewer export --multi-turn`` puts each chat back together as one example.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...models import Conversation, QAPair, Turn
from ..errors import RecordRejected
from ..records import check_storable
from ..report import Rejection
from ..speakers import CUSTOMER, ENGINEER, UNKNOWN
from .paths import MISSING
from .roles import SKIP, infer_two_speakers
from .spec import MappingSpec, TurnsSpec
from .templates import MissingField, as_text, lookup

SYSTEM = "system"


@dataclass(slots=True)
class Mapped:
    conversation: Conversation
    pairs: list[QAPair] = field(default_factory=list)


def map_items(spec: MappingSpec, record: Any, parents: Sequence[Any], *, source: str,
              locator: str, fmt: str) -> Iterator[Mapped | Rejection]:
    """What one record gives: a `Mapped`, or — for ``[pair] each`` — one rejection per item
    that is refused and one `Mapped` holding the pairs of all the others."""
    pair = spec.pair
    if spec.kind != "pairs" or pair is None or pair.each is None:
        try:
            yield map_record(spec, record, parents, source=source, locator=locator, fmt=fmt)
        except RecordRejected as exc:
            yield Rejection(source, locator, str(exc), exc.rule)
        return
    good: list[QAPair] = []
    found = False
    for where, item, inner in pair.each.walk(record):
        found = True
        scope = (*parents, *inner)
        try:
            _check_required(spec, item, scope)
            good.append(_template_qa(spec, item, scope))
        except RecordRejected as exc:
            yield Rejection(source, _join(locator, where), str(exc), exc.rule)
    if not found:
        yield Rejection(source, locator, f"missing field '{pair.each.text}' (the items that "
                        "become pairs)", "missing_field")
    if not good:
        return
    turns = [Turn(SYSTEM, good[0].system, "System")] if good[0].system else []
    numbered: list[QAPair] = []
    for qa in good:
        turns += [Turn(CUSTOMER, qa.question, "Question"), Turn(ENGINEER, qa.answer, "Answer")]
        numbered.append(QAPair(qa.system, qa.question, qa.answer, (len(turns) - 2,),
                               (len(turns) - 1,)))
    try:
        yield _finish(spec, Mapped(Conversation(source, locator, turns, fmt), numbered),
                      record, parents, source, locator, fmt)
    except RecordRejected as exc:
        yield Rejection(source, locator, str(exc), exc.rule)


def _join(locator: str, where: str) -> str:
    if not where:
        return locator
    if not locator:
        return f"index {where}"
    return f"{locator}{where}" if where.startswith("[") else f"{locator}.{where}"


def _check_required(spec: MappingSpec, record: Any, parents: Sequence[Any]) -> None:
    for path in spec.require:
        value = lookup(path, record, parents, spec.constants)
        if value is MISSING or value is None or as_text(value, spec.join).strip() == "" \
                and not isinstance(value, bool | int | float):
            raise RecordRejected(f"missing field '{path.text}'", rule="missing_field")


def map_record(spec: MappingSpec, record: Any, parents: Sequence[Any], *, source: str,
               locator: str, fmt: str) -> Mapped:
    """Raises `RecordRejected` naming the missing field or empty text."""
    _check_required(spec, record, parents)
    if spec.kind == "pairs":
        qa = _template_qa(spec, record, parents)
        turns = ([Turn(SYSTEM, qa.system, "System")] if qa.system else [])
        turns += [Turn(CUSTOMER, qa.question, "Question"), Turn(ENGINEER, qa.answer, "Answer")]
        first = 1 if qa.system else 0
        mapped = Mapped(Conversation(source, locator, turns, fmt),
                        [QAPair(qa.system, qa.question, qa.answer, (first,), (first + 1,))])
    else:
        assert spec.turns is not None
        turns = _turns(spec.turns, record, spec.join)
        if not any(t.role != SYSTEM for t in turns):
            raise RecordRejected("no customer or engineer turns with text", rule="no_turns")
        pairs = _chat_pairs(turns) if spec.kind == "chat" else []
        if spec.kind == "chat" and not pairs:
            raise RecordRejected("no assistant turn answers a user turn", rule="no_pairs")
        mapped = Mapped(Conversation(source, locator, turns, fmt), pairs)
    return _finish(spec, mapped, record, parents, source, locator, fmt)


def _finish(spec: MappingSpec, mapped: Mapped, record: Any, parents: Sequence[Any],
            source: str, locator: str, fmt: str) -> Mapped:
    conv = mapped.conversation
    conv.source, conv.locator = source, locator
    conv.title = _render_optional(spec, "title", record, parents)
    conv.external_id = _render_optional(spec, "external_id", record, parents)
    conv.fmt = f"{fmt}-mapped:{spec.name}"
    check_storable(conv.turns, conv.title, conv.external_id)
    return mapped


def _render_optional(spec: MappingSpec, attr: str, record: Any, parents: Sequence[Any]) -> str:
    template = getattr(spec, attr)
    if template is None:
        return ""
    try:
        return template.render(record, parents, spec.constants, spec.join).strip()
    except MissingField:
        return ""


def _render(spec: MappingSpec, which: str, record: Any, parents: Sequence[Any]) -> str:
    assert spec.pair is not None
    template = getattr(spec.pair, which)
    try:
        text = template.render(record, parents, spec.constants, spec.join).strip()
    except MissingField as exc:
        raise RecordRejected(f"missing field '{exc.field}' (in the {which} template)",
                             rule="missing_field") from None
    for suffix in spec.pair.strip_suffixes:
        suffix = suffix.rstrip()
        if suffix.strip() and text.endswith(suffix):
            text = text[: len(text) - len(suffix)].rstrip()
    return text


def _template_qa(spec: MappingSpec, record: Any, parents: Sequence[Any]) -> QAPair:
    system = _render(spec, "system", record, parents)
    question = _render(spec, "question", record, parents)
    answer = _render(spec, "answer", record, parents)
    for name, text in (("question", question), ("answer", answer)):
        if not text:
            raise RecordRejected(f"the {name} is empty", rule="empty_text")
    return QAPair(system, question, answer)


def _turns(spec: TurnsSpec, record: Any, join: str) -> list[Turn]:
    items = spec.path.get(record)
    if items is MISSING:
        raise RecordRejected(f"missing field '{spec.path.text}' (the list of turns)",
                             rule="missing_field")
    if not isinstance(items, list):
        raise RecordRejected(f"'{spec.path.text or 'the record'}' is not a list of turns",
                             rule="not_a_conversation")
    turns: list[Turn] = []
    for index, item in enumerate(items):
        raw_text = spec.text.collect(item)
        if raw_text is MISSING:
            raise RecordRejected(f"turn {index}: missing field '{spec.text.text}'",
                                 rule="missing_field")
        text = as_text(raw_text, join).strip()
        speaker = as_text(spec.speaker.get(item)).strip() if spec.speaker else ""
        role = spec.roles.role(item, speaker)
        if role == SKIP or not text:
            continue
        stamp = as_text(spec.timestamp.get(item)).strip() if spec.timestamp else ""
        turns.append(Turn(role, text, speaker or _label(role), stamp or None))
    return infer_two_speakers(turns)


def _label(role: str) -> str:
    return "" if role == UNKNOWN else role.capitalize()


def _chat_pairs(turns: list[Turn]) -> list[QAPair]:
    """One pair per engineer turn that follows customer turn(s)."""
    system = "\n".join(t.text for t in turns if t.role == SYSTEM)
    pairs: list[QAPair] = []
    asked: list[int] = []
    for index, turn in enumerate(turns):
        if turn.role == CUSTOMER:
            if asked and turns[index - 1].role != CUSTOMER:
                asked = []
            asked.append(index)
        elif turn.role == ENGINEER and asked:
            question = "\n".join(turns[i].text for i in asked)
            pairs.append(QAPair(system, question, turn.text, tuple(asked), (index,)))
            asked = []
    return pairs
