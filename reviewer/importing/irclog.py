"""IRC-style channel logs → conversations, with roles from a list of staff nicks.

Lines read (a timestamp ``[hh:mm]``, ``[hh:mm:ss]``, ``hh:mm`` or ``[YYYY-MM-DD hh:mm]`` may
lead each one):

* ``<nick> text`` — a message; ``@``/``+``/``%`` mode prefixes and padding are ignored;
* ``* nick does something`` — an action, kept as ``* nick does something`` (in a log whose
  messages have timestamps, only with a timestamp: an untimed ``* ...`` line is pasted text);
* join/part/quit/nick/mode/topic lines (``-!-``, ``***``, ``-->``, ``* Joins:``,
  ``* alice has quit``, ``김민수님이 입장하셨습니다`` ...) and log headers (``--- Log opened``,
  ``Session Start:``) — skipped; ``--- Day changed`` moves the clock to the next day.

A line that reads as none of these is a continuation of the message before it (a wrapped or
pasted line) unless it looks like a log line of its own — a timestamp or a ``[...]`` prefix,
or a ``<nick>`` after something else — or comes before any message: then it is rejected with
its line number (rule ``unparsed_line``), since guessing would put words in someone's mouth.

Roles: nicks in ``staff`` (case-insensitive, mode prefixes ignored) are engineers, everyone
else a customer; ``roles`` gives single nicks a role. With neither, two speakers are read as
customer (the first) and engineer, more stay unknown. Consecutive lines of one nick are one
turn (its first line's timestamp).

One conversation per file, or a new one whenever the clock moves on by more than
``gap_minutes`` between two messages. Times without a date wrap at midnight: a time more than
an hour earlier than the one before is the next day; a smaller step back is taken as clocks
out of order (no gap). A gap of a day or more is only seen with dates or ``Day changed``
lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from ..models import Conversation, Turn
from .records import infer_roles
from .report import Rejection
from .speakers import UNKNOWN, SpeakerRoles, name_key, speaker_roles

FMT = "irc"
OPTION_NAMES = ("staff", "roles", "gap_minutes")
_DAY = 86_400
_DISORDER = 3_600  # a step back in time up to this is clocks out of order, not midnight

_TIME = re.compile(
    r"^\s*(?:\[(?P<bdate>\d{4}-\d{2}-\d{2}[ T])?(?P<bh>\d{1,2}):(?P<bm>\d{2})(?::(?P<bs>\d{2}))?\]"
    r"|(?P<date>\d{4}-\d{2}-\d{2}[ T])?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?=\s))\s*"
)
_MESSAGE = re.compile(r"^<\s*[@+%~&!]?\s*(?P<nick>[^<>\s]{1,64})\s*>\s?(?P<text>.*)$")
_ACTION = re.compile(r"^\*\s+(?P<nick>[^\s*][^\s]{0,63})\s+(?P<text>.+)$")
_SYSTEM = re.compile(
    r"^(?:-!-|\*\*\*|-->|<--|<-|->|==|-{2,3}(?:\s|$)|Session (?:Start|Close|Ident|Time):)"
)
_LOOKS_LIKE_LOG_LINE = re.compile(r"^\s*(?:\[[^\]]{0,40}\]|\S{0,30}\s*<[^<>\s]{1,64}>)")
_DAY_CHANGED = re.compile(r"^-{2,3}\s*Day changed", re.IGNORECASE)
_SYSTEM_ACTION = re.compile(
    r"^(?:(?:Joins|Parts|Quits|Kicks|Mode):|Now talking in\b|Topic is\b|Set by\b"
    r"|Retrieving\b|Disconnected\b|Attempting to rejoin\b|Rejoined\b)"
    r"|^\S+\s+(?:\([^)]*\)\s+)?(?:has joined|has left|has quit|joined|left|quit|parted"
    r"|is now known as|sets mode|set mode|changes topic|has changed the topic|was kicked)\b"
    r"|^\S+?\s*님이\s*(?:입장|퇴장|나가|나갔|들어)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class IrcLogOptions:
    roles: SpeakerRoles | None = None
    gap_seconds: int | None = None


def irc_log_options(options: Mapping[str, Any]) -> IrcLogOptions:
    """Checked options; ValueError names the first bad one.

    ``staff``: nicks (a list or a comma-separated string); ``roles``: ``{nick: role}`` or a
    list of ``NICK=ROLE``; ``gap_minutes``: a positive number, or absent for one
    conversation per file."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ValueError(f"unknown irc-log option(s) {', '.join(unknown)}; "
                         f"known: {', '.join(OPTION_NAMES)}")
    staff = options.get("staff") or ()
    staff_items = [staff] if isinstance(staff, str) else list(staff)
    raw_roles = options.get("roles") or ()
    if isinstance(raw_roles, Mapping):
        rules = [f"{name}={role}" for name, role in raw_roles.items()]
    else:
        rules = [raw_roles] if isinstance(raw_roles, str) else list(raw_roles)
    roles = speaker_roles([str(s) for s in staff_items], [str(r) for r in rules])
    gap = options.get("gap_minutes")
    gap_seconds = None
    if gap is not None:
        if isinstance(gap, bool) or not isinstance(gap, int | float) or not gap > 0:
            raise ValueError(f"gap_minutes must be a positive number, got {gap!r}")
        gap_seconds = round(gap * 60)
    return IrcLogOptions(roles, gap_seconds)


