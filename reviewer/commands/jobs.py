"""`reviewer jobs [show ID]`: long work persisted in the database (splits, later batches,
fine-tunes and evaluations), with its progress."""

from __future__ import annotations

import click

from ..jobs import store
from .common import EXIT_USAGE, CliContext, Output, output_options, pass_cli


@click.group("jobs", invoke_without_command=True)
@click.option("--kind", default=None, help="Only jobs of this kind (split, …).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@output_options
@pass_cli
@click.pass_context
def command(click_ctx: click.Context, ctx: CliContext, kind: str | None, limit: int,
            out: Output) -> None:
    """Recent jobs, newest first (a job whose process died is shown as interrupted)."""
    if click_ctx.invoked_subcommand is not None:
        return
    db = ctx.open_db()
    try:
        rows = [job.to_dict() for job in store.recent(db, kind=kind, limit=limit)]
    finally:
        db.close()
    for row in rows:
        row["progress"] = f"{row['done']}/{row['total']}" if row["total"] else ""
    out.table(rows, ["id", "kind", "status", "progress", "provider", "created_at",
                     "finished_at", "error"], empty="no jobs yet")


@command.command("show")
@click.argument("job_id", type=int)
@output_options
@pass_cli
def show(ctx: CliContext, job_id: int, out: Output) -> None:
    """One job with its settings and result."""
    db = ctx.open_db()
    try:
        store.reap(db)
        job = store.get(db, job_id)
    finally:
        db.close()
    if job is None:
        out.fail(f"no job {job_id}", EXIT_USAGE)
    data = job.to_dict()
    out.emit(data, [f"{k}: {v}" for k, v in data.items() if v not in (None, "", {}, [])])
