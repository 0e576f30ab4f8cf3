"""Few-shot examples for the LLM splitter, kept in the export format.

One JSON object per line: ``{"messages": [system, user, assistant, (user, assistant)...]}``.
The same file can later check that exported rows follow the same template.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_FEW_SHOT = Path(__file__).resolve().parents[2] / "data" / "few_shot.jsonl"
MAX_FEW_SHOT_BYTES = 1_000_000  # examples go into every prompt; a huge file is a mistake


class FewShotError(ValueError):
    """The few-shot file cannot be used; the message names the file, line and reason."""


def load_few_shot(path: str | Path) -> list[list[dict]]:
    """Read and check every example; raise `FewShotError` on the first problem."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise FewShotError(f"{file}: cannot read few-shot file ({exc.strerror or exc})") from exc
    if size > MAX_FEW_SHOT_BYTES:
        raise FewShotError(f"{file}: few-shot file is {size} bytes, over {MAX_FEW_SHOT_BYTES}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FewShotError(f"{file}: cannot read few-shot file as UTF-8 ({exc})") from exc
    examples: list[list[dict]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        examples.append(_parse_line(line, f"{file}: line {number}"))
    if not examples:
        raise FewShotError(f"{file}: no examples in few-shot file")
    return examples


def _parse_line(line: str, where: str) -> list[dict]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FewShotError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
        raise FewShotError(f'{where}: expected an object with a "messages" list')
    messages = obj["messages"]
    if not messages:
        raise FewShotError(f"{where}: empty messages list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise FewShotError(f"{where}: message {index} is not an object")
        role = message.get("role")
        content = message.get("content")
        if role not in ("system", "user", "assistant"):
            raise FewShotError(f"{where}: message {index} has role {role!r}; "
                               "expected system, user or assistant")
        if not isinstance(content, str) or not content.strip():
            raise FewShotError(f"{where}: message {index} ({role}) has empty content")
    roles = [m["role"] for m in messages]
    if roles[0] != "system":
        raise FewShotError(f"{where}: the first message must be the system line")
    rest = roles[1:]
    if not rest or "assistant" not in rest:
        raise FewShotError(f"{where}: no assistant message")
    expected = ["user", "assistant"] * (len(rest) // 2)
    if rest != expected:
        raise FewShotError(f"{where}: roles after system must alternate user, assistant "
                           f"(got {', '.join(rest)})")
    if "\n" in messages[0]["content"].strip():
        raise FewShotError(f"{where}: the system line must be a single line")
    return [{"role": m["role"], "content": m["content"]} for m in messages]
