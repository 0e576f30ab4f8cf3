"""An `openai.OpenAI` client that sends exactly the credentials its `Endpoint` carries.

Left to itself the SDK fills gaps from the environment: a missing key from
`OPENAI_API_KEY`, a missing base URL from `OPENAI_BASE_URL`, extra headers (an
`Authorization` among them) from `OPENAI_CUSTOM_HEADERS`, organisation and project ids.
Every one of those is meant for OpenAI, so for any other host they are switched off here.
"""

from __future__ import annotations

import os

import openai

from .endpoint import Endpoint

NO_KEY = "not-needed"  # what a keyless endpoint receives; local servers ignore it


def make_client(endpoint: Endpoint, *, timeout: float, max_retries: int) -> openai.OpenAI:
    bearer = endpoint.api_key or NO_KEY
    headers: dict = {"Authorization": f"Bearer {bearer}"}  # also overrides an env Authorization
    if not endpoint.is_openai:
        headers.update({name: openai.Omit() for name in _env_header_names()
                        if name.lower() != "authorization"})
    client = openai.OpenAI(api_key=bearer, base_url=endpoint.base_url, timeout=timeout,
                           max_retries=max_retries, default_headers=headers)
    client.admin_api_key = None  # read from OPENAI_ADMIN_KEY; never needed for chat calls
    if not endpoint.is_openai:
        client.organization = None
        client.project = None
    return client


def _env_header_names() -> list[str]:
    """Header names the SDK would take from ``$OPENAI_CUSTOM_HEADERS`` (``Name: value`` lines)."""
    raw = os.environ.get("OPENAI_CUSTOM_HEADERS") or ""
    return [line.split(":", 1)[0].strip() for line in raw.splitlines() if ":" in line]
