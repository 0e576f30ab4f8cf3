"""`reviewer export` (being built)."""

import click


@click.command("export")
def command() -> None:
    raise click.ClickException("not built yet")
