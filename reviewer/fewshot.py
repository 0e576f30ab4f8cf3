"""Few-shot examples, kept in the export format: the one loader for every reader.

One JSON object per line: ``{"messages": [system, user, assistant, (user, assistant)...]}``.
The LLM splitter puts them in its prompt; an export (and `reviewer validate`) checks that
every line follows their template.

Two modes, because the two readers need different things:

- ``strict=True`` (the splitter's prompt): roles are system/user/assistant only, the system
  line comes first and is one line, then user/assistant rounds, no empty text. Messages
  come back as ``{"role", "content"}`` only.
- ``strict=False`` (a template to check against): any role names and message shapes, so a
  template without a system line or with extra keys still defines its pattern; messages
  need a string role and string content and are returned as written.

Either mode raises `FewShotError` naming the file, the line and the reason.

A line may also carry the conversation the example came from, so the prompt can show the
model the raw input (greetings and all) instead of a transcript rebuilt from the pairs:
``"conversation": [{"role", "speaker", "text"}, ...]`` and ``"pair_turns": [{"question_turns",
"answer_turns"}, ...]`` (turn numbers from 1, one entry per user/assistant round). Readers
that only want the template ignore both keys; `load_few_shot_set` returns such lines as
`FewShotExample` and `few_shot_line` writes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the splitting package imports this module: no import cycle at runtime
    from .splitting.prompt import FewShotExample

DEFAULT_FEW_SHOT = Path(__file__).resolve().parents[1] / "data" / "few_shot.jsonl"
MAX_FEW_SHOT_BYTES = 1_000_000  # examples go into every prompt; a huge file is a mistake
CHAT_ROLES = ("system", "user", "assistant")


class FewShotError(ValueError):
    """The few-shot file cannot be used; the message names the file, line and reason."""


def load_few_shot(path: str | Path, strict: bool = True) -> list[list[dict]]:
    """Read and check every example; raise `FewShotError` on the first problem."""
    file = Path(path)
    where = f"few-shot file {file}"
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise FewShotError(f"{where}: cannot read ({exc.strerror or exc})") from exc
    if size > MAX_FEW_SHOT_BYTES:
        raise FewShotError(f"{where}: {size} bytes, over {MAX_FEW_SHOT_BYTES}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FewShotError(f"{where}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise FewShotError(f"{where}: cannot read as UTF-8 ({exc.reason})") from exc
    examples: list[list[dict]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        messages = _messages(line, f"{where}: line {number}")
        examples.append(_strict(messages, f"{where}: line {number}") if strict
                        else [dict(m) for m in messages])
    if not examples:
        raise FewShotError(f"{where}: no examples")
    return examples


def _messages(line: str, where: str) -> list[dict[str, Any]]:
    """The line's message list: objects with a string role and string content."""
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
        if not isinstance(message.get("role"), str):
            raise FewShotError(f"{where}: message {index} has no role")
        if not isinstance(message.get("content"), str):
            raise FewShotError(f"{where}: message {index} ({message['role']}) has no text")
    return messages


def _strict(messages: list[dict[str, Any]], where: str) -> list[dict]:
    """The prompt's shape: system line, then user/assistant rounds, all with text."""
    for index, message in enumerate(messages):
        role = message["role"]
        if role not in CHAT_ROLES:
            raise FewShotError(f"{where}: message {index} has role {role!r}; "
                               "expected system, user or assistant")
        if not message["content"].strip():
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


def load_few_shot_set(path: str | Path) -> list[FewShotExample | list[dict]]:
    """The examples for the prompt (strict): lines with a ``conversation`` become
    `FewShotExample` (raw input, pairs with source turns), the others message lists."""
    file = Path(path)
    examples: list[FewShotExample | list[dict]] = []
    messages_per_line = load_few_shot(file)
    lines = [line for line in file.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    for number, (line, messages) in enumerate(zip(lines, messages_per_line, strict=True), 1):
        obj = json.loads(line)
        if "conversation" in obj:
            examples.append(_with_conversation(obj, messages, f"few-shot file {file}: "
                                                              f"example {number}"))
        else:
            examples.append(messages)
    return examples


def _with_conversation(obj: dict, messages: list[dict], where: str) -> FewShotExample:
    from .models import Turn
    from .splitting.prompt import ExamplePair, FewShotExample

    raw = obj["conversation"]
    if not isinstance(raw, list) or not raw:
        raise FewShotError(f'{where}: "conversation" must be a non-empty list of turns')
    turns = []
    for index, turn in enumerate(raw):
        if not isinstance(turn, dict) or not isinstance(turn.get("text"), str):
            raise FewShotError(f"{where}: conversation turn {index + 1} has no text")
        turns.append(Turn(str(turn.get("role") or "unknown"), turn["text"],
                          str(turn.get("speaker") or "")))
    rounds = [(messages[i]["content"], messages[i + 1]["content"])
              for i in range(1, len(messages) - 1, 2)]
    provenance = obj.get("pair_turns") or [{} for _ in rounds]
    if not isinstance(provenance, list) or len(provenance) != len(rounds):
        raise FewShotError(f'{where}: "pair_turns" needs one entry per question and answer')
    pairs = []
    for (question, answer), claimed in zip(rounds, provenance, strict=True):
        claimed = claimed if isinstance(claimed, dict) else {}
        pairs.append(ExamplePair(question, answer,
                                 _turn_numbers(claimed.get("question_turns"), len(turns), where),
                                 _turn_numbers(claimed.get("answer_turns"), len(turns), where)))
    return FewShotExample(tuple(turns), messages[0]["content"], tuple(pairs))


def _turn_numbers(value: Any, count: int, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= count for n in value):
        raise FewShotError(f"{where}: turn numbers must be integers from 1 to {count}")
    return tuple(value)


def few_shot_line(example: FewShotExample | list[dict]) -> str:
    """One JSONL line for `example`: the export format, plus the conversation it came from
    when it has one."""
    from .splitting.prompt import FewShotExample

    if not isinstance(example, FewShotExample):
        return json.dumps({"messages": example}, ensure_ascii=False)
    return json.dumps({
        "messages": example.export_messages(),
        "conversation": [{"role": t.role, "speaker": t.speaker, "text": t.text}
                         for t in example.turns],
        "pair_turns": [{"question_turns": list(p.question_turns),
                        "answer_turns": list(p.answer_turns)} for p in example.pairs],
    }, ensure_ascii=False)
