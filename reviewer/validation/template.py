"""Few-shot template conformance: exported examples must look like the few-shot examples.

Checks per example: the role sequence equals one of the few-shot examples' sequences,
no message text is empty, no leftover ``Q)``/``A)`` markers, and the system line is one line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .findings import Finding, error

_MARKER = re.compile(r"(?m)^\s*[QA]\s*\)")


class FewShotFileError(Exception):
    """The few-shot file is missing, unreadable or not chat JSONL."""


def load_few_shot_file(path: Path | str) -> list[list[dict]]:
    """Read a few-shot JSONL file (one ``{"messages": [...]}`` per line)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FewShotFileError(f"cannot read few-shot file {p}: {exc.strerror or exc}") from exc
    examples: list[list[dict]] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FewShotFileError(f"few-shot file {p} is not UTF-8") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise FewShotFileError(f"few-shot file {p} line {number}: not JSON ({exc})") from exc
        msgs = obj.get("messages") if isinstance(obj, dict) else None
        if not isinstance(msgs, list) or not msgs or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str)
                and isinstance(m.get("content"), str) for m in msgs):
            raise FewShotFileError(
                f"few-shot file {p} line {number}: needs messages with string role and content")
        examples.append(msgs)
    if not examples:
        raise FewShotFileError(f"few-shot file {p} has no examples")
    return examples


def role_orders(examples: list[list[dict]]) -> set[tuple[str, ...]]:
    return {tuple(m.get("role") for m in ex if isinstance(m, dict)) for ex in examples}


def check_template(line: int, messages: list[Any], orders: set[tuple[str, ...]],
                   pair_id: int | None = None) -> list[Finding]:
    out: list[Finding] = []
    roles = tuple(m.get("role") if isinstance(m, dict) else None for m in messages)
    if orders and roles not in orders:
        want = " | ".join("/".join(o) for o in sorted(orders))
        out.append(error(line, "template_role_order",
                         f"roles {'/'.join(map(str, roles))} differ from the few-shot "
                         f"examples ({want})", pair_id))
    for i, msg in enumerate(messages, 1):
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        if isinstance(content, str):
            if not content.strip():
                out.append(error(line, "template_empty_field",
                                 f"message {i} ({msg.get('role')}) is empty", pair_id))
            elif _MARKER.search(content):
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
