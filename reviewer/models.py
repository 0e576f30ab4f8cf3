"""Plain data types shared by importing, splitting, review and export.

Nothing here touches the database or the network; every stage speaks these types.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["customer", "engineer", "system", "unknown"]
ROLES: tuple[str, ...] = ("customer", "engineer", "system", "unknown")



_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Collapse whitespace and trim; the form used for hashing and duplicate checks.

    Same result as ``_WS.sub(" ", text).strip()`` (``str.split`` and regex ``\\s`` agree on
    what is whitespace), several times faster; bulk import hashes every turn.
    """
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance in a conversation.

    `role` is the normalised side (customer asks, engineer answers); `speaker` keeps the
    label as written in the source ("고객", "Support", ...).
    """

    role: str
    text: str
    speaker: str = ""
    timestamp: str | None = None


@dataclass(slots=True)
class Conversation:
    """A conversation as read from an import file, before it is stored.

    `source` names the file (``archive.zip:inner/file.txt`` for zip members) and
    `locator` where in it the record starts (``line 12``, ``index 3``, ``row 5``).
    """

    source: str
    locator: str
    turns: list[Turn]
    fmt: str
    title: str = ""
    external_id: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Readable transcript, one ``Speaker: text`` block per turn."""
        lines = []
        for turn in self.turns:
            label = turn.speaker or turn.role.capitalize()
            lines.append(f"{label}: {turn.text}")
        return "\n".join(lines)

    def content_id(self) -> str:
        """Stable id from normalised content, so re-importing the same text is a no-op."""
        digest = hashlib.sha256()
        for turn in self.turns:
            digest.update(turn.role.encode())
            digest.update(b"\x1f")
            digest.update(normalise_text(turn.text).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()[:32]


_TURNS_ENCODER = json.JSONEncoder(ensure_ascii=False)


def turns_to_json(turns: list[Turn]) -> str:
    """The `conversations.turns` column format: a JSON list of turn objects."""
    return _TURNS_ENCODER.encode(
        [{"role": t.role, "speaker": t.speaker, "text": t.text, "timestamp": t.timestamp}
         for t in turns]
    )


def turns_from_json(raw: str) -> list[Turn]:
    return [
        Turn(role=t["role"], text=t["text"], speaker=t.get("speaker") or "",
             timestamp=t.get("timestamp"))
        for t in json.loads(raw or "[]")
    ]


def conversation_from_row(row: dict) -> Conversation:
    """Rebuild a `Conversation` from a `conversations` table row."""
    return Conversation(
        source=row.get("source") or "",
        locator=row.get("locator") or "",
        turns=turns_from_json(row["turns"]),
        fmt=row.get("fmt") or "",
        title=row.get("title") or "",
        external_id=row.get("external_id") or "",
        meta={"id": row["id"]} if row.get("id") else {},
    )


@dataclass(frozen=True, slots=True)
class QAPair:
    """A question/answer pair with the one-line summary of its conversation.

    ``question_turns`` / ``answer_turns`` are the indices (in the conversation's turns) the
    texts came from, when the splitter knows them: the provenance a reviewer sees
    highlighted, and what a re-split matches on.
    """

    system: str
    question: str
    answer: str
    question_turns: tuple[int, ...] = ()
    answer_turns: tuple[int, ...] = ()


@dataclass(slots=True)
class SplitResult:
    """What a splitter returns for one conversation: pairs, or the reason it failed."""

    pairs: list[QAPair] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
