"""`reviewer train start|status|follow|events|cancel|list|metrics|checkpoints|delete-model`:
fine-tuning jobs at a provider, started from an export that passed the gate and followed
across restarts, with their trained tokens and cost, metrics and checkpoints."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .common import EXIT_FINDINGS, EXIT_USAGE, CliContext, Output, output_options, pass_cli

T = TypeVar("T")


def _trainer(provider: str, out: Output):
    from ..training import TrainingError
    from ..training.service import trainer_for

    try:
        return trainer_for(provider)
    except TrainingError as exc:
        out.fail(str(exc), EXIT_USAGE)


def _job_provider(ctx: CliContext, job_id: int, out: Output) -> str:
    from ..jobs import store

    db = ctx.open_db()
    try:
        job = store.get(db, job_id)
    finally:
        db.close()
    if job is None or job.kind != "fine-tune":
        out.fail(f"no fine-tuning job {job_id}", EXIT_USAGE)
    return job.provider or "openai"


def _report(db: Any, job: Any) -> dict[str, Any]:
    from ..training.report import job_report

    return job_report(db, job)


@click.group("train")
def command() -> None:
    """Fine-tune a model on an export (OpenAI-shaped APIs: OpenAI, Azure OpenAI v1, …)."""


@command.command("start")
@click.argument("manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--provider", required=True, help="A configured provider (reviewer providers).")
@click.option("--model", required=True, help="The base model to fine-tune.")
@click.option("--validation/--no-validation", default=True, show_default=True,
              help="Send the export's held-out file as the validation file.")
@click.option("--epochs", type=click.IntRange(1, 50), default=None)
@click.option("--batch-size", type=click.IntRange(1, 256), default=None)
@click.option("--lr-multiplier", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option("--seed", type=int, default=None)
@click.option("--suffix", default=None, help="Up to 40 characters in the tuned model's name.")
@output_options
@pass_cli
def start(ctx: CliContext, manifest: Path, provider: str, model: str, validation: bool,
          epochs: int | None, batch_size: int | None, lr_multiplier: float | None,
          seed: int | None, suffix: str | None, out: Output) -> None:
    """Upload the export named by MANIFEST (it must have passed the gate and be unchanged)
    and create one training job. Creation is never retried, so no duplicate paid job."""
    from ..training import TrainingError, TrainingRequest, start_training

    hyper = {k: v for k, v in {"n_epochs": epochs, "batch_size": batch_size,
                               "learning_rate_multiplier": lr_multiplier}.items()
             if v is not None}
    trainer = _trainer(provider, out)
    db = ctx.open_db()
    try:
        job_id = start_training(db, trainer, TrainingRequest(
            manifest, model, validation, hyper, suffix, seed), provider=provider, who="cli")
        from ..jobs import store

        job = store.get(db, job_id)
        assert job is not None
        report = _report(db, job)
    except TrainingError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    _print_report(report, out)


def _on_job(ctx: CliContext, job_id: int, out: Output, action: Callable[[Any, Any], T]) -> T:
    """Run ``action(db, trainer)`` for a recorded job at its provider; a provider error is
    reported in the shared style (exit 2)."""
    from ..training import TrainingError

    trainer = _trainer(_job_provider(ctx, job_id, out), out)
    db = ctx.open_db()
    try:
        return action(db, trainer)
    except TrainingError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()


def _print_report(report: dict[str, Any], out: Output) -> None:
    from ..training.report import report_lines

    shown = {k: v for k, v in report.items() if k not in ("metrics", "loss_curve")}
    out.emit(shown, lambda: report_lines(report))


def _emit_job(ctx: CliContext, job_id: int, out: Output) -> Any:
    from ..jobs import store

    db = ctx.open_db()
    try:
        job = store.get(db, job_id)
        assert job is not None
        report = _report(db, job)
    finally:
        db.close()
    _print_report(report, out)
    return job


@command.command("status")
@click.argument("job_id", type=int)
@output_options
@pass_cli
def status(ctx: CliContext, job_id: int, out: Output) -> None:
    """Ask the provider for the job's state now and record it; prints where to call the
    tuned model and the estimated and actual trained tokens and cost."""
    from ..training import follow_once

    _on_job(ctx, job_id, out, lambda db, trainer: follow_once(db, trainer, job_id))
    _emit_job(ctx, job_id, out)


@command.command("follow")
@click.argument("job_id", type=int)
@click.option("--every", type=click.FloatRange(min=0.01), default=30.0, show_default=True,
              help="Seconds between polls.")
@click.option("--max-polls", type=click.IntRange(min=1), default=10_000)
@output_options
@pass_cli
def follow(ctx: CliContext, job_id: int, every: float, max_polls: int, out: Output) -> None:
    """Poll until the job ends (succeeded, failed or cancelled); exit 1 unless it succeeded.
    A job that succeeded has its checkpoints and metrics fetched too."""
    from ..training import follow_once

    def poll(db: Any, trainer: Any) -> None:
        for attempt in range(max_polls):
            info = follow_once(db, trainer, job_id)
            if not out.as_json:
                click.echo(f"{info.raw_status}", err=True)
            if info.status == "succeeded":
                _collect_results(db, trainer, job_id)
            if info.status in ("succeeded", "failed", "cancelled"):
                return
            if attempt + 1 < max_polls:
                time.sleep(every)

    _on_job(ctx, job_id, out, poll)
    if _emit_job(ctx, job_id, out).status != "succeeded":
        raise SystemExit(EXIT_FINDINGS)


def _collect_results(db: Any, trainer: Any, job_id: int) -> None:
    """Checkpoints and metrics of a job that just succeeded, so `status` and the Train page
    have them; a provider that fails here does not fail the follow."""
    from ..training import TrainingError
    from ..training.service import fetch_results

    try:
        fetch_results(db, trainer, job_id)
    except TrainingError as exc:
        click.echo(f"metrics and checkpoints not fetched: {exc}", err=True)


@command.command("events")
@click.argument("job_id", type=int)
@output_options
@pass_cli
def events(ctx: CliContext, job_id: int, out: Output) -> None:
    """The provider's events for the job, oldest first."""
    from ..training import job_events

    rows = _on_job(ctx, job_id, out, lambda db, trainer: job_events(db, trainer, job_id))
    out.table(rows, ["at", "level", "message"], empty="no events yet")