@dataclass(slots=True)
class _Said:
    nick: str
    timestamp: str | None
    lines: list[str]


@dataclass(slots=True)
class _Chunk:
    start_line: int = 0
    said: list[_Said] = field(default_factory=list)


class _Clock:
    """Seconds since the start of the log from ``hh:mm[:ss]`` (or dated) timestamps."""

    def __init__(self) -> None:
        self.day = 0
        self.last_of_day: int | None = None

    def next_day(self) -> None:
        self.day += 1
        self.last_of_day = None

    def seconds(self, match: re.Match[str]) -> int | None:
        hour = match["bh"] or match["h"]
        minute = match["bm"] or match["m"]
        second = match["bs"] or match["s"] or "0"
        of_day = int(hour) * 3600 + int(minute) * 60 + int(second)
        if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
            return None
        dated = match["bdate"] or match["date"]
        if dated:
            try:
                return date.fromisoformat(dated[:10]).toordinal() * _DAY + of_day
            except ValueError:
                return None
        if self.last_of_day is not None and of_day < self.last_of_day - _DISORDER:
            self.day += 1  # midnight passed
        self.last_of_day = of_day
        return self.day * _DAY + of_day


def read_irc_log(stream: TextIO, source: str, options: dict
                 ) -> Iterator[Conversation | Rejection]:
    """Stream conversations (and rejected lines) from an IRC-style log."""
    settings = irc_log_options(options)
    clock = _Clock()
    chunk = _Chunk()
    last_seen: int | None = None
    timed = False  # a message with a timestamp has been seen
    for number, raw in enumerate(stream, start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            continue
        time = _TIME.match(line)
        body = line[time.end():] if time else line.strip()
        if _DAY_CHANGED.match(body):
            clock.next_day()
            continue
        if _SYSTEM.match(body):
            continue
        said = _message(body)
        if said is not None and time is None and timed and not _MESSAGE.match(body):
            said = None  # an untimed "* ..." line in a timed log is pasted text, not an action
        if said is None:
            if time is None and chunk.said and not _LOOKS_LIKE_LOG_LINE.match(line):
                chunk.said[-1].lines.append(line.strip())
                continue
            yield Rejection(source, f"line {number}", _unparsed(line), "unparsed_line")
            continue
        if said is _SKIP:
            continue
        nick, text = said
        timed = timed or time is not None
        at = clock.seconds(time) if time else None
        if time and at is None:
            yield Rejection(source, f"line {number}",
                            f"not a time of day: {_stamp(time)!r}", "unparsed_line")
            continue
        if at is not None:
            gap = settings.gap_seconds
            if gap is not None and last_seen is not None and at - last_seen > gap:
                yield from _emit(chunk, source, settings.roles)
                chunk = _Chunk()
            last_seen = at if last_seen is None else max(last_seen, at)
        stamp = _stamp(time) if time else None
        previous = chunk.said[-1] if chunk.said else None
        if previous is not None and name_key(previous.nick) == name_key(nick):
            previous.lines.append(text)
        else:
            chunk.start_line = chunk.start_line or number
            chunk.said.append(_Said(nick, stamp, [text]))
    yield from _emit(chunk, source, settings.roles)


_SKIP = ("", "")  # a system line in the shape of an action


def _message(body: str) -> tuple[str, str] | None:
    """(nick, text) of a message or action, `_SKIP` for a system action, else None."""
    match = _MESSAGE.match(body)
    if match:
        text = match["text"].strip()
        return (match["nick"], text) if text else _SKIP
    match = _ACTION.match(body)
    if match:
        if _SYSTEM_ACTION.match(match["nick"] + " " + match["text"]) or \
                _SYSTEM_ACTION.match(match["text"]):
            return _SKIP
        nick = match["nick"].lstrip("@+%~&!")
        return nick, f"* {nick} {match['text'].strip()}"
    return None


def _stamp(time: re.Match[str]) -> str:
    return time.group().strip().strip("[]").strip()


def _unparsed(line: str) -> str:
    shown = line.strip()
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"not a message, action or system line: {shown!r}"


def _emit(chunk: _Chunk, source: str, roles: SpeakerRoles | None
          ) -> Iterator[Conversation]:
    turns = []
    for said in chunk.said:
        text = "\n".join(said.lines).strip()
        if text:
            turns.append(Turn(_role(said.nick, roles), text, said.nick, said.timestamp))
    if not turns:
        return
    if roles is None:
        turns = infer_roles(turns)
    yield Conversation(source=source, locator=f"line {chunk.start_line}", turns=turns,
                       fmt=FMT)


def _role(nick: str, roles: SpeakerRoles | None) -> str:
    if roles is None:
        return UNKNOWN
    return roles.role_of(nick) or roles.others or UNKNOWN
