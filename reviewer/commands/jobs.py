"""`reviewer jobs [show ID | poll [ID] | cancel ID]`: long work persisted in the database
(splits, batch splits, fine-tunes and evaluations), with its progress."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..jobs import store
from .common import EXIT_FINDINGS, EXIT_USAGE, CliContext, Output, output_options, pass_cli


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


@command.command("poll")
@click.argument("job_id", type=int, required=False)
@click.option("--wait", is_flag=True, help="Keep polling until the job has ended.")
@click.option("--interval", type=click.FloatRange(min=0.01), default=30.0, show_default=True,
              help="Seconds between polls with --wait.")
@click.option("--providers", "providers_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Providers file (default: $REVIEWER_PROVIDERS, else data/providers.toml).")
@output_options
@pass_cli
@click.pass_context
def poll(click_ctx: click.Context, ctx: CliContext, job_id: int | None, wait: bool,
         interval: float, providers_file: Path | None, out: Output) -> None:
    """Follow batch split jobs at their provider and store the answers of batches that
    ended (all active ones without JOB_ID). Exits 1 when conversations failed or got no
    answer."""
    from ..llm.batch import BatchAPIError
    from ..splitting.batch import BatchSplitError, active_jobs
    from ..splitting.batch_poll import poll_batch

    db = ctx.open_db()
    try:
        ids = [job_id] if job_id is not None else active_jobs(db)
    finally:
        db.close()
    if not ids:
        out.emit([], ["no batch split job is waiting"])
        return
    results = []
    try:
        for one in ids:
            result = poll_batch(ctx.db_path, one, providers_file=providers_file)
            while wait and result.status in store.ACTIVE:
                if result.report is not None:  # a shard ended: show what it stored
                    results.append(result)
                time.sleep(interval)
                result = poll_batch(ctx.db_path, one, providers_file=providers_file)
            results.append(result)
    except (BatchSplitError, BatchAPIError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    out.emit([r.to_dict() for r in results], lambda: [line for r in results
                                                      for line in r.lines()])
    last = {r.job_id: r for r in results}
    if any(r.missing for r in last.values()) or any(r.report and r.report.failed
                                                    for r in results):
        click_ctx.exit(EXIT_FINDINGS)


@command.command("cancel")
@click.argument("job_id", type=int)
@click.option("--providers", "providers_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Providers file (default: $REVIEWER_PROVIDERS, else data/providers.toml).")
@output_options
@pass_cli
@click.pass_context
def cancel(click_ctx: click.Context, ctx: CliContext, job_id: int,
           providers_file: Path | None, out: Output) -> None:
    """Cancel a batch split job: its batches at the provider, its conversations back to live
    splits, the job marked cancelled. Exits 1 when a batch could not be cancelled."""
    from ..llm.batch import BatchAPIError
    from ..splitting.batch import KIND, BatchSplitError
    from ..splitting.batch_cancel import cancel_batch_job

    db = ctx.open_db()
    try:
        job = store.get(db, job_id)
    finally:
        db.close()
    if job is not None and job.kind != KIND:
        hint = " (a fine-tune: reviewer train cancel)" if job.kind == "fine-tune" else ""
        out.fail(f"job {job_id} is a {job.kind} job; only batch split jobs are cancelled "
                 f"here{hint}", EXIT_USAGE)
    try:
        result = cancel_batch_job(ctx.db_path, job_id, providers_file=providers_file)
    except (BatchSplitError, BatchAPIError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    out.emit(result.to_dict(), result.lines)
    if result.errors:
        click_ctx.exit(EXIT_FINDINGS)
