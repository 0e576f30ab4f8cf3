"""`reviewer serve` (being built)."""

import click


@click.command("serve")
def command() -> None:
    raise click.ClickException("not built yet")
