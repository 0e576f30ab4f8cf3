"""LLM splitter defaults and the settings read from the environment.

Keys are not read here: an endpoint's key is looked up by `reviewer.llm.resolve_endpoint`
from the variable its provider names, and handed straight to the client.
"""

from __future__ import annotations

import os

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 120.0  # seconds per request; local CPU models need tens of seconds
DEFAULT_MAX_RETRIES = 2  # the SDK's own default: 3 attempts in total


def llm_settings_from_env() -> dict:
    """``{"model", "base_url"}`` from REVIEWER_MODEL / OPENAI_BASE_URL (empty counts as unset).

    A base URL from the environment is a custom endpoint: it never gets a key by itself.
    """
    return {
        "model": os.environ.get("REVIEWER_MODEL") or DEFAULT_MODEL,
        "base_url": os.environ.get("OPENAI_BASE_URL") or None,
    }
