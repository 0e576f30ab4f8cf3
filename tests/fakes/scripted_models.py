"""Models on the fake server that answer from a table: per model name, question → answer.

An evaluation asks each held-out question as the last user message; the table gives each
model's answer to it, so a test or demo can make a tuned model answer closer to the
references than its base. Questions a model's table lacks get ``fallback`` (None: the
server's next rule decides).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .openai_server import FakeOpenAIServer, Reply


def last_question(body: dict) -> str:
    return next((str(m.get("content") or "") for m in reversed(body.get("messages", []))
                 if m.get("role") == "user"), "")


@dataclass
class ScriptedModels:
    table: dict[str, dict[str, str]] = field(default_factory=dict)
    fallback: str | None = None

    def answer(self, model: str, answers: Mapping[str, str]) -> ScriptedModels:
        """Set ``model``'s answers (question → answer); returns self for chaining."""
        self.table.setdefault(model, {}).update(answers)
        return self

    def __call__(self, body: dict) -> Reply | None:
        found = self.table.get(str(body.get("model", "")), {}).get(last_question(body))
        if found is None:
            found = self.fallback
        return Reply.content_of(found) if found is not None else None

    def install(self, server: FakeOpenAIServer) -> ScriptedModels:
        server.chooser = self
        return self
