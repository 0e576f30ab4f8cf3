"""`reviewer status`: how many pairs per review status and conversations per split status."""

from __future__ import annotations

import click

from ..review.store import conversation_counts, status_counts
from .common import CliContext, Output, output_options, pass_cli


@click.command("status")
@output_options
@pass_cli
def command(ctx: CliContext, out: Output) -> None:
    """Show counts of pairs by status and conversations by split status."""
    db = ctx.open_db()
    try:
        pairs_by_status = status_counts(db)
        conversations = conversation_counts(db)
    finally:
        db.close()
    def lines() -> list[str]:
        text = [f"database: {ctx.db_path}", f"pairs: {sum(pairs_by_status.values())}"]
        text += [f"  {name:<9} {n}" for name, n in pairs_by_status.items()]
        text.append(f"conversations: {sum(conversations.values())}")
        text += [f"  {name:<9} {n}" for name, n in conversations.items()]
        return text

    out.emit({"database": str(ctx.db_path), "pairs": pairs_by_status,
              "conversations": conversations}, lines)