@command.command("cancel")
@click.argument("job_id", type=int)
@output_options
@pass_cli
def cancel_job(ctx: CliContext, job_id: int, out: Output) -> None:
    """Cancel the job at the provider."""
    from ..training import cancel

    _on_job(ctx, job_id, out, lambda db, trainer: cancel(db, trainer, job_id))
    _emit_job(ctx, job_id, out)


@command.command("list")
@output_options
@pass_cli
def list_jobs(ctx: CliContext, out: Output) -> None:
    """Fine-tuning jobs recorded here, newest first (as last seen; `status` asks again)."""
    from ..jobs import store

    db = ctx.open_db()
    try:
        rows = [j.to_dict() for j in store.recent(db, kind="fine-tune")]
    finally:
        db.close()
    for row in rows:
        row["tuned_model"] = (row.get("result") or {}).get("fine_tuned_model")
    out.table(rows, ["id", "provider", "status", "external_id", "tuned_model", "created_at"],
              empty="no fine-tuning jobs yet")


@command.command("metrics")
@click.argument("job_id", type=int)
@click.option("--cached", is_flag=True, help="Print the rows recorded here; ask no provider.")
@output_options
@pass_cli
def metrics(ctx: CliContext, job_id: int, cached: bool, out: Output) -> None:
    """The job's loss (and token accuracy) per step, from the provider's metrics file.
    Rows the file gets wrong are skipped and named on stderr (exit 1)."""
    from ..training.metrics import load_metrics
    from ..training.service import fetch_results

    if not cached:
        _on_job(ctx, job_id, out, lambda db, trainer: fetch_results(db, trainer, job_id))
    db = ctx.open_db()
    try:
        rows = [r.to_dict() for r in load_metrics(db, job_id)]
        job = _job_or_fail(db, job_id, out)
    finally:
        db.close()
    problems = (job.result or {}).get("metrics_problems") or []
    if out.as_json:
        out.emit({"job": job_id, "rows": rows, "problems": problems}, lambda: [])
    else:
        out.table(rows, ["step", "train_loss", "valid_loss", "full_valid_loss",
                         "train_accuracy", "valid_accuracy"],
                  empty="no metrics yet (the provider writes them when the job is done)")
        for problem in problems:
            click.echo(f"skipped {problem}", err=True)
    if problems:
        raise SystemExit(EXIT_FINDINGS)


@command.command("checkpoints")
@click.argument("job_id", type=int)
@output_options
@pass_cli
def checkpoints(ctx: CliContext, job_id: int, out: Output) -> None:
    """The job's checkpoints at the provider: step, callable model id and losses."""
    from ..training.service import fetch_results

    found, _ = _on_job(ctx, job_id, out,
                       lambda db, trainer: fetch_results(db, trainer, job_id))
    out.table([c.to_dict() for c in found], ["step", "model", "train_loss", "valid_loss"],
              empty="no checkpoints (the provider keeps none for this job, or not yet)")


@command.command("delete-model")
@click.argument("model")
@click.option("--provider", required=True, help="The provider that holds the tuned model.")
@click.option("--yes", "confirmed", is_flag=True,
              help="Confirm: the model is deleted at the provider and cannot be restored.")
@output_options
@pass_cli
def delete_model_command(ctx: CliContext, model: str, provider: str, confirmed: bool,
                         out: Output) -> None:
    """Delete the tuned MODEL at its provider. Without --yes nothing is deleted."""
    from ..training import TrainingError
    from ..training.service import delete_model

    if not confirmed:
        out.fail(f"deleting {model} at {provider} cannot be undone; run again with --yes",
                 EXIT_USAGE)
    trainer = _trainer(provider, out)
    try:
        deleted = delete_model(trainer, model)
    except TrainingError as exc:
        out.fail(str(exc), EXIT_USAGE)
    out.emit({"model": model, "provider": provider, "deleted": deleted},
             lambda: [f"{model} deleted at {provider}" if deleted
                      else f"{provider} did not confirm that {model} is deleted"])
    if not deleted:
        raise SystemExit(EXIT_FINDINGS)


def _job_or_fail(db: Any, job_id: int, out: Output) -> Any:
    from ..jobs import store

    job = store.get(db, job_id)
    if job is None or job.kind != "fine-tune":
        out.fail(f"no fine-tuning job {job_id}", EXIT_USAGE)
    return job


@command.command("recipe")
@click.argument("manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--tool", type=click.Choice(["trl", "unsloth", "axolotl"]), default="trl",
              show_default=True)
@click.option("--base-model", default="Qwen/Qwen2.5-0.5B-Instruct", show_default=True)
def recipe_command(manifest: Path, tool: str, base_model: str) -> None:
    """Print a ready-to-run starting point to train the export yourself (TRL's SFTTrainer,
    Unsloth, or an Axolotl config); all three load the export's chat lines as is."""
    from ..training.recipes import export_paths, recipe

    train, valid = export_paths(manifest)
    click.echo(recipe(tool, train, valid, base_model=base_model), nl=False)
