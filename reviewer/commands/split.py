"""`reviewer split`: turn pending conversations into question/answer pairs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..llm.batch import DEFAULT_MAX_BYTES, DEFAULT_MAX_REQUESTS, BatchAPIError, BatchLimits
from ..llm.pricing import PriceFileError
from ..splitting import (
    FewShotError,
    SplitBusy,
    SplitterConfigError,
    make_splitter,
    split_pending,
)
from ..splitting.cost import CostRefused
from ..splitting.spend import MAX_COST
from .common import (
    EXIT_BUSY,
    EXIT_FINDINGS,
    EXIT_USAGE,
    CliContext,
    Output,
    output_options,
    pass_cli,
)


class _Progress:
    """A click progress bar on stderr, opened once the total is known."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None  # a click progress bar once the total is known
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="splitting",
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("split")
@click.option("--splitter", "kind", type=click.Choice(["rules", "llm"]), default="rules",
              show_default=True, help="Offline rules, or an OpenAI-compatible chat model.")
@click.option("--model", default=None,
              help="Model for --splitter llm (default: $REVIEWER_MODEL, else gpt-4o-mini).")
@click.option("--provider", default=None,
              help="A configured endpoint (see `reviewer providers list`); it gets the key its "
                   "entry names. Default: openai, or $OPENAI_BASE_URL without a key if set.")
@click.option("--base-url", default=None,
              help="Any OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1. "
                   "It gets no key unless --api-key-env names one.")
@click.option("--api-key-env", default=None, metavar="NAME",
              help="Environment variable holding the key for --base-url "
                   "(OPENAI_API_KEY only for https://api.openai.com).")
@click.option("--providers", "providers_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Providers file (default: $REVIEWER_PROVIDERS, else data/providers.toml).")
@click.option("--few-shot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Few-shot examples (JSONL in the export format; default data/few_shot.jsonl).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Conversations split at the same time.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None,
              help="Seconds to wait for one LLM answer (default 120).")
@click.option("--context-window", type=click.IntRange(min=256), default=None,
              help="The model's context in tokens (default: known for OpenAI models, else "
                   "8192; set a local server's own setting). Longer conversations are split "
                   "in overlapping chunks.")
@click.option("--no-chunking", is_flag=True,
              help="Refuse conversations too long for the context instead of chunking them.")
@click.option("--retry-failed", is_flag=True,
              help="Also retry conversations that failed before, except those the same "
                   "settings would fail again (context overflow, repetition, timeout, "
                   "output limit with unchanged model, context, chunking, output limit and "
                   "prompt).")
@click.option("--force-retry", is_flag=True,
              help="With --retry-failed (implied): retry those failures too.")
@click.option("--no-cache", is_flag=True,
              help="Ask the model again even for requests answered before (the cache is "
                   "keyed by provider, model, prompt, few-shot set, conversation and limits).")
@click.option("--redo", is_flag=True,
              help="Re-split conversations already split; reviewed pairs are kept.")
@click.option("--max-cost", type=click.FloatRange(min=0), default=None, metavar="USD",
              help="Refuse to start when the estimated cost exceeds this; stop the run when "
                   "the recorded spend reaches it.")
@click.option("--batch", "use_batch", is_flag=True,
              help="Send the conversations to the provider's Batch API (half price, answers "
                   "within 24 h) instead of splitting live; follow with `reviewer jobs poll`.")
@click.option("--resubmit-missing", type=int, default=None, metavar="JOB",
              help="With --batch: send again the conversations batch job JOB got no answer "
                   "for.")
@click.option("--batch-max-requests", type=click.IntRange(min=1), default=DEFAULT_MAX_REQUESTS,
              show_default=True, help="Requests per batch; more are sharded into batches.")
@click.option("--batch-max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Bytes per batch input file.")
@output_options
@click.option("--who", default="cli", show_default=True, help="Recorded as who started the run.")
@pass_cli
@click.pass_context
def command(ctx: click.Context, cli: CliContext, kind: str, model: str | None,
            provider: str | None, base_url: str | None, api_key_env: str | None,
            providers_file: Path | None, few_shot: Path | None, concurrency: int,
            timeout: float | None, context_window: int | None, no_chunking: bool,
            retry_failed: bool, force_retry: bool, no_cache: bool, redo: bool,
            max_cost: float | None, use_batch: bool, resubmit_missing: int | None,
            batch_max_requests: int, batch_max_bytes: int, out: Output,
            who: str) -> None:
    """Split pending conversations into question/answer pairs.

    Exits 1 when any conversation failed (each is listed with its reason) or --max-cost
    stopped the run, 2 when the splitter cannot be set up (no key, unknown provider,
    unreadable few-shot file), the key or quota was refused, or the estimate is over
    --max-cost.
    """
    if resubmit_missing is not None:
        use_batch = True
    retry_failed = retry_failed or force_retry
    if use_batch and kind != "llm":
        out.fail("--batch needs --splitter llm", EXIT_USAGE)
    try:
        splitter = make_splitter(kind, model=model, few_shot=few_shot, provider=provider,
                                 base_url=base_url, api_key_env=api_key_env,
                                 providers_file=providers_file, timeout=timeout,
                                 context_window=context_window, chunking=not no_chunking)
    except (FewShotError, SplitterConfigError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    cli.open_db().close()  # clear error for an unusable --db before any work starts
    if use_batch:
        _submit(ctx, cli, splitter, out, redo=redo, retry_failed=retry_failed,
                force_retry=force_retry, resubmit=resubmit_missing, max_cost=max_cost, who=who,
                limits=BatchLimits(batch_max_requests, batch_max_bytes))
        return
    progress = _Progress(enabled=True)
    try:
        report = split_pending(cli.db_path, splitter, redo=redo, retry_failed=retry_failed,
                               force_retry=force_retry, concurrency=concurrency,
                               progress=progress, who=who,
                               use_cache=not no_cache, max_cost=max_cost,
                               estimate=kind == "llm")
    except SplitBusy as exc:
        out.fail(str(exc), EXIT_BUSY)
    except (SplitterConfigError, CostRefused, PriceFileError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        progress.close()
    out.emit(report.to_dict(), report.lines)
    if report.stopped:
        code = EXIT_FINDINGS if report.stop_kind == MAX_COST else EXIT_USAGE
        if not out.as_json:
            click.echo(f"Error: {report.stopped}; {report.remaining} conversation(s) remain",
                       err=True)
        ctx.exit(code)
    if report.failed:
        ctx.exit(EXIT_FINDINGS)


def _submit(ctx: click.Context, cli: CliContext, splitter: Any, out: Output, *, redo: bool,
            retry_failed: bool, force_retry: bool, resubmit: int | None,
            max_cost: float | None, who: str, limits: BatchLimits) -> None:
    from ..splitting.batch import BatchSplitError, submit_batch

    try:
        submission = submit_batch(cli.db_path, splitter, limits=limits, redo=redo,
                                  retry_failed=retry_failed, force_retry=force_retry,
                                  resubmit_job=resubmit,
                                  max_cost=max_cost, who=who)
    except SplitBusy as exc:
        out.fail(str(exc), EXIT_BUSY)
    except (CostRefused, PriceFileError, BatchSplitError, BatchAPIError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    out.emit(submission.to_dict(), submission.lines)
    if submission.error:
        ctx.exit(EXIT_FINDINGS)
