"""LLM splitter defaults and the settings read from the environment.

Neither endpoints nor keys are read here: `reviewer.llm.resolve_endpoint` picks the endpoint
and looks the key up in the variable its provider names.
"""

from __future__ import annotations

import os

from ..llm.base import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

DEFAULT_MODEL = "gpt-4o-mini"

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_MODEL", "DEFAULT_TIMEOUT", "llm_settings_from_env"]


def llm_settings_from_env() -> dict:
    """``{"model"}`` from REVIEWER_MODEL (empty counts as unset)."""
    return {"model": os.environ.get("REVIEWER_MODEL") or DEFAULT_MODEL}
