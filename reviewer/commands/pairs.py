"""`reviewer pairs list|show|history`: what the database holds about reviewed pairs."""

from __future__ import annotations

import click

from ..review import PAIR_STATUSES, PairFilter, store
from ..review.diffs import text_diff
from .common import EXIT_USAGE, CliContext, Output, output_options, pass_cli


@click.group("pairs")
def command() -> None:
    """List pairs, show one in full, or show its history."""


@command.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(PAIR_STATUSES),
              help="Only pairs with this status (repeat for several; default all).")
@click.option("--search", default="", help="Text in system, question or answer.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@output_options
@pass_cli
def list_pairs(ctx: CliContext, statuses: tuple[str, ...], search: str, limit: int,
               offset: int, out: Output) -> None:
    """Pairs matching a filter, in id order."""
    db = ctx.open_db()
    try:
        rows = store.page(db, PairFilter(statuses, search), offset=offset, limit=limit)
    finally:
        db.close()
    out.table(rows, ["id", "status", "question", "answer", "version", "updated_by"],
              empty="no pairs match")


@command.command("show")
@click.argument("pair_id", type=int)
@output_options
@pass_cli
def show_pair(ctx: CliContext, pair_id: int, out: Output) -> None:
    """One pair in full, with where its conversation came from."""
    db = ctx.open_db()
    try:
        pair = store.get_pair(db, pair_id)
        conversation = store.get_conversation(db, pair["conversation_id"]) if pair else None
    finally:
        db.close()
    if pair is None:
        out.fail(f"no pair {pair_id}", EXIT_USAGE)
    source = (f"{conversation['source']} {conversation['locator']}".strip()
              if conversation else "(conversation missing)")
    pair["source"] = source

    def lines() -> list[str]:
        return [f"pair {pair['id']} · {pair['status']} · version {pair['version']} · "
                f"origin {pair['origin'] or '-'}", f"source: {source}",
                f"updated: {pair['updated_at'] or '-'} by {pair['updated_by'] or '-'}",
                "", "system:", pair["system"] or "", "", "question:", pair["question"] or "",
                "", "answer:", pair["answer"] or ""]

    out.emit(pair, lines)


@command.command("history")
@click.argument("pair_id", type=int)
@output_options
@pass_cli
def pair_history(ctx: CliContext, pair_id: int, out: Output) -> None:
    """Every change of one pair, oldest first, with a diff of each text edit."""
    db = ctx.open_db()
    try:
        if store.get_pair(db, pair_id) is None:
            out.fail(f"no pair {pair_id}", EXIT_USAGE)
        events = store.history(db, pair_id)
    finally:
        db.close()
    for event in events:
        if event["field"] in store.TEXT_FIELDS:
            event["diff"] = text_diff(event["old"], event["new"])

    def lines() -> list[str]:
        out_lines: list[str] = []
        for e in events:
            what = e["action"] + (f" {e['field']}" if e["field"] else "")
            out_lines.append(f"{e['at']}  {e['who']}  {what}")
            if "diff" in e:
                out_lines.extend(f"    {line}" for line in e["diff"])
            elif e["field"] == "status":
                out_lines.append(f"    {e['old']} → {e['new']}")
        return out_lines

    out.emit(events, lines)
