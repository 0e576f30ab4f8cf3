"""`reviewer split` (being built)."""

import click


@click.command("split")
def command() -> None:
    raise click.ClickException("not built yet")
