"""Export targets (``--target``): each profile has its own rules and renders its own lines.

- ``openai``: OpenAI chat fine-tuning (the full rule set in ``chat_rules``).
- ``together``: Together AI conversational data; roles system/user/assistant(/tool); the
  conversation starts with system or user, then user and assistant alternate.
- ``fireworks``: Fireworks SFT (OpenAI-compatible messages); a system message, if any, must be
  the first message; at least 3 examples.
- ``mistral``: Mistral fine-tuning; first message system or user, user/assistant alternate,
  the last message is from the assistant.
- ``hf-messages``: ``{"messages": [{"role", "content"}]}`` that TRL's SFTTrainer and Axolotl's
  chat_template loader read as is. Content must be a plain string and every line must have
  the same message keys, because the datasets library infers one Arrow schema for the file.
- ``prompt-completion``: ``{"prompt", "completion"}`` strings: the legacy OpenAI format (seed
  004: prompt ends with the separator ``\\n\\n###\\n\\n``, completion starts with a space and ends
  with the stop sequence `` END``), which is also TRL's standard prompt-completion form. TRL's
  conversational form (prompt and completion as message lists) is accepted when validating.
"""

from __future__ import annotations

from typing import Any

from .chat_rules import ALLOWED_KEYS, ExampleView, check_chat
from .findings import Finding, error, warning
from .legacy import SEPARATOR, STOP


def _alternation(line: int, roles: tuple[str, ...], pair_id: int | None, prefix: str, *,
                 need_last_assistant: bool) -> list[Finding]:
    out: list[Finding] = []
    seq = [r for r in roles if r != "tool"]
    if not seq:
        return out
    if seq[0] not in ("system", "user"):
        out.append(error(line, f"{prefix}_first_role",
                         f"the first message must be system or user, not {seq[0]}", pair_id))
    body = seq[1:] if seq[0] == "system" else seq
    expected = "user"
    for i, role in enumerate(body):
        if role != expected:
            out.append(error(line, f"{prefix}_alternation",
                             f"roles must alternate user/assistant after the system message "
                             f"(turn {i + 1} is {role}, expected {expected})", pair_id))
            break
        expected = "assistant" if role == "user" else "user"
    if need_last_assistant and seq[-1] != "assistant":
        out.append(error(line, f"{prefix}_last_role",
                         f"the last message must be from the assistant, not {seq[-1]}", pair_id))
    return out


class Profile:
    name = "openai"
    description = "OpenAI chat fine-tuning JSONL"
    min_examples = 10
    chat = True
    roles = frozenset(ALLOWED_KEYS)
    token_limit_is_error = True

    def check(self, line: int, obj: Any, pair_id: int | None
              ) -> tuple[list[Finding], ExampleView | None]:
        findings, view = check_chat(line, obj, pair_id, roles=self.roles)
        if view is not None:
            findings.extend(self.extra(line, obj, view, pair_id))
        return findings, view

    def extra(self, line: int, obj: dict, view: ExampleView, pair_id: int | None
              ) -> list[Finding]:
        return []

    def render(self, messages: list[dict]) -> dict:
        return {"messages": [dict(m) for m in messages]}


class TogetherProfile(Profile):
    name = "together"
    description = "Together AI conversational JSONL"
    min_examples = 1
    roles = frozenset({"system", "user", "assistant", "tool"})
    token_limit_is_error = False

    def extra(self, line, obj, view, pair_id):
        return _alternation(line, view.roles, pair_id, "together", need_last_assistant=False)


class FireworksProfile(Profile):
    name = "fireworks"
    description = "Fireworks supervised fine-tuning JSONL"
    min_examples = 3
    roles = frozenset({"system", "user", "assistant", "tool"})
    token_limit_is_error = False

    def extra(self, line, obj, view, pair_id):
        if "system" in view.roles[1:]:
            return [error(line, "fireworks_system_position",
                          "a system message is only allowed as the first message", pair_id)]
        return []


class MistralProfile(Profile):
    name = "mistral"
    description = "Mistral fine-tuning JSONL"
    min_examples = 1
    roles = frozenset({"system", "user", "assistant", "tool"})
    token_limit_is_error = False

    def extra(self, line, obj, view, pair_id):
        return _alternation(line, view.roles, pair_id, "mistral", need_last_assistant=True)


