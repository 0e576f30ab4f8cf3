"""Structured records (JSON objects, JSONL lines, CSV rows) → `Conversation`.

Accepted shapes for one conversation:

* an object with a list of turns under ``turns`` / ``messages`` / ``dialog`` / ...; each turn
  has a speaker under ``speaker`` / ``role`` / ``from`` / ... and its words under ``text`` /
  ``content`` / ``value`` / ... (chat fine-tuning lines ``{"messages": [{"role": "user", ...}]}``
  fit here: user → customer, assistant → engineer, system → system);
* an object with a transcript under ``text`` / ``conversation`` / ``transcript`` (parsed like
  a .txt file);
* an object with ``question`` / ``answer`` (or ``prompt`` / ``completion``, ``질문`` / ``답변``);
* a bare list of turns, or a bare transcript string.

A conversation that comes out as one turn whose text is itself a labelled transcript
(``Q) ...`` / ``A) ...``, ``Customer: ...`` / ``Engineer: ...``, ``고객: ...`` / ``상담원: ...``
lines, starting on its first line) is read as that transcript's turns instead.

With `SpeakerRoles` (``--staff`` / ``--role``, or the Import page's "Who is staff?") a
speaker a rule names gets that role, in turn objects and labelled lines alike; any other
speaker reads as before (a known label), and with ``--staff`` or ``'*=ROLE'`` anyone left is
the others' role.

Anything else raises `RecordRejected` with a reason naming what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..models import Conversation, Turn
from .errors import RecordRejected
from .names import is_encodable
from .speakers import CUSTOMER, ENGINEER, UNKNOWN, SpeakerRoles, role_for
from .transcript import NO_TURNS, parse_turn_line, turns_from_text

TURN_LIST_KEYS = ("turns", "messages", "dialog", "dialogue", "conversation", "conversations",
                  "utterances", "chat", "history", "exchanges", "대화")
TEXT_KEYS = ("text", "conversation", "transcript", "dialog", "dialogue", "content", "body",
             "대화", "내용")
QA_KEYS = (("question", "answer"), ("q", "a"), ("prompt", "completion"), ("input", "output"),
           ("질문", "답변"), ("customer", "engineer"))
SPEAKER_KEYS = ("speaker", "role", "from", "author", "sender", "who", "by", "name", "화자",
                "발화자", "역할")
TURN_TEXT_KEYS = ("text", "content", "value", "message", "body", "utterance", "msg", "내용",
                  "발화", "메시지")
TIME_KEYS = ("timestamp", "time", "ts", "at", "created_at", "date", "datetime", "시간")
ID_KEYS = ("id", "conversation_id", "conversationid", "conv_id", "dialog_id", "thread_id",
           "ticket", "ticket_id", "session_id", "uuid", "external_id")
TITLE_KEYS = ("title", "subject", "topic", "제목")


def _lookup(obj: Mapping[str, Any], keys: Sequence[str]) -> tuple[str | None, Any]:
    """First of `keys` present in `obj`, matched exactly first, then case-insensitively."""
    for key in keys:
        if key in obj:
            return key, obj[key]
    found = _fold_match(tuple(obj), tuple(keys))
    return (found, obj[found]) if found is not None else (None, None)


@lru_cache(maxsize=1024)
def _fold_match(present: tuple, keys: tuple[str, ...]) -> Any:
    """The key of `present` equal to one of `keys` ignoring case and spaces (cached per shape)."""
    lowered = {str(k).strip().lower(): k for k in present}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return None


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _content_text(value: Any) -> str | None:
    """Turn content: a string, or a list of chat content parts (``{"type": "text", ...}``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts) if parts else None
    return None


def looks_like_turns(value: Any) -> bool:
    """A non-empty list whose first item is a turn object or a labelled line."""
    if not isinstance(value, list) or not value:
        return False
    first = value[0]
    if isinstance(first, Mapping):
        return _lookup(first, TURN_TEXT_KEYS)[0] is not None and (
            _lookup(first, SPEAKER_KEYS)[0] is not None or len(first) == 1
        )
    return isinstance(first, str) and parse_turn_line(first) is not None


