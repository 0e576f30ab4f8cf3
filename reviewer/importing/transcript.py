"""Plain-text transcripts (.txt / .md): speaker-labelled lines → conversations.

Format (one or many conversations per file):

* a turn starts with a speaker label and a colon (``Customer:``, ``Engineer:``, ``고객:``,
  ``상담원：`` ...), optionally after a timestamp (``[2024-03-02 10:01]``, ``10:01``), or
  with a ``Q)`` / ``A)`` marker;
* any other line continues the previous turn;
* a line of three or more ``-``, ``=``, ``*`` or ``_`` separates conversations;
* a Markdown heading gives the next conversation its title (and ends the current one);
* lines before the first turn of a conversation are a preamble; the first becomes the
  title when there is no heading.

With `SpeakerRoles` (``reviewer import --staff alice,bob`` / ``--role Alice=engineer``) a chat
export reads too: ``<nick> text`` lines (after an optional timestamp; ``@``/``+`` mode
prefixes ignored) open turns, and so do ``Name: text`` lines whose name a rule gives. With
``--staff`` (everyone else is a customer) or ``--role '*=ROLE'``, any one-word ``Name: text``
line (a space after the colon) opens a turn too. Without either, a name with no rule keeps
the behaviour above: a known label, else a continuation line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ..models import Conversation, Turn
from .report import Rejection
from .speakers import MARKER_WORD, UNKNOWN, SpeakerRoles, marker_role, role_for

_TS = (
    r"(?:\[(?P<ts>[^\]\n]{1,40})\]"
    r"|(?P<ts2>\d{4}[-./]\d{1,2}[-./]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?"
    r"|(?:(?:오전|오후|AM|PM)\s?)?\d{1,2}:\d{2}(?::\d{2})?(?:\s?(?:AM|PM|am|pm))?))"
)
_LEAD = r"^\s*(?:[-*+>]\s+)?"
_LABELLED = re.compile(
    rf"{_LEAD}(?:{_TS}\s*)?(?P<label>[^:：\n\[\]]{{1,40}}?)\s*[:：]\s*(?P<text>.*)$"
)
_MARKER = re.compile(
    rf"{_LEAD}(?:{_TS}\s*)?(?P<mark>{MARKER_WORD})\s*[)）]\s*(?P<text>.*)$"
)
_CHAT = re.compile(
    rf"{_LEAD}(?:{_TS}\s*)?<\s*(?P<nick>[^<>\s][^<>\n]{{0,39}}?)\s*>\s?(?P<text>.*)$"
)
# A person's name as a chat export writes it before a colon: one word, starting with a letter.
_SINGLE_NAME = re.compile(r"^[@+%~&]?[^\W\d_][\w.\-]{0,31}$")
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,}|_{3,})\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_LEFTOVER_DECORATION = re.compile(r"^[*_]+\s*")

NO_TURNS = (
    "no speaker-labelled lines (expected lines like 'Customer: ...', 'Engineer: ...', "
    "'고객: ...', '상담원: ...' or 'Q) ...' / 'A) ...')"
)


@dataclass(slots=True)
class LineTurn:
    role: str
    speaker: str
    timestamp: str | None
    text: str


def parse_turn_line(line: str, roles: SpeakerRoles | None = None) -> LineTurn | None:
    """A turn-opening line split into its parts, or None for a continuation line."""
    if roles is not None and ">" in line:
        chat = _chat_line(line, roles)
        if chat is not None:
            return chat
    if ":" not in line and "：" not in line and ")" not in line and "）" not in line:
        return None
    match = _MARKER.match(line)
    if match:
        timestamp = _timestamp(match)
        if timestamp is not False:
            mark = match["mark"]  # (timestamp is now str | None)
            return LineTurn(marker_role(mark) or UNKNOWN, mark.upper() if len(mark) == 1
                            else mark, timestamp or None, match["text"].strip())
    match = _LABELLED.match(line)
    if not match:
        return None
    role = _labelled_role(line, match, roles)
    timestamp = _timestamp(match)
    if role is None or timestamp is False:
        return None
    speaker = match["label"].strip().strip("*_` ").strip()
    text = _LEFTOVER_DECORATION.sub("", match["text"]).strip()
    return LineTurn(role, speaker, timestamp or None, text)


def _chat_line(line: str, roles: SpeakerRoles) -> LineTurn | None:
    match = _CHAT.match(line)
    if not match or _timestamp(match) is False:
        return None
    nick = match["nick"].strip().lstrip("@+%~&!").strip()
    if not nick:
        return None
    role = roles.role_of(nick) or role_for(nick, transcript=True) or roles.others or UNKNOWN
    return LineTurn(role, nick, _timestamp(match) or None, match["text"].strip())


def _labelled_role(line: str, match: re.Match[str], roles: SpeakerRoles | None
                   ) -> str | None:
    """A rule for the name first, then the shared vocabulary, then the others' role for a
    one-word name followed by a space (``Alice: hi``, not ``https://...``)."""
    label = match["label"]
    if roles is None:
        return role_for(label, transcript=True)
    role = roles.role_of(label) or role_for(label, transcript=True)
    if role is not None or roles.others is None or not _SINGLE_NAME.match(label.strip()):
        return role
    between = line[match.end("label"):match.start("text")]
    spaced = between.endswith(("：", " ", "\t")) or not match["text"]
    return roles.others if spaced else None


def _timestamp(match: re.Match[str]) -> str | None | Literal[False]:
    """The timestamp text; False when a bracketed prefix is not a time at all."""
    if match["ts"] is not None:
        value = match["ts"].strip()
        return value if any(ch.isdigit() for ch in value) else False
    return match["ts2"]


@dataclass(slots=True)
class _Block:
    start_line: int = 0
    title: str = ""
    preamble: list[str] = field(default_factory=list)
    turns: list[LineTurn] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=list)  # continuation lines per turn

    def add_line(self, number: int, raw: str, roles: SpeakerRoles | None = None) -> None:
        line = raw.rstrip("\r\n")
        if not self.start_line and line.strip():
            self.start_line = number
        turn = parse_turn_line(line, roles)
        if turn is not None:
            self.turns.append(turn)
            self.lines.append([turn.text] if turn.text else [])
        elif self.turns:
            self.lines[-1].append(line.rstrip())
        elif line.strip():
            self.preamble.append(line.strip())

    def finish(self) -> list[Turn]:
        turns = []
        for turn, lines in zip(self.turns, self.lines, strict=True):
            text = "\n".join(lines).strip()
            if text:
                turns.append(Turn(turn.role, text, turn.speaker, turn.timestamp))
        return turns


