"""`reviewer import PATH...`: import conversation dumps (files or directories)."""

from __future__ import annotations

import json

import click

from ..importing import import_paths
from .common import CliContext, pass_cli


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def command(ctx: CliContext, paths: tuple[str, ...], as_json: bool) -> None:
    """Import .txt/.md/.json/.jsonl/.csv/.zip files; directories are searched recursively.

    Exits 1 when any file or record was rejected (the good ones are still imported).
    """
    db = ctx.open_db()
    try:
        report = import_paths(db, list(paths), who="cli")
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if report.rejected:
        raise SystemExit(1)
