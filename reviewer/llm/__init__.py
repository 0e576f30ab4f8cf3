"""The one place that talks to language models: endpoints and their keys, the providers file.
"""

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
    "ALLOW_CUSTOM_ENV_VAR", "BUILTIN_PROVIDERS", "CUSTOM", "Endpoint", "EndpointError",
    "Provider", "ProviderStatus", "ProvidersError", "custom_endpoint_allowed", "load_providers",
    "provider_status", "providers_path",
    "resolve_endpoint", "without_credentials",
]
