"""Few-shot template conformance: exported examples must look like the few-shot examples.

Checks per example: the role sequence follows the pattern of one of the few-shot examples,
no message text is empty, no leftover ``Q)``/``A)`` markers, and the system line is one line.

The pattern is structural, so a multi-turn export conforms whatever its number of turns:
each few-shot example is read as a head (the roles before the first user message, e.g. a
system message) and a body. A body made of user/assistant rounds becomes "one or more
user/assistant rounds"; any other body (e.g. two user messages in a row) must be matched
exactly.
"""

from __future__ import annotations

from typing import Any

from ..importing.speakers import has_marker
from .findings import Finding, error

Pattern = tuple[tuple[str, ...], tuple[str, ...], bool]  # head, body or round, repeats
_ROUND = ("user", "assistant")


def _pattern(roles: tuple[str, ...]) -> Pattern:
    cut = roles.index("user") if "user" in roles else len(roles)
    head, body = roles[:cut], roles[cut:]
    if body and len(body) % 2 == 0 and body == _ROUND * (len(body) // 2):
        return head, _ROUND, True
    return head, body, False


def _describe(pattern: Pattern) -> str:
    head, body, repeats = pattern
    parts = list(head) + (["(user/assistant)+"] if repeats else list(body))
    return "/".join(parts)


def role_orders(examples: list[list[dict]]) -> set[Pattern]:
    """The role patterns of the few-shot examples (see the module docstring)."""
    return {_pattern(tuple(str(m.get("role")) for m in ex if isinstance(m, dict)))
            for ex in examples}


def conforms(roles: tuple[str, ...], patterns: set[Pattern]) -> bool:
    for head, body, repeats in patterns:
        if roles[:len(head)] != head:
            continue
        rest = roles[len(head):]
        if repeats:
            if rest and len(rest) % len(body) == 0 and rest == body * (len(rest) // len(body)):
                return True
        elif rest == body:
            return True
    return False


def check_template(line: int, messages: list[Any], orders: set[Pattern],
                   pair_id: int | None = None) -> list[Finding]:
    out: list[Finding] = []
    roles = tuple(str(m.get("role")) if isinstance(m, dict) else "None" for m in messages)
    if orders and not conforms(roles, orders):
        want = " | ".join(sorted(_describe(o) for o in orders))
        out.append(error(line, "template_role_order",
                         f"roles {'/'.join(roles)} do not follow the few-shot examples "
                         f"({want})", pair_id))
    for i, msg in enumerate(messages, 1):
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        if isinstance(content, str):
            if not content.strip():
                out.append(error(line, "template_empty_field",
                                 f"message {i} ({msg.get('role')}) is empty", pair_id))
            elif has_marker(content):
                out.append(error(line, "template_marker",
                                 f"message {i} ({msg.get('role')}) still has a Q)/A) marker",
                                 pair_id))
            if msg.get("role") == "system" and "\n" in content.strip():
                out.append(error(line, "template_multiline_system",
                                 "the system message must be one line", pair_id))
        elif content is None and msg.get("role") != "assistant":
            out.append(error(line, "template_empty_field",
                             f"message {i} ({msg.get('role')}) has no text", pair_id))
    return out
