"""Where a model call goes, and which key (if any) goes with it.

The rule: a key is sent only where it was named for. A configured provider names its key
variable; a base URL typed in the app, given with ``--base-url`` or found in
``$OPENAI_BASE_URL`` gets no key unless the command line names one (``--api-key-env``).
`OPENAI_API_KEY` only ever goes to OpenAI's own host, and no key travels over plain HTTP
except to this machine. So nobody who can open the app can point the server's key at a
URL of their choosing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .providers import OPENAI_KEY_ENV, RESERVED_NAME, Provider
from .urls import OPENAI_HOST, is_loopback_url, is_openai_url, without_credentials

CUSTOM = RESERVED_NAME  # the provider name of an endpoint given as a bare URL
ALLOW_CUSTOM_ENV_VAR = "REVIEWER_ALLOW_CUSTOM_ENDPOINT"  # set by `reviewer serve --allow-...`


class EndpointError(ValueError):
    """The endpoint cannot be used as asked (unknown provider, missing key, unsafe key use)."""


@dataclass(frozen=True)
class Endpoint:
    """A resolved endpoint. The key is kept out of repr, comparisons and `to_dict`."""

    provider: str
    base_url: str
    key_env: str | None = None
    _key: str | None = field(default=None, repr=False, compare=False)

    @property
    def api_key(self) -> str | None:
        """The key to send (pass straight to the client; never store or print it)."""
        return self._key

    @property
    def safe_url(self) -> str:
        return without_credentials(self.base_url) or ""

    @property
    def is_openai(self) -> bool:
        return is_openai_url(self.base_url)

    @property
    def is_local(self) -> bool:
        return is_loopback_url(self.base_url)

    @property
    def token_limit_param(self) -> str:
        """OpenAI and Azure OpenAI want max_completion_tokens; other servers know max_tokens."""
        host = urlsplit(self.base_url).hostname or ""
        openai_style = self.is_openai or host.endswith(".openai.azure.com")
        return "max_completion_tokens" if openai_style else "max_tokens"

    def to_dict(self) -> dict:
        return {"provider": self.provider, "base_url": self.safe_url, "key_env": self.key_env}


def custom_endpoint_allowed(environ: Mapping[str, str] | None = None) -> bool:
    """True when the app was started with ``--allow-custom-endpoint``."""
    env = os.environ if environ is None else environ
    return env.get(ALLOW_CUSTOM_ENV_VAR, "") == "1"


def resolve_endpoint(
    *,
    provider: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    providers: Mapping[str, Provider],
    environ: Mapping[str, str] | None = None,
) -> Endpoint:
    """Turn the user's choice into an `Endpoint`, or raise `EndpointError` saying why not.

    Give a configured `provider`, or a `base_url` (with `provider` unset or `CUSTOM`). With
    neither, ``$OPENAI_BASE_URL`` (no key) is used when set, else the ``openai`` provider.
    `api_key_env` goes with a base URL only: it is the caller's explicit choice of key.
    """
    env = os.environ if environ is None else environ
    if provider == CUSTOM:
        if not base_url:
            raise EndpointError("a custom endpoint needs its base URL")
        provider = None
    if provider and base_url:
        raise EndpointError("choose a provider or a base URL, not both")
    if api_key_env and not base_url:
        raise EndpointError("--api-key-env goes with --base-url; a provider names its own key")
    if base_url:
        return _endpoint(CUSTOM, base_url, api_key_env, env)
    if not provider:
        if env.get("OPENAI_BASE_URL"):
            return _endpoint(CUSTOM, env["OPENAI_BASE_URL"], None, env)
        provider = "openai"
    entry = providers.get(provider)
    if entry is None:
        known = ", ".join(sorted(providers)) or "none"
        raise EndpointError(f"unknown provider {provider!r} (configured: {known})")
    url = entry.url(env)
    if not url:
        raise EndpointError(f"provider {entry.name!r} has no base URL: set {entry.base_url_env}")
    return _endpoint(entry.name, url, entry.api_key_env, env)


def _endpoint(name: str, url: str, key_env: str | None, env: Mapping[str, str]) -> Endpoint:
    url = url.strip()
    check_url(url)
    if key_env is None:
        return Endpoint(name, url)
    check_key_destination(url, key_env)
    key = env.get(key_env) or None
    if key is None:
        raise EndpointError(f"{key_env} is not set in the environment (the key for {name})")
    return Endpoint(name, url, key_env, key)


def check_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise EndpointError(f"bad port in URL: {without_credentials(url)!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"not an http(s) URL: {without_credentials(url)!r}")


def check_key_destination(url: str, key_env: str) -> None:
    """Refuse to send a key where it does not belong."""
    host = urlsplit(url).hostname or ""
    if key_env == OPENAI_KEY_ENV and not is_openai_url(url):
        raise EndpointError(
            f"{OPENAI_KEY_ENV} is only sent to https://{OPENAI_HOST}; for {host} put its key in "
            "another variable and name that one")
    if urlsplit(url).scheme != "https" and not is_loopback_url(url):
        raise EndpointError(f"a key is never sent over plain http (to {host}); use https")
