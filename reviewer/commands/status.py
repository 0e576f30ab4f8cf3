"""`reviewer status`: how many pairs per review status and conversations per split status."""

from __future__ import annotations

import json

import click

from ..review.store import conversation_counts, status_counts
from .common import CliContext, pass_cli


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_cli
def command(ctx: CliContext, as_json: bool) -> None:
    """Show counts of pairs by status and conversations by split status."""
    db = ctx.open_db()
    try:
        pairs_by_status = status_counts(db)
        conversations = conversation_counts(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"database": str(ctx.db_path), "pairs": pairs_by_status,
                               "conversations": conversations}, ensure_ascii=False))
        return
    click.echo(f"database: {ctx.db_path}")
    click.echo(f"pairs: {sum(pairs_by_status.values())}")
    for name, n in pairs_by_status.items():
        click.echo(f"  {name:<9} {n}")
    click.echo(f"conversations: {sum(conversations.values())}")
    for name, n in conversations.items():
        click.echo(f"  {name:<9} {n}")