def turns_from_list(items: list[Any], roles: SpeakerRoles | None = None) -> list[Turn]:
    turns: list[Turn] = []
    for index, item in enumerate(items):
        turn = _turn(item, index, roles)
        if turn is not None:
            turns.append(turn)
    return infer_roles(turns)


def speaker_role(label: str, roles: SpeakerRoles | None = None) -> str:
    """The role of a turn's speaker: a rule for the name, then the shared vocabulary, then
    the role of everyone else (UNKNOWN without one)."""
    if not label:
        return UNKNOWN
    if roles is None:
        return role_for(label) or UNKNOWN
    return roles.role_of(label) or role_for(label) or roles.others or UNKNOWN


def _turn(item: Any, index: int, roles: SpeakerRoles | None = None) -> Turn | None:
    if isinstance(item, str):
        parsed = parse_turn_line(item, roles)
        if parsed is None:
            raise RecordRejected(f"turn {index}: no speaker label in {item[:40]!r}")
        return Turn(parsed.role, parsed.text, parsed.speaker, parsed.timestamp) \
            if parsed.text else None
    if not isinstance(item, Mapping):
        raise RecordRejected(f"turn {index}: expected an object, got {type(item).__name__}")
    speaker_key, speaker = _lookup(item, SPEAKER_KEYS)
    text_key, raw_text = _lookup(item, TURN_TEXT_KEYS)
    if speaker_key is None and len(item) == 1:
        # {"customer": "..."} style
        speaker, raw_text = next(iter(item.items()))
        text_key = "single"
    if text_key is None:
        raise RecordRejected(
            f"turn {index}: no text (expected a 'text', 'content' or 'value' key)"
        )
    text = raw_text if type(raw_text) is str else _content_text(raw_text)
    if text is None:
        raise RecordRejected(f"turn {index}: text is not a string")
    text = text.strip()
    if not text:
        return None
    label = speaker.strip() if type(speaker) is str else _scalar(speaker)
    role = speaker_role(label, roles)
    # Only look for a timestamp when the turn has keys beyond speaker and text.
    timestamp = _scalar(_lookup(item, TIME_KEYS)[1]) if len(item) > 2 else ""
    return Turn(role, text, label, timestamp or None)


def infer_roles(turns: list[Turn]) -> list[Turn]:
    """Two unrecognised speakers (e.g. personal names): the first to speak is the customer."""
    if not turns or any(t.role != UNKNOWN for t in turns):
        return turns
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    if len(speakers) != 2 or not all(speakers):
        return turns
    roles = {speakers[0]: CUSTOMER, speakers[1]: ENGINEER}
    return [Turn(roles[t.speaker], t.text, t.speaker, t.timestamp) for t in turns]


def conversation_from_record(record: Any, *, source: str, locator: str, fmt: str,
                             roles: SpeakerRoles | None = None) -> Conversation:
    """One record → a conversation, or `RecordRejected` saying what was missing."""
    title = external_id = ""
    if isinstance(record, str):
        turns = turns_from_text(record, roles)
        if not turns:
            raise RecordRejected(f"text has {NO_TURNS}")
    elif isinstance(record, list):
        if not looks_like_turns(record):
            raise RecordRejected("list is not a list of turns (objects with speaker and text)")
        turns = turns_from_list(record, roles)
    elif isinstance(record, Mapping):
        turns = _turns_from_mapping(record, roles)
        title = _scalar(_lookup(record, TITLE_KEYS)[1])
        external_id = _scalar(_lookup(record, ID_KEYS)[1])
    else:
        raise RecordRejected(f"expected an object, got {type(record).__name__}")
    if not turns:
        raise RecordRejected("no turns with text")
    turns = split_single_turn(turns, roles)
    if all(t.role == "system" for t in turns):
        raise RecordRejected("only system messages, no customer or engineer turns")
    check_storable(turns, title, external_id)
    chat = isinstance(record, Mapping) and "messages" in record
    return Conversation(source=source, locator=locator, turns=turns,
                        fmt=f"{fmt}-chat" if chat else fmt, title=title,
                        external_id=external_id)


