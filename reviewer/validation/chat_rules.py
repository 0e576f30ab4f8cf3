"""Rules for one chat-format example (``{"messages": [...]}``) and what later stages need from it.

Rule names follow the OpenAI cookbook data-prep notebook where it has one (``data_type``,
``missing_messages_list``, ``message_missing_key``, ``message_unrecognized_key``,
``unrecognized_role``, ``missing_content``, ``example_missing_assistant_message``). Unlike the
notebook, tool-calling data is valid here: an assistant message may have ``tool_calls`` and a
null ``content``, ``tool`` messages carry ``tool_call_id``, and a line may have top-level
``tools``, ``parallel_tool_calls`` or ``functions``. Keys are checked per role (OpenAI's
fine-tuning input schema), ``weight`` is only allowed on assistant messages and only as 0 or 1,
and at least one assistant message must be trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..tokens import REPLY_PRIMING, TOKENS_PER_MESSAGE, TOKENS_PER_NAME
from .findings import Finding, error, warning

ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "tool_calls", "function_call",
                            "refusal", "audio", "weight"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
KNOWN_KEYS = frozenset().union(*ALLOWED_KEYS.values())
TOP_LEVEL_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})

_PLAIN = frozenset({"system", "user", "assistant"})
SPECIAL_TOKEN = re.compile(r"<\|[^<>|\s]{0,64}\|>")


@dataclass(slots=True)
class ExampleView:
    """What the token, duplicate, PII and statistics stages need from one valid-enough example.

    Counted text is split in two: ``assistant`` (assistant content, also counted on its own)
    and ``strings`` (every other counted string: other messages' content, names, tool-call
    names and arguments). Role names are not in either list: their token counts are
    constants per encoding, added from ``roles``.
    """

    line: int
    pair_id: int | None
    n_messages: int = 0
    strings: list[str] = field(default_factory=list)
    const_tokens: int = 0                                # per-message/name/priming constants
    assistant: list[str] = field(default_factory=list)  # assistant content strings
    system: str | None = None
    user: list[str] = field(default_factory=list)       # user content strings
    texts: list[str] = field(default_factory=list)       # free text for the PII scan
    roles: tuple[str, ...] = ()


def iter_strings(value: Any, limit: int = 100_000):
    """Every string (keys too) inside a JSON value, without recursion (any nesting depth)."""
    stack = [value]
    seen = 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for k, v in item.items():
                yield k
                stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)


def special_token_findings(line: int, obj: Any, pair_id: int | None) -> list[Finding]:
    try:  # fast pre-check: "<|" survives repr() unescaped, in keys and values alike
        if "<|" not in repr(obj):
            return []
    except RecursionError:
        pass
    for text in iter_strings(obj):
        if "<|" in text:
            match = SPECIAL_TOKEN.search(text)
            if match:
                return [error(line, "special_token",
                              f"text contains the reserved token string {match.group(0)!r}; "
                              "the trainer rejects it", pair_id)]
    return []


def _text_parts(content: Any) -> list[str] | None:
    """Strings of a content value, or None if the shape is not a valid content array."""
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return None
    out = []
    for part in content:
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            return None
        if part["type"] == "text":
            if not isinstance(part.get("text"), str):
                return None
            out.append(part["text"])
    return out


def _check_tool_calls(calls: Any) -> str | None:
    if not isinstance(calls, list) or not calls:
        return "tool_calls must be a non-empty list"
    for i, call in enumerate(calls):
        if not isinstance(call, dict):
            return f"tool_calls[{i}] is not an object"
        fn = call.get("function")
        if not isinstance(call.get("id"), str) or call.get("type", "function") != "function":
            return f"tool_calls[{i}] needs a string id and type 'function'"
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) \
                or not isinstance(fn.get("arguments"), str):
            return f"tool_calls[{i}].function needs string name and arguments"
    return None


def _check_top_level(line: int, obj: dict, pair_id: int | None, out: list[Finding]) -> None:
    tools = obj.get("tools")
    if "tools" in obj and (not isinstance(tools, list) or not all(
            isinstance(t, dict) and isinstance(t.get("function"), dict)
            and isinstance(t["function"].get("name"), str) for t in tools)):
        out.append(error(line, "invalid_tools",
                         "tools must be a list of {type: function, function: {name, ...}}",
                         pair_id))
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        out.append(error(line, "invalid_tools", "parallel_tool_calls must be true or false",
                         pair_id))
    functions = obj.get("functions")
    if "functions" in obj and (not isinstance(functions, list) or not 1 <= len(functions) <= 128
                               or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                                          for f in functions)):
        out.append(error(line, "invalid_tools",
                         "functions must be a list of 1-128 objects with a name", pair_id))
    extra = [k for k in obj if k not in TOP_LEVEL_KEYS]
    if extra:
        out.append(warning(line, "unrecognized_top_level_key",
                           f"unexpected top-level key(s) {', '.join(map(repr, extra[:5]))}",
                           pair_id))


def check_chat(line: int, obj: Any, pair_id: int | None = None, *,
               roles: frozenset[str] = frozenset(ALLOWED_KEYS),
               strict_keys: bool = True) -> tuple[list[Finding], ExampleView | None]:
    """Check one chat example. Returns findings and a view (None when the shape is unusable)."""
    out: list[Finding] = []
    if not isinstance(obj, dict):
        out.append(error(line, "data_type",
                         f"line is a JSON {type(obj).__name__}, not an object", pair_id))
        return out, None
    messages = obj.get("messages")
    if not messages or not isinstance(messages, list):
        what = "missing" if "messages" not in obj else "empty or not a list"
        out.append(error(line, "missing_messages_list", f"'messages' is {what}", pair_id))
        return out, None
    if len(obj) > 1:
        _check_top_level(line, obj, pair_id, out)

    view = ExampleView(line, pair_id, n_messages=len(messages))
    const = REPLY_PRIMING
    strings: list[str] = []
    texts: list[str] = []
    assistant: list[str] = []
    user_parts: list[str] = []
    role_seq: list[str] = []
    has_assistant = trainable = has_system = has_user = False
    for i, msg in enumerate(messages):
        # Fast path: {"role": <plain role>, "content": <non-empty string>} needs no other check.
        if type(msg) is dict and len(msg) == 2:
            role = msg.get("role")
            content = msg.get("content")
            if (type(content) is str and content and type(role) is str and role in _PLAIN
                    and role in roles):
                const += TOKENS_PER_MESSAGE
                role_seq.append(role)
                texts.append(content)
                if role == "assistant":
                    has_assistant = trainable = True
                    assistant.append(content)
                    continue
                strings.append(content)
                if role == "user":
                    has_user = True
                    user_parts.append(content)
                elif role == "system":
                    if not has_system:
                        view.system = content
                    has_system = True
                continue
        where = f"message {i + 1}"
        if not isinstance(msg, dict):
            out.append(error(line, "message_data_type", f"{where} is not an object", pair_id))
            continue
        role = msg.get("role")
        if "role" not in msg:
            out.append(error(line, "message_missing_key", f"{where} has no 'role'", pair_id))
            continue
        if not isinstance(role, str) or role not in roles:
            hint = " (use 'system' in training files)" if role == "developer" else ""
            out.append(error(line, "unrecognized_role",
                             f"{where} has role {str(role)[:40]!r}{hint}", pair_id))
            continue
        role_seq.append(role)
        allowed = ALLOWED_KEYS[role]
        unknown = [k for k in msg if k not in KNOWN_KEYS]
        if unknown and strict_keys:
            out.append(error(line, "message_unrecognized_key",
                             f"{where} ({role}) has unknown key(s) "
                             f"{', '.join(repr(k[:40]) for k in unknown[:5])}", pair_id))
        if "weight" in msg and role != "assistant":
            out.append(error(line, "invalid_weight",
                             f"{where}: 'weight' is only allowed on assistant messages", pair_id))
        misplaced = [k for k in msg if k in KNOWN_KEYS and k not in allowed and k != "weight"]
        if misplaced and strict_keys:
            out.append(error(line, "key_not_allowed_for_role",
                             f"{where}: key(s) {', '.join(map(repr, misplaced))} not allowed "
                             f"on a {role} message", pair_id))
        const += TOKENS_PER_MESSAGE
        name = msg.get("name")
        if isinstance(name, str):
            strings.append(name)
            const += TOKENS_PER_NAME
        elif "name" in msg:
            out.append(error(line, "invalid_name", f"{where}: 'name' must be a string", pair_id))
        elif role == "function":
            out.append(error(line, "message_missing_key", f"{where}: function message needs "
                             "'name'", pair_id))

        content = msg.get("content")
        calls = msg.get("tool_calls")
        fcall = msg.get("function_call")
        if role == "assistant":
            has_assistant = True
            weight = msg.get("weight", 1)
            if "weight" in msg and (type(weight) is not int or weight not in (0, 1)):
                out.append(error(line, "invalid_weight",
                                 f"{where}: weight must be 0 or 1, got {str(weight)[:20]}",
                                 pair_id))
            elif weight == 1:
                trainable = True
            if "tool_calls" in msg:
                problem = _check_tool_calls(calls)
                if problem:
                    out.append(error(line, "invalid_tool_calls", f"{where}: {problem}", pair_id))
                else:
                    for call in calls or ():
                        strings.append(call["function"]["name"])
                        strings.append(call["function"]["arguments"])
            if isinstance(fcall, dict):
                strings.extend(v for k in ("name", "arguments")
                               if isinstance(v := fcall.get(k), str))
            if "content" not in msg and not calls and not fcall:
                out.append(error(line, "message_missing_key",
                                 f"{where}: assistant message has no 'content' or 'tool_calls'",
                                 pair_id))
                continue
            parts = [] if content is None else _text_parts(content)
            if parts is None or (not "".join(parts) and not calls and not fcall):
                out.append(error(line, "missing_content",
                                 f"{where}: assistant content is empty or not text", pair_id))
                continue
        else:
            if "content" not in msg:
                out.append(error(line, "message_missing_key", f"{where} ({role}) has no "
                                 "'content'", pair_id))
                continue
            if role == "tool" and not isinstance(msg.get("tool_call_id"), str):
                out.append(error(line, "message_missing_key",
                                 f"{where}: tool message needs a string 'tool_call_id'", pair_id))
            parts = _text_parts(content)
            if role == "function" and content is None:
                parts = []
            elif parts is None or not "".join(parts):
                out.append(error(line, "missing_content",
                                 f"{where} ({role}): content is empty or not text", pair_id))
                continue
        texts.extend(parts)
        if role == "assistant":
            assistant.extend(parts)
            continue
        strings.extend(parts)
        if role == "user":
            has_user = True
            user_parts.extend(parts)
        elif role == "system":
            if not has_system:
                view.system = "".join(parts)
            has_system = True

    if not has_assistant:
        out.append(error(line, "example_missing_assistant_message",
                         "no assistant message", pair_id))
    elif not trainable and not any(f.rule == "invalid_weight" for f in out):
        out.append(error(line, "no_trainable_assistant",
                         "every assistant message has weight 0; nothing to train on", pair_id))
    if not has_system:
        out.append(warning(line, "missing_system", "no system message", pair_id))
    if not has_user:
        out.append(warning(line, "missing_user", "no user message", pair_id))

    view.strings, view.const_tokens, view.assistant, view.texts = strings, const, assistant, texts
    view.user = user_parts
    view.roles = tuple(role_seq)
    return out, view
