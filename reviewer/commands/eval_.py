"""`reviewer eval run|list|show|compare|send-back`: how well a model answers the held-out
questions of an export, scored offline against the approved answers, and what it failed
sent back to review."""

from __future__ import annotations

from pathlib import Path

import click

from .common import EXIT_FINDINGS, EXIT_USAGE, CliContext, Output, output_options, pass_cli

METRIC_NAMES = {"cosine": "cosine", "chrf": "chrF", "bleu": "BLEU", "rouge_l": "ROUGE-L"}


def _means(summary: dict) -> list[str]:
    lines = []
    for metric, label in METRIC_NAMES.items():
        m = summary.get("means", {}).get(metric)
        if m:
            lines.append(f"  {label:<8} {m['mean']:.3f}  ({m['low']:.3f}–{m['high']:.3f}, "
                         f"n={m['n']})")
    return lines


@click.group("eval")
def command() -> None:
    """Evaluate a model on an export's held-out file (offline scoring)."""


@command.command("run")
@click.argument("heldout", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--model", required=True, help="The model to ask (base or tuned).")
@click.option("--provider", default=None, help="A configured provider (reviewer providers).")
@click.option("--base-url", default=None, help="Any OpenAI-compatible endpoint (no key unless "
              "--api-key-env names one).")
@click.option("--api-key-env", default=None, help="Environment variable holding the key for "
              "--base-url.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The export's manifest (default: found beside the file).")
@click.option("--name", default=None, help="A name for the run, e.g. base or tuned.")
@click.option("--embedder", type=click.Choice(["use", "hash"]), default="use",
              show_default=True, help="use: the bundled multilingual sentence encoder; hash: "
              "a deterministic stand-in for smoke tests.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--max-tokens", type=click.IntRange(16, 32_000), default=1024, show_default=True)
@output_options
@pass_cli
def run(ctx: CliContext, heldout: Path, model: str, provider: str | None, base_url: str | None,
        api_key_env: str | None, manifest: Path | None, name: str | None, embedder: str,
        concurrency: int, max_tokens: int, out: Output) -> None:
    """Ask MODEL every question of HELDOUT (an export's .valid.jsonl) and score the answers
    against the approved ones: cosine of sentence embeddings, chrF, BLEU and ROUGE-L with
    Korean-aware tokens. Every call goes through the model layer (logged, cached)."""
    from ..evaluation import HashingEmbedder, UseEmbedder
    from ..evaluation.heldout import HeldOutError, read_held_out
    from ..evaluation.runner import run_eval
    from ..llm import EndpointError, ProvidersError, load_providers, resolve_endpoint
    from ..llm.cache import ResponseCache
    from ..llm.calls import CallLog
    from ..llm.openai_compat import OpenAICompatibleModel

    try:
        items = read_held_out(heldout, manifest)
        endpoint = resolve_endpoint(provider=provider, base_url=base_url,
                                    api_key_env=api_key_env, providers=load_providers(None))
    except (HeldOutError, EndpointError, ProvidersError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    if not items:
        out.fail(f"{heldout} holds no examples", EXIT_USAGE)
    db = ctx.open_db()
    llm = OpenAICompatibleModel(model, endpoint)
    calls, cache = CallLog(ctx.db_path), ResponseCache(ctx.db_path)
    llm.call_log, llm.cache = calls, cache
    try:
        outcome = run_eval(db, items, llm,
                           HashingEmbedder() if embedder == "hash" else UseEmbedder(),
                           name=name or model, source=heldout, who="cli",
                           max_tokens=max_tokens, concurrency=concurrency)
    finally:
        calls.close()
        cache.close()
        db.close()
    data = {"run_id": outcome.run_id, "items": outcome.items, "failed": outcome.failed,
            "summary": outcome.summary}
    out.emit(data, lambda: [f"eval run {outcome.run_id}: {outcome.items} items, "
                            f"{outcome.failed} without an answer", *_means(outcome.summary)])
    if outcome.failed:
        raise SystemExit(EXIT_FINDINGS)


@command.command("list")
@output_options
@pass_cli
def list_runs(ctx: CliContext, out: Output) -> None:
    """Evaluation runs, newest first."""
    from ..evaluation import store

    db = ctx.open_db()
    try:
        rows = store.list_runs(db)
    finally:
        db.close()
    out.table(rows, ["id", "name", "model", "items", "failed", "created_at", "source"],
              empty="no evaluation runs yet")


@command.command("show")
@click.argument("run_id", type=int)
@click.option("--below", type=float, default=0.5, show_default=True,
              help="Items under this cosine are weak.")
@click.option("--embedder", type=click.Choice(["use", "hash"]), default="use",
              show_default=True, help="For grouping weak questions into patterns.")
@output_options
@pass_cli
def show(ctx: CliContext, run_id: int, below: float, embedder: str, out: Output) -> None:
    """A run's scores, its weak items and the question patterns among them."""
    from ..evaluation import HashingEmbedder, UseEmbedder, group_patterns, select_weak, store

    db = ctx.open_db()
    try:
        run_row = store.get_run(db, run_id)
        if run_row is None:
            out.fail(f"no evaluation run {run_id}", EXIT_USAGE)
        scored = store.scored_run(db, run_id)
    finally:
        db.close()
    weak = select_weak(scored, threshold=below)
    patterns = group_patterns(weak, HashingEmbedder() if embedder == "hash" else UseEmbedder())
    data = {"run": run_row, "weak": [w.item_id for w in weak],
            "patterns": [{"size": p.size, "question": p.representative_question,
                          "items": p.item_ids} for p in patterns]}

    def lines() -> list[str]:
        text = [f"eval run {run_id} ({run_row['name']}, {run_row['model']}): "
                f"{run_row['items']} items", *_means(run_row["summary"]),
                f"weak (cosine < {below}): {len(weak)}"]
        text += [f"  {p.size:>3} × {p.representative_question[:90]}" for p in patterns]
        return text

    out.emit(data, lines)


@command.command("compare")
@click.argument("base_id", type=int)
@click.argument("tuned_id", type=int)
@output_options
@pass_cli
def compare(ctx: CliContext, base_id: int, tuned_id: int, out: Output) -> None:
    """Base vs tuned on the same items: mean differences and the items that flipped."""
    from ..evaluation import IncomparableRuns, compare_runs, store

    db = ctx.open_db()
    try:
        base, tuned = store.scored_run(db, base_id), store.scored_run(db, tuned_id)
    except KeyError as exc:
        out.fail(f"no evaluation run {exc.args[0]}", EXIT_USAGE)
    finally:
        db.close()
    try:
        result = compare_runs(base, tuned)
    except (IncomparableRuns, ValueError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    data = {"base": base_id, "tuned": tuned_id,
            "differences": {k: v.to_dict() for k, v in result.deltas.items()},
            "improved": [f.item_id for f in result.improved],
            "regressed": [f.item_id for f in result.regressed]}

    def lines() -> list[str]:
        text = [f"tuned {tuned_id} vs base {base_id}:"]
        for metric, label in METRIC_NAMES.items():
            d = result.deltas.get(metric)
            if d is not None:
                text.append(f"  {label:<8} {d.mean:+.3f}  ({d.low:+.3f}…{d.high:+.3f})")
        text.append(f"  weak → good: {len(result.improved)}; good → weak: "
                    f"{len(result.regressed)}")
        return text

    out.emit(data, lines)


@command.command("send-back")
@click.argument("run_id", type=int)
@click.option("--below", type=float, default=0.5, show_default=True,
              help="Items under this cosine go back to review.")
@output_options
@pass_cli
def send_back(ctx: CliContext, run_id: int, below: float, out: Output) -> None:
    """Flag the source pair of every weak item (`weak_in_eval`, with the model's answer),
    so reviewers can fix the reference, add examples of the pattern, or reject it."""
    from ..evaluation import store
    from ..evaluation.runner import send_weak_back

    db = ctx.open_db()
    try:
        if store.get_run(db, run_id) is None:
            out.fail(f"no evaluation run {run_id}", EXIT_USAGE)
        flagged = send_weak_back(db, run_id, below=below, who="cli")
    finally:
        db.close()
    out.emit({"run_id": run_id, "flagged_pairs": flagged},
             [f"{len(flagged)} pair(s) flagged weak_in_eval; review them with the Risk flag "
              "filter on the Review page."])
