"""The providers file: which model endpoints exist and which environment variable holds each
one's key.

A provider is a name, a base URL (written in the file, or read from a named environment
variable) and optionally the name of the variable that holds its key. The file only ever
holds variable *names*, never key values. Format, TOML or JSON by extension::

    [providers.local]
    base_url = "http://127.0.0.1:8000/v1"

    [providers.azure]
    base_url_env = "AZURE_OPENAI_BASE_URL"
    api_key_env = "AZURE_OPENAI_API_KEY"

When the file is absent the built-in `openai`, `azure` and `local` entries apply; when it
exists it is the whole list.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .urls import without_credentials

PROVIDERS_ENV_VAR = "REVIEWER_PROVIDERS"
DEFAULT_PROVIDERS_PATH = Path("data") / "providers.toml"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
OPENAI_BASE_URL = "https://api.openai.com/v1"
RESERVED_NAME = "custom"  # what an endpoint given as a bare URL is called

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_FIELDS = {"base_url", "base_url_env", "api_key_env", "description", "training_api"}
TRAINING_APIS = ("openai", "together", "fireworks")


class ProvidersError(ValueError):
    """The providers file cannot be read or has an invalid entry."""


@dataclass(frozen=True)
class Provider:
    """One configured endpoint. Holds variable names only, never a key."""

    name: str
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str | None = None
    description: str = ""
    training_api: str = "openai"  # how it takes fine-tuning jobs: one of TRAINING_APIS

    def url(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The base URL: written in the file, else the value of `base_url_env` (or None)."""
        if self.base_url:
            return self.base_url
        env = os.environ if environ is None else environ
        return (env.get(self.base_url_env) or None) if self.base_url_env else None

    def to_dict(self) -> dict:
        return {"name": self.name, "base_url": self.base_url, "base_url_env": self.base_url_env,
                "api_key_env": self.api_key_env, "description": self.description,
                "training_api": self.training_api}


BUILTIN_PROVIDERS: dict[str, Provider] = {
    p.name: p for p in (
        Provider("openai", base_url=OPENAI_BASE_URL, api_key_env=OPENAI_KEY_ENV,
                 description="OpenAI's API"),
        Provider("azure", base_url_env="AZURE_OPENAI_BASE_URL",
                 api_key_env="AZURE_OPENAI_API_KEY",
                 description="Azure OpenAI v1 endpoint, "
                             "e.g. https://RESOURCE.openai.azure.com/openai/v1/"),
        Provider("together", base_url="https://api.together.xyz/v1",
                 api_key_env="TOGETHER_API_KEY", training_api="together",
                 description="Together AI (chat is OpenAI-shaped; fine-tunes use its own API)"),
        Provider("fireworks", base_url="https://api.fireworks.ai/inference/v1",
                 api_key_env="FIREWORKS_API_KEY", training_api="fireworks",
                 description="Fireworks AI (chat is OpenAI-shaped; fine-tunes use its own "
                             "REST API and $FIREWORKS_ACCOUNT_ID; a tuned model needs a "
                             "deployment)"),
        Provider("local", base_url="http://127.0.0.1:11434/v1",
                 description="A server on this machine (Ollama's default port); no key"),
    )
}


@dataclass(frozen=True)
class ProviderStatus:
    """What can be shown about a provider: its URL and whether its key variable is set."""

    name: str
    base_url: str | None  # without credentials; None when its variable is unset
    base_url_env: str | None
    api_key_env: str | None
    key_set: bool
    description: str

    @property
    def where(self) -> str:
        if self.base_url:
            return self.base_url
        return f"${self.base_url_env} (not set)"

    @property
    def key_line(self) -> str:
        if not self.api_key_env:
            return "API key: none (this endpoint gets no key)."
        if self.key_set:
            return f"API key: taken from {self.api_key_env} in the environment."
        return f"API key: {self.api_key_env} is not set in the environment."

    def to_dict(self) -> dict:
        return {"name": self.name, "base_url": self.base_url, "base_url_env": self.base_url_env,
                "api_key_env": self.api_key_env, "key_set": self.key_set,
                "description": self.description}


def provider_status(provider: Provider,
                    environ: Mapping[str, str] | None = None) -> ProviderStatus:
    """The provider as it stands in this environment. Says whether the key is set, never what
    it is."""
    env = os.environ if environ is None else environ
    return ProviderStatus(
        name=provider.name, base_url=without_credentials(provider.url(env)),
        base_url_env=provider.base_url_env, api_key_env=provider.api_key_env,
        key_set=bool(provider.api_key_env and env.get(provider.api_key_env)),
        description=provider.description)


def providers_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--providers`` wins, then ``$REVIEWER_PROVIDERS``, then ``data/providers.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(PROVIDERS_ENV_VAR)
    return Path(env) if env else DEFAULT_PROVIDERS_PATH


def load_providers(path: str | os.PathLike[str] | None = None) -> dict[str, Provider]:
    """The configured providers by name; the built-ins when the file does not exist."""
    file = providers_path(path)
    if not file.exists():
        return dict(BUILTIN_PROVIDERS)
    try:
        raw = file.read_bytes()
        data = json.loads(raw) if file.suffix.lower() == ".json" else tomllib.loads(
            raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProvidersError(f"{file}: cannot read the providers file: {exc}") from exc
    return parse_providers(data, source=str(file))


def parse_providers(data: object, *, source: str = "providers") -> dict[str, Provider]:
    """Check a decoded providers document (``{"providers": {name: {...}}}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("providers"), dict):
        raise ProvidersError(f"{source}: expected a 'providers' table of named entries")
    table: dict[str, Provider] = {}
    for name, spec in data["providers"].items():
        table[name] = _provider(name, spec, f"{source}: provider {name!r}")
    if not table:
        raise ProvidersError(f"{source}: no providers defined")
    return table


def _provider(name: object, spec: object, where: str) -> Provider:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ProvidersError(f"{where}: names use a-z, 0-9, '-' and '_' (at most 40)")
    if name == RESERVED_NAME:
        raise ProvidersError(f"{where}: {RESERVED_NAME!r} is reserved for a URL given directly")
    if not isinstance(spec, dict):
        raise ProvidersError(f"{where}: expected a table of settings")
    if "api_key" in spec:
        raise ProvidersError(f"{where}: a key is never written in this file; name the "
                             "environment variable that holds it with api_key_env")
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise ProvidersError(f"{where}: unknown setting(s) {unknown}; allowed: {sorted(_FIELDS)}")
    for key, value in spec.items():
        if not isinstance(value, str):
            raise ProvidersError(f"{where}: {key} must be a string")
    base_url, base_url_env = spec.get("base_url") or None, spec.get("base_url_env") or None
    if bool(base_url) == bool(base_url_env):
        raise ProvidersError(f"{where}: give exactly one of base_url and base_url_env")
    for key in ("base_url_env", "api_key_env"):
        value = spec.get(key)
        if value and not _ENV_NAME.match(value):
            raise ProvidersError(f"{where}: {key} must be an environment variable name")
    training_api = spec.get("training_api") or "openai"
    if training_api not in TRAINING_APIS:
        raise ProvidersError(f"{where}: training_api must be one of {list(TRAINING_APIS)}")
    return Provider(name=name, base_url=base_url, base_url_env=base_url_env,
                    api_key_env=spec.get("api_key_env") or None,
                    description=spec.get("description", ""), training_api=training_api)
