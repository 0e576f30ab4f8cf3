"""`reviewer status` (being built)."""

import click


@click.command("status")
def command() -> None:
    raise click.ClickException("not built yet")
