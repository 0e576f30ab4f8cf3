"""Splitting conversations into question/answer pairs: offline rules or an LLM."""

from ..fewshot import DEFAULT_FEW_SHOT, FewShotError, load_few_shot
from .base import NotedResult, Splitter, SplitterConfigError, make_splitter
from .lease import SplitBusy
from .runner import SplitReport, split_pending
from .settings import DEFAULT_MODEL, llm_settings_from_env
from .summary import summarise

__all__ = [
    "DEFAULT_FEW_SHOT",
    "DEFAULT_MODEL",
    "FewShotError",
    "NotedResult",
    "SplitBusy",
    "SplitReport",
    "Splitter",
    "SplitterConfigError",
    "llm_settings_from_env",
    "load_few_shot",
    "make_splitter",
    "split_pending",
    "summarise",
]
