"""Structured output on any OpenAI-compatible server: a ladder of request forms.

Servers disagree on how to ask for JSON. OpenAI, vLLM, Ollama and llama.cpp's own
``llama-server`` accept ``response_format={"type": "json_schema", …}``; llama-cpp-python's
server answers that with HTTP 500 and wants ``{"type": "json_object", "schema": …}``; some
accept only plain ``json_object``; some accept no ``response_format`` at all. The ladder
tries the forms from the strictest down, once per provider and model, and remembers the
first one the server takes. Whatever the rung, the answer is parsed and checked locally, so
a weaker rung never lowers what is accepted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .base import ChatModel, LLMError

JSON_SCHEMA, JSON_OBJECT_SCHEMA, JSON_OBJECT, PROMPT_ONLY = (
    "json_schema", "json_object_schema", "json_object", "prompt")
RUNGS: tuple[str, ...] = (JSON_SCHEMA, JSON_OBJECT_SCHEMA, JSON_OBJECT, PROMPT_ONLY)

# Statuses a server gives for a request form it does not understand (400 Bad Request, 404
# for an unknown route option, 422 Unprocessable, 500 from a server that crashes on it,
# 501 Not Implemented), when its message is about the format. Authentication, quota, rate
# limits, an overloaded or broken server and a too-long prompt are never a format problem:
# stepping down for them would hide what really happened.
FORMAT_REFUSED = frozenset({400, 404, 422, 500, 501})
FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "grammar")


# Size bounds that a grammar-building server turns into one rule per allowed repetition.
# llama-cpp-python's server rejects the grammar of a long ``maxLength`` ("exceeds sane
# defaults") and then crashes on it, so the json_object rung sends the schema's shape only;
# the local checks on every answer enforce the bounds anyway.
SIZE_BOUNDS = frozenset({"maxLength", "minLength", "maxItems", "minItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


@dataclass(frozen=True)
class Schema:
    name: str
    schema: dict


def response_format(rung: str, schema: Schema) -> dict | None:
    """The ``response_format`` argument for one rung (None: ask in the prompt only)."""
    if rung == JSON_SCHEMA:
        return {"type": "json_schema",
                "json_schema": {"name": schema.name, "strict": True, "schema": schema.schema}}
    if rung == JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": without_size_bounds(schema.schema)}
    if rung == JSON_OBJECT:
        return {"type": "json_object"}
    if rung == PROMPT_ONLY:
        return None
    raise ValueError(f"unknown structured-output rung {rung!r}")


def without_size_bounds(node: Any) -> Any:
    """A copy of a JSON schema without length and item-count bounds (property names kept)."""
    if isinstance(node, list):
        return [without_size_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict = {}
    for key, value in node.items():
        if key in SIZE_BOUNDS:
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            kept[key] = {name: without_size_bounds(sub) for name, sub in value.items()}
        else:
            kept[key] = without_size_bounds(value)
    return kept


def schema_instruction(schema: Schema) -> str:
    """Text appended to the system prompt on the rungs without a schema in the request."""
    return ("Answer with one JSON object only, no prose and no code fence, matching this "
            f"JSON schema:\n{json.dumps(schema.schema, ensure_ascii=False)}")


def refused_format(error: LLMError) -> bool:
    """Whether an error means the server did not take the request form (try the next rung)."""
    if error.kind != "http_status" or error.status not in FORMAT_REFUSED:
        return False
    reason = error.reason.lower()
    return any(word in reason for word in FORMAT_WORDS)


class RungCache:
    """The rung each (provider, model) is known to accept; shared by every run in the
    process, so the ladder is climbed down once, not per conversation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], str] = {}

    def get(self, provider: str, model: str) -> str | None:
        with self._lock:
            return self._known.get((provider, model))

    def set(self, provider: str, model: str, rung: str) -> None:
        with self._lock:
            self._known[(provider, model)] = rung

    def forget(self, provider: str | None = None, model: str | None = None) -> None:
        with self._lock:
            for key in list(self._known):
                if (provider is None or key[0] == provider) and (model is None
                                                                  or key[1] == model):
                    del self._known[key]


RUNG_CACHE = RungCache()


def rungs_from(known: str | None, allowed: Sequence[str] = RUNGS) -> list[str]:
    """The rungs to try, in order: the known one alone, else the whole ladder."""
    if known is not None:
        return [known]
    return list(allowed)


PROBE_SCHEMA = Schema("probe", {"type": "object", "properties": {"ok": {"type": "boolean"}},
                                "required": ["ok"], "additionalProperties": False})


@dataclass
class ProbeResult:
    """Which request forms an endpoint took, tried from the strictest down."""

    rung: str | None
    refused: list[str]
    error: str | None = None


def probe(llm: ChatModel, *, max_tokens: int = 20) -> ProbeResult:
    """Ask a model a one-line question on each rung until one is taken; remembers it."""
    refused: list[str] = []
    for rung in RUNGS:
        system = "Reply with a JSON object."
        if response_format(rung, PROBE_SCHEMA) is None or rung == JSON_OBJECT:
            system += " " + schema_instruction(PROBE_SCHEMA)
        try:
            llm.complete([{"role": "system", "content": system},
                          {"role": "user", "content": 'Say {"ok": true}.'}],
                         response_format=response_format(rung, PROBE_SCHEMA),
                         max_tokens=max_tokens)
        except LLMError as exc:
            if refused_format(exc):
                refused.append(f"{rung}: {exc.reason}")
                continue
            return ProbeResult(None, refused, exc.reason)
        RUNG_CACHE.set(llm.provider, llm.model_id, rung)
        return ProbeResult(rung, refused)
    return ProbeResult(None, refused, "the server took none of the structured-output forms")
