"""`reviewer llm-calls`: the latest model calls, with tokens, latency and estimated cost."""

from __future__ import annotations

import click

from ..llm.usage import format_usd as _cost
from ..llm.usage import recent_calls, spend_summary
from .common import CliContext, Output, output_options, pass_cli


@click.command("llm-calls")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many calls, newest first.")
@click.option("--run", "run_id", type=int, default=None, help="Only the calls of this run.")
@output_options
@pass_cli
def command(ctx: CliContext, limit: int, run_id: int | None, out: Output) -> None:
    """List recorded model calls and the spend per model (estimates from the price table)."""
    db = ctx.open_db()
    try:
        calls = recent_calls(db, limit=limit, run_id=run_id)
        summary = spend_summary(db, run_id=run_id)
    finally:
        db.close()
    if out.as_json:
        out.emit({"calls": calls, "summary": summary.to_dict()}, [])
        return
    if not calls:
        click.echo("no model calls recorded")
        return
    for c in calls:
        outcome = f"error: {c['error']}" if c["error"] else f"finish={c['finish_reason']}"
        if c.get("cached"):
            outcome += " (from the cache)"
        click.echo(
            f"{c['id']:>6} {c['at'][:19]} {c['purpose']:<6} {c['model']} ({c['provider']}) "
            f"run={c['run_id'] if c['run_id'] is not None else '-'} "
            f"subject={c['subject'] or '-'} in={c['input_tokens'] or 0} "
            f"out={c['output_tokens'] or 0} {c['latency_ms']:.0f} ms "
            f"cost={_cost(c['cost_usd'])} {outcome}")
    click.echo(f"total: {summary.calls} call(s), {summary.input_tokens} tokens in, "
               f"{summary.output_tokens} out, estimated cost {_cost(summary.cost_usd)}")
    for m in summary.models:
        unpriced = f" ({m.unpriced_calls} unpriced)" if m.unpriced_calls else ""
        click.echo(f"  {m.model} ({m.provider}): {m.calls} call(s), {m.errors} error(s), "
                   f"{m.input_tokens} in, {m.output_tokens} out, {_cost(m.cost_usd)}{unpriced}")