def split_single_turn(turns: list[Turn], roles: SpeakerRoles | None = None) -> list[Turn]:
    """One turn holding several speaker-marked lines → those turns; anything else as is.

    Only when the text opens with a marked line, so no words before the first label are
    lost; a turn's own timestamp stays on the parts that have none."""
    if len(turns) != 1 or "\n" not in turns[0].text:
        return turns
    (turn,) = turns
    first_line = turn.text.lstrip().split("\n", 1)[0]
    if parse_turn_line(first_line, roles) is None:
        return turns
    parts = turns_from_text(turn.text, roles)
    if len(parts) < 2:
        return turns
    return [Turn(p.role, p.text, p.speaker, p.timestamp or turn.timestamp) for p in parts]


def check_storable(turns: list[Turn], title: str = "", external_id: str = "") -> None:
    """Refuse text that is not valid Unicode: a JSON escape such as ``"\\ud800"`` decodes to
    a lone surrogate, which no database, file or terminal can hold."""
    for index, turn in enumerate(turns):
        for field, value in (("text", turn.text), ("speaker", turn.speaker),
                             ("timestamp", turn.timestamp or "")):
            if not is_encodable(value):
                raise RecordRejected(f"turn {index} {field}: {_surrogate_at(value)}",
                                     rule="invalid_text")
    for field, value in (("title", title), ("id", external_id)):
        if not is_encodable(value):
            raise RecordRejected(f"{field}: {_surrogate_at(value)}", rule="invalid_text")


def _surrogate_at(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"lone surrogate \\u{ord(value[exc.start]):04x} at character {exc.start} is "
                "not a character (broken escape or truncated emoji)")
    return "invalid text"  # pragma: no cover (only called for unencodable text)


def _turns_from_mapping(record: Mapping[str, Any], roles: SpeakerRoles | None = None
                        ) -> list[Turn]:
    if all(type(k) is str and k.islower() and k.strip() == k for k in record):
        lowered = {k: k for k in record}  # the usual case: keys already in canonical form
    else:
        lowered = {str(k).strip().lower(): k for k in record}
    for key in TURN_LIST_KEYS:
        if key in lowered and isinstance(record[lowered[key]], list):
            items = record[lowered[key]]
            if not items:
                raise RecordRejected(f"'{lowered[key]}' is empty")
            return turns_from_list(items, roles)
    for key in TEXT_KEYS:
        if key in lowered and isinstance(record[lowered[key]], str):
            turns = turns_from_text(record[lowered[key]], roles)
            if not turns:
                raise RecordRejected(f"'{lowered[key]}' has {NO_TURNS}")
            return turns
    for q_key, a_key in QA_KEYS:
        if q_key in lowered and a_key in lowered:
            question = _content_text(record[lowered[q_key]])
            answer = _content_text(record[lowered[a_key]])
            turns = []
            if question and question.strip():
                turns.append(Turn(CUSTOMER, question.strip(), lowered[q_key]))
            if answer and answer.strip():
                turns.append(Turn(ENGINEER, answer.strip(), lowered[a_key]))
            if not turns:
                raise RecordRejected(f"'{lowered[q_key]}' and '{lowered[a_key]}' are empty")
            return turns
    keys = ", ".join(list(lowered)[:8]) or "none"
    raise RecordRejected(
        "no conversation found: expected turns under 'turns'/'messages'/'dialog', text under "
        f"'text'/'transcript', or 'question'/'answer' (keys: {keys})"
    )
