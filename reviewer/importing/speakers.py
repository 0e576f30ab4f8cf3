"""Who is speaking, in English and Korean: speaker labels and `Q)`/`A)` markers → roles.

The one vocabulary of the project. Import reads roles with it (transcript labels, turn
objects, CSV speaker columns) and stores them on each turn; the rules splitter trusts those
roles and uses only `strip_markers` here; the LLM splitter's checks use `has_marker`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CUSTOMER = "customer"
ENGINEER = "engineer"
SYSTEM = "system"
UNKNOWN = "unknown"

SPEAKER_LABELS: dict[str, tuple[str, ...]] = {
    CUSTOMER: (
        "customer", "user", "client", "caller", "requester", "asker", "buyer", "human",
        "question", "q", "guest", "visitor", "고객", "고객님", "사용자", "문의자", "질문자",
        "질문", "손님", "구매자", "의뢰인",
    ),
    ENGINEER: (
        "agent", "engineer", "support", "assistant", "support engineer", "support agent",
        "tech support", "technical support", "technician", "tech", "fae", "staff", "rep",
        "representative", "operator", "helpdesk", "help desk", "manager", "answer", "a", "gpt",
        "bot", "model", "엔지니어", "상담원", "상담사", "담당자", "기술지원", "기술 지원", "지원팀",
        "답변", "답변자", "매니저", "기사",
    ),
    SYSTEM: ("system", "시스템"),
}
_LABELS = {name: role for role, names in SPEAKER_LABELS.items() for name in names}

# Markers written before a question or an answer: `Q)`, `A)`, `질문)`, `답변)`, `문)`, `답)`,
# in either case and with a full-width parenthesis too.
MARKER_WORDS: dict[str, str] = {"q": CUSTOMER, "질문": CUSTOMER, "문": CUSTOMER,
                                "a": ENGINEER, "답변": ENGINEER, "답": ENGINEER}
MARKER_WORD = "(?:[QqAa]|질문|답변|문|답)"  # for patterns that also read what precedes it
_LEADING_MARKER = re.compile(rf"^[ \t]*{MARKER_WORD}[ \t]*[)）][ \t]*", re.M)

_DECORATION = re.compile(r"[*_`]+")
_SPACES = re.compile(r"\s+")
# "Engineer (Minsu)", "Support - Jane", "Customer #2", "Agent 1", "고객(홍길동)"
_SUFFIX = re.compile(r"\s*(?:[(\[（].*|[-–—#/].*|\d+)$")

# Role values seen in structured exports (ShareGPT "gpt", chat "model") that would be
# ordinary words at the start of a transcript line ("Model: HN5500").
_STRUCTURED_ONLY = frozenset({"model", "gpt", "bot"})


def role_for(label: str, *, transcript: bool = False) -> str | None:
    """The role for a speaker label, or None when the label is not recognised.

    ``transcript=True`` is stricter: words that commonly start an ordinary line are not
    treated as speakers.
    """
    cache_key = (label, transcript)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    role = _role_for(label, transcript)
    if len(_CACHE) < 10_000:
        _CACHE[cache_key] = role
    return role


_CACHE: dict[tuple[str, bool], str | None] = {}


def _role_for(label: str, transcript: bool) -> str | None:
    key = _SPACES.sub(" ", _DECORATION.sub("", label)).strip().lower()
    if not key or len(key) > 40:
        return None
    if key not in _LABELS:
        key = _SUFFIX.sub("", key).strip()
    if transcript and key in _STRUCTURED_ONLY:
        return None
    return _LABELS.get(key)


def role_or_unknown(label: str) -> str:
    return role_for(label) or UNKNOWN


def marker_role(word: str) -> str | None:
    """The role a marker word stands for (`Q` → customer, `답변` → engineer), else None."""
    return MARKER_WORDS.get(word.strip().lower())


def strip_markers(text: str) -> str:
    """Remove the markers leading any line and trim the result."""
    return _LEADING_MARKER.sub("", text).strip()


def has_marker(text: str) -> bool:
    """Whether any line of `text` still starts with a marker."""
    return _LEADING_MARKER.search(text) is not None


# Prefixes a chat client puts before a nick to show channel modes (op, voice, ...).
_NICK_MODES = "@+%~&!"
_ROLE_WORDS = {CUSTOMER: CUSTOMER, ENGINEER: ENGINEER, SYSTEM: SYSTEM,
               "staff": ENGINEER}
ANY_NAME = "*"
_NAME_DECORATION = re.compile(r"[*`]+")  # Markdown bold; underscores belong to nicks


def name_key(name: str) -> str:
    """How a person's name or nick is compared: Markdown bold, mode prefixes, case and runs
    of spaces do not count (``@Alice`` = ``**alice**``)."""
    key = _SPACES.sub(" ", _NAME_DECORATION.sub("", name)).strip().lstrip(_NICK_MODES).strip()
    return key.casefold()


@dataclass(frozen=True, slots=True)
class SpeakerRoles:
    """Roles a user gives for the people in a chat export.

    ``names`` maps a `name_key` to a role. ``others`` is the role of anyone else who speaks
    in a line that reads as a chat message: ``<nick> text``, or ``Name: text`` with a
    one-word name and a space after the colon. ``--staff`` makes the others customers;
    ``--role '*=ROLE'`` sets them explicitly; with neither, a name without a rule is read as
    before (a known label such as ``Customer:``, else a continuation line).
    """

    names: Mapping[str, str] = field(default_factory=dict)
    others: str | None = None

    def role_of(self, name: str) -> str | None:
        """The role a rule gives `name`, or None when no rule names it."""
        return self.names.get(name_key(name))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary for run settings."""
        out: dict[str, Any] = {"names": dict(self.names)}
        if self.others:
            out["others"] = self.others
        return out


def role_word(word: str) -> str:
    """A role given by a user (``engineer``, ``agent``, ``고객`` ...); ValueError otherwise."""
    key = word.strip().lower()
    role = _ROLE_WORDS.get(key) or role_for(key)
    if role is None:
        raise ValueError(f"unknown role {word.strip()!r} (use customer, engineer or system)")
    return role


def speaker_roles(staff: Iterable[str] = (), rules: Iterable[str] = ()) -> SpeakerRoles | None:
    """Roles from ``--staff`` names and ``--role NAME=ROLE`` rules (each item may hold
    several, comma-separated); None when neither gives anything. ValueError on a bad rule."""
    names: dict[str, str] = {}
    others: str | None = None
    for item in staff:
        for name in _split_list(item):
            names[name_key(name)] = ENGINEER
            others = others or CUSTOMER
    for item in rules:
        for rule in _split_list(item):
            name, sep, role = rule.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"role rule {rule!r} is not NAME=ROLE")
            if name.strip() == ANY_NAME:
                others = role_word(role)
            elif not name_key(name):
                raise ValueError(f"role rule {rule!r} names nobody")
            else:
                names[name_key(name)] = role_word(role)
    if not names and others is None:
        return None
    return SpeakerRoles(names, others)


def _split_list(item: str | Iterable[str]) -> list[str]:
    parts = item.split(",") if isinstance(item, str) else list(item)
    return [p.strip() for p in parts if p.strip()]
