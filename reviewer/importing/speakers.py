"""Who is speaking, in English and Korean: speaker labels and `Q)`/`A)` markers → roles.

The one vocabulary of the project. Import reads roles with it (transcript labels, turn
objects, CSV speaker columns) and stores them on each turn; the rules splitter trusts those
roles and uses only `strip_markers` here; the LLM splitter's checks use `has_marker`.
"""

from __future__ import annotations

import re

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
