"""`reviewer runs`: the import, split and export runs recorded in the database."""

from __future__ import annotations

import json

import click

from ..runs import recent_runs
from .common import CliContext, Output, output_options, pass_cli


@click.command("runs")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@output_options
@pass_cli
def command(ctx: CliContext, limit: int, out: Output) -> None:
    """Recent runs, newest first: kind, status, counts and message."""
    db = ctx.open_db()
    try:
        rows = recent_runs(db, limit=limit)
    finally:
        db.close()
    if not out.as_json:
        for row in rows:
            row["counts"] = json.dumps(row["counts"], ensure_ascii=False)
    out.table(rows, ["id", "kind", "status", "started_at", "finished_at", "counts", "message"],
              empty="no runs yet")
