"""The chat messages sent to the LLM splitter, and the JSON schema its answer must follow.

Layout: one system message (persona, instructions, role rules, output format), then each
few-shot example as a user turn (a transcript) and an assistant turn (the expected JSON),
then the conversation to split. Bump `PROMPT_VERSION` whenever the wording changes; it is
stored with every split run, and the full text with its examples is stored as a prompt
version (`reviewer.prompts.versions`) that every pair of an LLM split points to.

A few-shot example is either a `FewShotExample` (the raw conversation it came from and the
approved pairs with their source turns: it teaches the real task, greetings and all) or a
list of export-format messages (a file of finished pairs, from which a transcript is
rebuilt; kept for files that carry no conversation).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import Conversation, Turn

PROMPT_VERSION = "split-v2"  # v2: numbered turns, each pair names the turns it came from
SCHEMA_NAME = "qa_split"
MAX_SYSTEM_CHARS = 300
MAX_QUESTION_CHARS = 6000
MAX_ANSWER_CHARS = 12000
MAX_PAIRS = 30

_ROLE_LABELS = {"customer": "Customer", "engineer": "Engineer", "system": "System"}

PERSONA = (
    "You prepare fine-tuning data for a technical support assistant. You read one support "
    "conversation between a customer and an engineer and turn it into question/answer pairs."
)

INSTRUCTIONS = """\
Instructions:
- Read the whole conversation between <conversation> and </conversation> before writing.
- Follow the rules for each field below, and answer only in the output format.
- Learn from the examples: they show the expected style and level of detail.
- Keep the original language of the conversation (Korean stays Korean, English stays English)
  and keep product names, part numbers, code and error messages exactly as written, including
  their upper and lower case.
- Use only what the conversation says. Never add facts, steps or opinions that are not there.
  If the conversation has no question that the engineer answered, return an empty "pairs" list."""

ROLE_RULES = """\
Field rules:
1. "system": one line (no line breaks) that sums up what the whole conversation is about.
   Name every product, chip, module, board or model that is mentioned (for example W5500,
   ESP32-S3, gpt-4o). Write it in the conversation's language.
2. "question" (one per pair): what the customer asked, taken from the customer's turns.
   Join consecutive customer messages about the same thing into one question. Remove any
   "Q)" marker and drop greetings or sign-offs that carry no content.
3. "answer" (one per pair): the engineer's reply to that question, taken from the engineer's
   turns. Remove any "A)" marker. Keep the technical content complete; light clean-up of
   wording is fine, new content is not.
4. A conversation with several questions gives several pairs, in the order they were asked.
   Skip questions the engineer never answered.
5. "question_turns" and "answer_turns": the [numbers] of the turns the question and the
   answer were taken from (customer turns for the question, engineer turns for the answer)."""

OUTPUT_FORMAT = """\
Output format: a single JSON object and nothing else:
{"system": "<one-line summary>", "pairs": [{"question": "<question>", "answer": "<answer>",
 "question_turns": [<turn numbers>], "answer_turns": [<turn numbers>]}]}"""


def response_schema() -> dict:
    """Strict JSON schema: every property required, no extra properties, bounded sizes."""
    pair = {
        "type": "object",
        "properties": {
            "question": {"type": "string", "maxLength": MAX_QUESTION_CHARS},
            "answer": {"type": "string", "maxLength": MAX_ANSWER_CHARS},
            "question_turns": {"type": "array", "items": {"type": "integer"}},
            "answer_turns": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["question", "answer", "question_turns", "answer_turns"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "system": {"type": "string", "maxLength": MAX_SYSTEM_CHARS},
            "pairs": {"type": "array", "items": pair, "maxItems": MAX_PAIRS},
        },
        "required": ["system", "pairs"],
        "additionalProperties": False,
    }


def response_format() -> dict:
    """The ``response_format`` argument for chat completions (nested json_schema form)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": response_schema()},
    }


def system_prompt() -> str:
    return "\n\n".join([PERSONA, INSTRUCTIONS, ROLE_RULES, OUTPUT_FORMAT])