class HFMessagesProfile(Profile):
    name = "hf-messages"
    description = "messages JSONL for TRL / Axolotl"
    min_examples = 1
    roles = frozenset({"system", "user", "assistant", "tool"})
    token_limit_is_error = False

    def __init__(self) -> None:
        self._schema: tuple | None = None

    def extra(self, line, obj, view, pair_id):
        out: list[Finding] = []
        msgs = obj["messages"]
        for i, m in enumerate(msgs, 1):
            if isinstance(m, dict) and not isinstance(m.get("content"), str):
                out.append(error(line, "hf_content_type",
                                 f"message {i}: content must be a plain string for TRL/Axolotl",
                                 pair_id))
                break
        schema = (tuple(sorted(obj)), tuple(sorted({k for m in msgs if isinstance(m, dict)
                                                    for k in m})))
        if self._schema is None:
            self._schema = schema
        elif schema != self._schema:
            out.append(error(line, "hf_schema_mismatch",
                             "keys differ from the first line; the datasets library needs one "
                             f"schema per file (first: {self._schema}, here: {schema})", pair_id))
        if view.roles and view.roles[-1] != "assistant":
            out.append(warning(line, "hf_last_not_assistant",
                               "the last message is not from the assistant", pair_id))
        return out

    def render(self, messages: list[dict]) -> dict:
        return {"messages": [{"role": m["role"], "content": m.get("content") or ""}
                             for m in messages]}


class PromptCompletionProfile(Profile):
    name = "prompt-completion"
    description = "prompt/completion JSONL (legacy OpenAI, TRL prompt-completion)"
    min_examples = 10
    chat = False
    token_limit_is_error = True

    def check(self, line, obj, pair_id):
        out: list[Finding] = []
        if not isinstance(obj, dict):
            out.append(error(line, "data_type",
                             f"line is a JSON {type(obj).__name__}, not an object", pair_id))
            return out, None
        prompt, completion = obj.get("prompt"), obj.get("completion")
        view = ExampleView(line, pair_id)
        if isinstance(prompt, list) and isinstance(completion, list):  # TRL conversational
            p_find, p_view = check_chat(line, {"messages": prompt + completion}, pair_id)
            return p_find, p_view
        if "prompt" not in obj or not isinstance(prompt, str):
            out.append(error(line, "missing_prompt", "'prompt' is missing or not a string",
                             pair_id))
        if "completion" not in obj or not isinstance(completion, str):
            out.append(error(line, "missing_completion",
                             "'completion' is missing or not a string", pair_id))
        elif not completion.strip():
            out.append(error(line, "empty_completion", "'completion' is empty", pair_id))
        extra = [k for k in obj if k not in ("prompt", "completion")]
        if extra:
            out.append(warning(line, "unrecognized_top_level_key",
                               f"unexpected key(s) {', '.join(map(repr, extra[:5]))}", pair_id))
        if out and any(f.severity == "error" for f in out):
            return out, None
        view.n_messages = 2
        view.strings = [prompt]
        view.assistant = [completion]
        view.texts = [prompt, completion]
        view.user = [prompt]
        view.roles = ("user", "assistant")
        return out, view

    def render(self, messages: list[dict]) -> dict:
        system = [m.get("content") or "" for m in messages if m.get("role") == "system"]
        turns = [m for m in messages if m.get("role") in ("user", "assistant")]
        last = max((i for i, m in enumerate(turns) if m["role"] == "assistant"), default=None)
        answer = turns[last].get("content") or "" if last is not None else ""
        context = turns[:last] if last is not None else turns
        if len(context) == 1:
            body = context[0].get("content") or ""
        else:
            label = {"user": "Customer", "assistant": "Agent"}
            body = "\n".join(f"{label[m['role']]}: {m.get('content') or ''}" for m in context)
        prompt = "\n\n".join([*(s for s in system if s), body]) + SEPARATOR
        return {"prompt": prompt, "completion": " " + answer.strip() + STOP}


def _build() -> dict[str, type[Profile]]:
    return {cls.name: cls for cls in (Profile, TogetherProfile, FireworksProfile, MistralProfile,
                                      HFMessagesProfile, PromptCompletionProfile)}


PROFILE_CLASSES = _build()
PROFILES: dict[str, Profile] = {name: cls() for name, cls in PROFILE_CLASSES.items()}


def get_profile(name: str) -> Profile:
    """A fresh profile instance (profiles that remember file-wide state need a new one per run)."""
    try:
        return PROFILE_CLASSES[name]()
    except KeyError:
        raise ValueError(f"unknown target {name!r}; choose from {', '.join(PROFILES)}") from None
