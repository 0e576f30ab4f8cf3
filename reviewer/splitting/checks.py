"""Local checks on an LLM splitter answer: shape, then content.

Servers differ in how well they enforce a JSON schema (some ignore it), and small models
write schema-valid nonsense, so every answer is checked here before it becomes pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..importing.speakers import has_marker
from ..models import Conversation, QAPair
from .prompt import MAX_ANSWER_CHARS, MAX_PAIRS, MAX_QUESTION_CHARS, MAX_SYSTEM_CHARS

# Share of an answer's words that must occur in the engineer's turns (question: customer's).
MIN_GROUNDING = 0.35
_TOKEN = re.compile(r"[^\W_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class AnswerError(ValueError):
    """The answer as a whole is unusable; the message is the failure reason."""


@dataclass
class Checked:
    pairs: list[QAPair] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "pair 2: answer is empty", ...


def _without_fence(text: str) -> str:
    """The JSON inside a Markdown code fence, which models asked in the prompt often add."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        body = stripped[3:-3]
        newline = body.find("\n")
        return body[newline + 1:] if newline >= 0 else body
    return text


PAIR_TEXTS = {"question", "answer"}
PAIR_TURNS = {"question_turns", "answer_turns"}


def _pair_shape(pair: dict) -> bool:
    """Texts as strings, and the turn lists (when given — older prompts and servers without
    schema enforcement may leave them out) as lists of integers."""
    keys = set(pair)
    if keys not in (PAIR_TEXTS, PAIR_TEXTS | PAIR_TURNS):
        return False
    if not all(isinstance(pair[k], str) for k in PAIR_TEXTS):
        return False
    return all(isinstance(pair[k], list) and all(isinstance(n, int) and not isinstance(n, bool)
                                                  for n in pair[k])
               for k in PAIR_TURNS & keys)


def parse_answer(content: str | None) -> dict:
    """JSON text → dict matching the response schema, or raise `AnswerError`."""
    if content is None or not content.strip():
        raise AnswerError("empty answer from the model")
    content = _without_fence(content)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"answer is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(data, dict):
        raise AnswerError("answer does not match the schema: expected a JSON object")
    if set(data) != {"system", "pairs"}:
        raise AnswerError(
            f"answer does not match the schema: keys {sorted(data)}, expected ['pairs', 'system']"
        )
    if not isinstance(data["system"], str):
        raise AnswerError("answer does not match the schema: system is not a string")
    if not isinstance(data["pairs"], list):
        raise AnswerError("answer does not match the schema: pairs is not a list")
    if len(data["pairs"]) > MAX_PAIRS:
        raise AnswerError(f"answer does not match the schema: more than {MAX_PAIRS} pairs")
    if len(data["system"]) > MAX_SYSTEM_CHARS:
        raise AnswerError(f"system line longer than {MAX_SYSTEM_CHARS} characters")
    for index, pair in enumerate(data["pairs"], start=1):
        if (not isinstance(pair, dict) or not _pair_shape(pair)):
            raise AnswerError(
                f"answer does not match the schema: pair {index} must have string question "
                "and answer only"
            )
    return data


def _tokens(text: str) -> set[str]:
    """Lower-case words; Hangul words become character pairs so particles don't matter."""
    out: set[str] = set()
    for word in _TOKEN.findall(text.lower()):
        if _HANGUL.search(word) and len(word) > 1:
            out.update(word[i:i + 2] for i in range(len(word) - 1))
        elif len(word) > 1 or _HANGUL.search(word):
            out.add(word)
    return out


def grounding(text: str, source: str) -> float:
    """Share of `text`'s tokens found in `source` (1.0 for text without tokens)."""
    words = _tokens(text)
    if not words:
        return 1.0
    return len(words & _tokens(source)) / len(words)


def check_answer(data: dict, conversation: Conversation) -> Checked:
    """Content checks; raise `AnswerError` if nothing usable is left."""
    system = data["system"].strip()
    if not system:
        raise AnswerError("system line is empty")
    if "\n" in system or "\r" in system:
        raise AnswerError("system line is not a single line")
    if not data["pairs"]:
        raise AnswerError("the model found no question/answer pair in the conversation")
    everything = "\n".join(t.text for t in conversation.turns)
    asked = "\n".join(t.text for t in conversation.turns if t.role == "customer") or everything
    replied = "\n".join(t.text for t in conversation.turns if t.role == "engineer") or everything
    checked = Checked()
    for index, pair in enumerate(data["pairs"], start=1):
        question = pair["question"].strip()
        answer = pair["answer"].strip()
        problem = None
        if not question:
            problem = "question is empty"
        elif not answer:
            problem = "answer is empty"
        elif has_marker(question) or has_marker(answer):
            problem = "leftover Q)/A) marker"
        elif len(question) > MAX_QUESTION_CHARS or len(answer) > MAX_ANSWER_CHARS:
            problem = "question or answer too long"
        elif grounding(answer, replied) < MIN_GROUNDING:
            problem = "answer not found in the engineer's turns (possibly invented)"
        elif grounding(question, asked) < MIN_GROUNDING:
            problem = "question not found in the customer's turns (possibly invented)"
        if problem:
            checked.dropped.append(f"pair {index}: {problem}")
        else:
            # The prompt numbers turns from 1; provenance counts from 0. Claimed turns are
            # verified against the text when the pair is stored (a wrong claim is flagged).
            checked.pairs.append(QAPair(
                system, question, answer,
                tuple(n - 1 for n in pair.get("question_turns", []) if n >= 1),
                tuple(n - 1 for n in pair.get("answer_turns", []) if n >= 1)))
    if not checked.pairs:
        raise AnswerError("no usable pair: " + "; ".join(checked.dropped))
    return checked
