"""LLM connection settings read from the environment.

The key is read when a splitter is built and handed straight to the client; it is never
part of `settings()` dicts, run records, logs or exports.
"""

from __future__ import annotations

import os

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 120.0  # seconds per request; local CPU models need tens of seconds
DEFAULT_MAX_RETRIES = 2  # the SDK's own default: 3 attempts in total


def llm_settings_from_env() -> dict:
    """``{"api_key", "base_url", "model"}`` from OPENAI_API_KEY / OPENAI_BASE_URL / REVIEWER_MODEL.

    Empty variables count as unset. The returned dict holds the key: pass it on, never store it.
    """
    return {
        "api_key": os.environ.get("OPENAI_API_KEY") or None,
        "base_url": os.environ.get("OPENAI_BASE_URL") or None,
        "model": os.environ.get("REVIEWER_MODEL") or DEFAULT_MODEL,
    }
