"""`reviewer validate` (being built)."""

import click


@click.command("validate")
def command() -> None:
    raise click.ClickException("not built yet")
