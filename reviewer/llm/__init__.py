"""The one place that talks to language models.

- `providers` / `endpoint` / `client`: which endpoints exist, which key each one gets, and an
  SDK client that sends exactly that.
- `base`: the `ChatModel` protocol, `Completion`, `LLMError`, `CallTags`.
- `openai_compat`: the implementation for any OpenAI-compatible endpoint; `fake`: an
  in-process model with canned replies for tests.
- `calls`: the thread-safe record of every call (`llm_calls`); `usage`: what they cost.
"""

from .base import CallTags, ChatModel, Completion, LLMError
from .calls import CallLog, CallRecord, MemoryCallLog, recording_calls
from .endpoint import (
    ALLOW_CUSTOM_ENV_VAR,
    CUSTOM,
    Endpoint,
    EndpointError,
    custom_endpoint_allowed,
    resolve_endpoint,
    without_credentials,
)
from .providers import (
    BUILTIN_PROVIDERS,
    Provider,
    ProvidersError,
    ProviderStatus,
    load_providers,
    provider_status,
    providers_path,
)

__all__ = [
    "ALLOW_CUSTOM_ENV_VAR", "BUILTIN_PROVIDERS", "CUSTOM", "CallLog", "CallRecord", "CallTags",
    "ChatModel", "Completion", "Endpoint", "EndpointError", "LLMError", "MemoryCallLog",
    "Provider", "ProviderStatus", "ProvidersError", "custom_endpoint_allowed", "load_providers",
    "provider_status", "providers_path", "recording_calls", "resolve_endpoint",
    "without_credentials",
]
