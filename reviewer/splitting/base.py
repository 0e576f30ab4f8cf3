"""The splitter interface and the factory the CLI and the UI use to build one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..models import Conversation, SplitResult


@runtime_checkable
class Splitter(Protocol):
    """Turns one conversation into pairs, or says why it could not.

    `name` is stored as `pairs.origin` and `conversations.splitter` ("rules", "llm:<model>").
    `split` must not raise for bad input or API trouble: it returns a failed `SplitResult`.
    It is called from several threads at once.
    """

    name: str

    def split(self, conversation: Conversation) -> SplitResult: ...


class SplitterConfigError(ValueError):
    """The splitter cannot be built (unknown kind, no API key, bad few-shot file...)."""


@dataclass(slots=True)
class NotedResult(SplitResult):
    """A successful result that also reports pairs dropped by the local checks."""

    notes: list[str] = field(default_factory=list)


def make_splitter(
    kind: str = "rules",
    *,
    model: str | None = None,
    few_shot: Path | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
) -> Splitter:
    """Build a splitter. For "llm", unset values fall back to the environment.

    Raises `SplitterConfigError` (with `FewShotError` for a bad few-shot file).
    """
    if kind == "rules":
        from .rules import RulesSplitter

        return RulesSplitter()
    if kind == "llm":
        from .llm import LLMSplitter
        from .settings import DEFAULT_TIMEOUT, llm_settings_from_env

        env = llm_settings_from_env()
        return LLMSplitter(
            model=model or env["model"],
            base_url=base_url or env["base_url"],
            api_key=api_key or env["api_key"],
            few_shot=few_shot,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        )
    raise SplitterConfigError(f"unknown splitter {kind!r}: choose 'rules' or 'llm'")