def turns_from_text(text: str, roles: SpeakerRoles | None = None) -> list[Turn]:
    """Turns of one conversation given as text (JSON/CSV text fields); separators ignored."""
    block = _Block()
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line) or _HEADING.match(line):
            continue
        block.add_line(number, line, roles)
    return block.finish()


def parse_transcript(lines: Iterable[str], source: str, fmt: str,
                     roles: SpeakerRoles | None = None) -> Iterator[Conversation | Rejection]:
    """Stream conversations (or rejections for blocks without turns) from transcript lines."""
    block = _Block()
    number = 0
    for number, line in enumerate(lines, start=1):
        if line.startswith("\ufeff"):  # files joined with `cat` keep each one's BOM
            line = line[1:]
        if _SEPARATOR.match(line):
            yield from _emit(block, source, fmt)
            block = _Block()
            continue
        heading = _HEADING.match(line)
        if heading:
            if block.turns:
                yield from _emit(block, source, fmt)
                block = _Block()
            # The heading nearest to the turns names the conversation.
            block.title = heading["title"].strip()
            block.start_line = block.start_line or number
            continue
        block.add_line(number, line, roles)
    yield from _emit(block, source, fmt)


def _emit(block: _Block, source: str, fmt: str) -> Iterator[Conversation | Rejection]:
    if not block.turns and not block.preamble:
        return  # nothing, or a lone heading
    locator = f"line {block.start_line}"
    turns = block.finish()
    if not turns:
        yield Rejection(source, locator, NO_TURNS, "no_turns")
        return
    title = block.title or (block.preamble[0][:200] if block.preamble else "")
    meta = {"preamble": block.preamble} if block.preamble else {}
    yield Conversation(source=source, locator=locator, turns=turns, fmt=fmt, title=title,
                       meta=meta)
