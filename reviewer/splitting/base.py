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
    """A successful result that also reports pairs dropped by the local checks.

    `codes`: the reason code of each dropped pair (same order as `notes`); `remarks`: what the
    checks repaired (a copied speaker label removed, a system line replaced); `merged`:
    duplicate pairs merged into one; `chunks`: requests a long conversation was cut into.
    """

    notes: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    merged: int = 0
    chunks: int = 1


def make_splitter(
    kind: str = "rules",
    *,
    model: str | None = None,
    few_shot: Path | None = None,
    provider: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    providers_file: Path | None = None,
    timeout: float | None = None,
    context_window: int | None = None,
    chunking: bool = True,
) -> Splitter:
    """Build a splitter. For "llm", the endpoint is a configured `provider` or a `base_url`
    (which gets no key unless `api_key_env` names one); the model falls back to
    ``$REVIEWER_MODEL``. See `reviewer.llm.resolve_endpoint` for the key rules.

    Raises `SplitterConfigError` (with `FewShotError` for a bad few-shot file).
    """
    if kind == "rules":
        from .rules import RulesSplitter

        return RulesSplitter()
    if kind == "llm":
        from ..llm import EndpointError, ProvidersError, load_providers, resolve_endpoint
        from .llm import LLMSplitter
        from .settings import DEFAULT_TIMEOUT, llm_settings_from_env

        try:
            endpoint = resolve_endpoint(provider=provider, base_url=base_url,
                                        api_key_env=api_key_env,
                                        providers=load_providers(providers_file))
        except (EndpointError, ProvidersError) as exc:
            raise SplitterConfigError(str(exc)) from None
        return LLMSplitter(
            model=model or llm_settings_from_env()["model"],
            endpoint=endpoint,
            few_shot=few_shot,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            context_window=context_window,
            chunking=chunking,
        )
    raise SplitterConfigError(f"unknown splitter {kind!r}: choose 'rules' or 'llm'")
