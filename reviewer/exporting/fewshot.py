"""Reading a few-shot file (JSONL in the export format) for template conformance checks."""

from __future__ import annotations

import json
from pathlib import Path


class FewShotFileError(ValueError):
    """The few-shot file is missing, unreadable or not chat JSONL; names file and line."""


def read_few_shot(path: Path) -> list[list[dict]]:
    """The `messages` list of every line. Blank lines are skipped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise FewShotFileError(f"{path}: cannot read few-shot file: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FewShotFileError(f"{path}: not UTF-8 (byte {exc.start})") from None
    examples: list[list[dict]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FewShotFileError(f"{path}: line {number}: not JSON ({exc.msg})") from None
        messages = obj.get("messages") if isinstance(obj, dict) else None
        if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages
        ):
            raise FewShotFileError(
                f"{path}: line {number}: expected {{\"messages\": [{{\"role\": ..., ...}}]}}"
            )
        examples.append(messages)
    if not examples:
        raise FewShotFileError(f"{path}: no few-shot examples in the file")
    return examples
