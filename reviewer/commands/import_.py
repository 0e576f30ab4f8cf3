"""`reviewer import` (being built)."""

import click


@click.command("import")
def command() -> None:
    raise click.ClickException("not built yet")