def render_transcript(turns: list[Turn]) -> str:
    """``[1] Customer: …`` / ``[2] Engineer: …`` lines, numbered so each pair can name the
    turns it came from; unknown speakers keep their own label."""
    lines = []
    for number, turn in enumerate(turns, 1):
        label = _ROLE_LABELS.get(turn.role) or turn.speaker.strip() or "Speaker"
        lines.append(f"[{number}] {label}: {turn.text.strip()}")
    return "\n".join(lines)


def wrap_conversation(transcript: str) -> str:
    return f"Split this conversation.\n<conversation>\n{transcript}\n</conversation>"


@dataclass(frozen=True)
class ExamplePair:
    """One expected pair of an example; turn numbers count from 1, as the prompt shows them."""

    question: str
    answer: str
    question_turns: tuple[int, ...] = ()
    answer_turns: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.answer,
                "question_turns": list(self.question_turns),
                "answer_turns": list(self.answer_turns)}


@dataclass(frozen=True)
class FewShotExample:
    """A raw conversation (the example's input) and the pairs it should give (its output)."""

    turns: tuple[Turn, ...]
    system: str
    pairs: tuple[ExamplePair, ...] = field(default_factory=tuple)

    def output(self) -> dict:
        """The answer the model should give, in the response schema's shape."""
        return {"system": self.system, "pairs": [p.to_dict() for p in self.pairs]}

    def export_messages(self) -> list[dict]:
        """The example's output as one export-format line (system, then user/assistant)."""
        messages = [{"role": "system", "content": self.system}]
        for pair in self.pairs:
            messages.append({"role": "user", "content": pair.question})
            messages.append({"role": "assistant", "content": pair.answer})
        return messages


def example_messages(example: FewShotExample | list[dict]) -> list[dict]:
    """One few-shot example as a user transcript + the assistant's JSON answer."""
    if isinstance(example, FewShotExample):
        return [
            {"role": "user", "content": wrap_conversation(render_transcript(list(example.turns)))},
            {"role": "assistant", "content": json.dumps(example.output(), ensure_ascii=False)},
        ]
    return _rebuilt_example_messages(example)


def _rebuilt_example_messages(example: list[dict]) -> list[dict]:
    """An export-format example (no conversation kept): a transcript rebuilt from its pairs."""
    return example_messages(rebuilt_example(example))


def rebuilt_example(example: list[dict]) -> FewShotExample:
    """Export-format messages as an example whose input is rebuilt from the pairs: each
    question a customer turn, each answer an engineer turn. Only for files that kept no
    conversation; such an input has none of a real conversation's noise."""
    system = next(m["content"] for m in example if m["role"] == "system")
    turns: list[Turn] = []
    pairs: list[ExamplePair] = []
    for message in example:
        if message["role"] == "user":
            turns.append(Turn("customer", message["content"]))
            pairs.append(ExamplePair(message["content"], "", (len(turns),), ()))
        elif message["role"] == "assistant":
            turns.append(Turn("engineer", message["content"]))
            if pairs:
                last = pairs[-1]
                pairs[-1] = ExamplePair(last.question, message["content"],
                                        last.question_turns, (*last.answer_turns, len(turns)))
    return FewShotExample(tuple(turns), system, tuple(pairs))


def prompt_prefix(few_shot: Sequence[FewShotExample | list[dict]] | None) -> list[dict]:
    """The part of every request that does not depend on the conversation."""
    messages = [{"role": "system", "content": system_prompt()}]
    for example in few_shot or []:
        messages.extend(example_messages(example))
    return messages


def build_messages(conversation: Conversation,
                   few_shot: Sequence[FewShotExample | list[dict]] | None = None, *,
                   prefix: list[dict] | None = None) -> list[dict]:
    """All messages for one request: instructions, examples, then the conversation.

    Pass a precomputed `prefix` (from `prompt_prefix`) to skip rebuilding the examples.
    """
    messages = list(prefix) if prefix is not None else prompt_prefix(few_shot)
    messages.append(
        {"role": "user", "content": wrap_conversation(render_transcript(conversation.turns))}
    )
    return messages
