"""An `openai.OpenAI` client that sends exactly the credentials its `Endpoint` carries.

Left to itself the SDK fills gaps from the environment: a missing key from
`OPENAI_API_KEY`, a missing base URL from `OPENAI_BASE_URL`, extra headers (an
`Authorization` among them) from `OPENAI_CUSTOM_HEADERS`, organisation and project ids.
Every one of those is meant for OpenAI, so for any other host they are switched off here.
"""

from __future__ import annotations

import os

import httpx2
import openai

from .endpoint import Endpoint

NO_KEY = "not-needed"  # what a keyless endpoint receives; local servers ignore it


class _FinalReadTimeout(httpx2.HTTPTransport):
    """A read timeout ends the call instead of being retried by the SDK.

    The server took the request and did not answer in time: it is still generating. Sent
    again with the same output limit it generates as long again, so a caller whose limit is
    already bounded asks for this (connect and pool timeouts are still retried).
    """

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return super().handle_request(request)
        except httpx2.ReadTimeout as exc:  # an OpenAIError: the SDK raises it as it is
            raise openai.APITimeoutError(request=request) from exc


def make_client(endpoint: Endpoint, *, timeout: float, max_retries: int,
                retry_read_timeouts: bool = True) -> openai.OpenAI:
    bearer = endpoint.api_key or NO_KEY
    headers: dict = {"Authorization": f"Bearer {bearer}"}  # also overrides an env Authorization
    if not endpoint.is_openai:
        headers.update({name: openai.Omit() for name in _env_header_names()
                        if name.lower() != "authorization"})
    http_client = None if retry_read_timeouts else openai.DefaultHttpxClient(
        timeout=timeout, transport=_FinalReadTimeout())
    client = openai.OpenAI(api_key=bearer, base_url=endpoint.base_url, timeout=timeout,
                           max_retries=max_retries, default_headers=headers,
                           http_client=http_client)
    client.admin_api_key = None  # read from OPENAI_ADMIN_KEY; never needed for chat calls
    if not endpoint.is_openai:
        client.organization = None
        client.project = None
    return client


def _env_header_names() -> list[str]:
    """Header names the SDK would take from ``$OPENAI_CUSTOM_HEADERS`` (``Name: value`` lines)."""
    raw = os.environ.get("OPENAI_CUSTOM_HEADERS") or ""
    return [line.split(":", 1)[0].strip() for line in raw.splitlines() if ":" in line]
