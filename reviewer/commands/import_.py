"""`reviewer import PATH...`: import conversation dumps (files or directories)."""

from __future__ import annotations

import click

from ..importing import import_paths
from .common import EXIT_FINDINGS, CliContext, Output, output_options, pass_cli


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@output_options
@pass_cli
def command(ctx: CliContext, paths: tuple[str, ...], out: Output) -> None:
    """Import .txt/.md/.json/.jsonl/.csv/.zip files; directories are searched recursively.

    Exits 1 when any file or record was rejected (the good ones are still imported).
    """
    db = ctx.open_db()
    try:
        report = import_paths(db, list(paths), who="cli")
    finally:
        db.close()
    out.emit(report.to_dict(), report.lines)
    if report.rejected:
        raise SystemExit(EXIT_FINDINGS)
