"""`reviewer providers list`: the configured model endpoints and whether their keys are set."""

from __future__ import annotations

from pathlib import Path

import click

from ..llm import ProvidersError, load_providers, provider_status, providers_path
from .common import EXIT_FINDINGS, EXIT_USAGE, Output, output_options


@click.group("providers")
def command() -> None:
    """Model endpoints (providers file, else the built-ins) and which key each one gets."""


@command.command("list")
@click.option("--providers", "providers_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Providers file (default: $REVIEWER_PROVIDERS, else data/providers.toml).")
@output_options
def list_providers(providers_file: Path | None, out: Output) -> None:
    """List names, base URLs, the variable holding each key and whether it is set.

    Key values are never shown.
    """
    path = providers_path(providers_file)
    try:
        table = load_providers(path)
    except ProvidersError as exc:
        out.fail(str(exc), EXIT_USAGE)
    statuses = [provider_status(p) for p in table.values()]
    source = str(path) if path.exists() else "built-in (no providers file)"

    def lines() -> list[str]:
        text = [f"providers: {source}"]
        for status in statuses:
            if status.api_key_env:
                key = f"{status.api_key_env} ({'set' if status.key_set else 'not set'})"
            else:
                key = "no key"
            text.append(f"  {status.name:<12} {status.where:<45} key: {key}")
        return text

    out.emit({"source": source, "providers": [s.to_dict() for s in statuses]}, lines)


@command.command("check")
@click.argument("name")
@click.option("--model", required=True, help="The model to ask (as the endpoint names it).")
@click.option("--providers", "providers_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Providers file (default: $REVIEWER_PROVIDERS, else data/providers.toml).")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True)
@output_options
def check_provider(name: str, model: str, providers_file: Path | None, timeout: float,
                   out: Output) -> None:
    """Which structured-output form the endpoint takes (json_schema, json_object with a
    schema, json_object, or the schema in the prompt only), by asking MODEL a one-line
    question on each form from the strictest down."""
    from ..llm import EndpointError, resolve_endpoint
    from ..llm.openai_compat import OpenAICompatibleModel
    from ..llm.structured import probe

    try:
        endpoint = resolve_endpoint(provider=name, providers=load_providers(
            providers_path(providers_file)))
    except (EndpointError, ProvidersError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    result = probe(OpenAICompatibleModel(model, endpoint, timeout=timeout, max_retries=0))
    data = {"provider": name, "model": model, "structured_output": result.rung,
            "refused": result.refused, "error": result.error}

    def lines() -> list[str]:
        text = [f"{name} / {model}: " + (f"takes {result.rung}" if result.rung
                                           else "no structured-output form works")]
        text += [f"  refused {reason}" for reason in result.refused]
        if result.error:
            text.append(f"  error: {result.error}")
        return text

    out.emit(data, lines)
    if result.rung is None:
        raise SystemExit(EXIT_FINDINGS)
