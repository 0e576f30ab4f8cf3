"""`reviewer eval run|list|show|compare|send-back`: how well a model answers the held-out
questions of an export, scored offline against the approved answers, base and tuned side
by side, and what the model failed sent back to review."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .common import (
    EXIT_BUSY,
    EXIT_FINDINGS,
    EXIT_USAGE,
    CliContext,
    Output,
    output_options,
    pass_cli,
)

METRIC_NAMES = {"cosine": "cosine", "chrf": "chrF", "bleu": "BLEU", "rouge_l": "ROUGE-L"}
BAR_WIDTH = 30


def _ci(m: dict | None, sign: str = "") -> str:
    if not m:
        return "-"
    return f"{m['mean']:{sign}.3f} ({m['low']:{sign}.3f}…{m['high']:{sign}.3f})"


def _means(summary: dict) -> list[str]:
    lines = []
    for metric, label in METRIC_NAMES.items():
        m = summary.get("means", {}).get(metric)
        if m:
            lines.append(f"  {label:<8} {m['mean']:.3f}  ({m['low']:.3f}–{m['high']:.3f}, "
                         f"n={m['n']})")
    return lines


def _bar(count: int, most: int) -> str:
    return "█" * (round(count / most * BAR_WIDTH) if most else 0)


def _weak_options(func: Any) -> Any:
    func = click.option("--lowest-percent", type=click.FloatRange(0, 100, min_open=True),
                        default=None, help="The lowest K% of items are weak (instead of "
                        "--below).")(func)
    return click.option("--below", type=float, default=0.5, show_default=True,
                        help="Items under this cosine are weak.")(func)


def _rule(below: float, lowest_percent: float | None) -> Any:
    from ..evaluation.sendback import WeakRule

    return WeakRule(below=below, lowest=None if lowest_percent is None
                    else lowest_percent / 100)


def _cluster_embedder(choice: str, metadata: dict) -> Any:
    from ..evaluation.job import make_embedder
    from ..evaluation.sendback import embedder_for

    return embedder_for(metadata) if choice == "run" else make_embedder(choice)


_EMBEDDER_FOR_CLUSTERS = click.option(
    "--embedder", type=click.Choice(["run", "use", "hash"]), default="run", show_default=True,
    help="For grouping weak questions into patterns; run: the one the run was scored with.")


@click.group("eval")
def command() -> None:
    """Evaluate a model (or base vs tuned) on an export's held-out file (offline scoring)."""


@command.command("run")
@click.argument("heldout", required=False,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--model", required=True, help="The model to ask (the tuned one with "
              "--base-model).")
@click.option("--base-model", default=None, help="Also ask this model the same questions and "
              "link both runs for comparison (eval compare).")
@click.option("--split", "split", default=None, metavar="valid|EXPORT",
              help="valid: the latest export's held-out file (the default without HELDOUT); "
              "or an export's manifest or output path.")
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
@click.option("--no-cache", is_flag=True, help="Ask again even for questions answered before.")
@output_options
@pass_cli
def run(ctx: CliContext, heldout: Path | None, model: str, base_model: str | None,
        split: str | None, provider: str | None, base_url: str | None,
        api_key_env: str | None, manifest: Path | None, name: str | None, embedder: str,
        concurrency: int, max_tokens: int, no_cache: bool, out: Output) -> None:
    """Ask MODEL every question of HELDOUT (an export's .valid.jsonl; default: the latest
    export's) and score the answers against the approved ones: cosine of sentence
    embeddings, chrF, BLEU and ROUGE-L with Korean-aware tokens. Every call goes through
    the model layer (logged, cached). Runs as a job (`reviewer jobs`)."""
    from ..evaluation.job import EvalSetupError, EvalSpec, start_eval_job
    from ..evaluation.sources import resolve_split
    from ..jobs import EXECUTOR, JobBusy

    if heldout is not None and split is not None:
        out.fail("give HELDOUT or --split, not both", EXIT_USAGE)
    db = ctx.open_db()
    try:
        source = heldout or resolve_split(db, split or "valid")
    except EvalSetupError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    spec = EvalSpec(source=source, model=model, base_model=base_model, provider=provider,
                    base_url=base_url, api_key_env=api_key_env, manifest=manifest, name=name,
                    embedder=embedder, concurrency=concurrency, max_tokens=max_tokens,
                    use_cache=not no_cache, who="cli")
    try:
        job_id = start_eval_job(ctx.db_path, spec)
    except EvalSetupError as exc:
        out.fail(str(exc), EXIT_USAGE)
    except JobBusy as exc:
        out.fail(str(exc), EXIT_BUSY)
    job = _follow(ctx, job_id, EXECUTOR, show=not out.as_json and sys.stderr.isatty())
    if job.status != "succeeded":
        out.fail(f"eval job {job_id} {job.status}: {job.error or ''}".strip(), EXIT_USAGE)
    _report_run(ctx, job_id, job.result, out)


def _follow(ctx: CliContext, job_id: int, executor: Any, *, show: bool) -> Any:
    """Wait for the job's thread, showing the persisted progress on a terminal."""
    from ..jobs import store

    while not executor.wait(ctx.db_path, job_id, timeout=0.5):
        if show:
            db = ctx.open_db()
            try:
                job = store.get(db, job_id)
            finally:
                db.close()
            if job is not None and job.total:
                click.echo(f"\reval job {job_id}: {job.done}/{job.total}", err=True, nl=False)
    if show:
        click.echo("", err=True)
    db = ctx.open_db()
    try:
        return store.get(db, job_id)
    finally:
        db.close()


def _report_run(ctx: CliContext, job_id: int, result: dict, out: Output) -> None:
    from ..evaluation import store
    from ..evaluation.sidebyside import side_by_side

    runs: dict[str, int] = result["runs"]
    main_id = runs.get("tuned") or runs["run"]
    db = ctx.open_db()
    try:
        rows = {role: store.get_run(db, run_id) for role, run_id in runs.items()}
        pair = side_by_side(db, runs["base"], runs["tuned"]) if "base" in runs else None
    finally:
        db.close()
    failed = result["failed"]
    data: dict[str, Any] = {"job_id": job_id, "run_id": main_id, "items": result["items"],
                            "failed": failed.get("tuned", failed.get("run", 0)),
                            "summary": rows.get("tuned", rows.get("run"))["summary"]}  # type: ignore[index]
    if pair is not None:
        data.update(base_run_id=runs["base"], base_failed=failed["base"],
                    base_summary=rows["base"]["summary"],  # type: ignore[index]
                    comparison=pair.to_dict())

    def lines() -> list[str]:
        text = [f"eval job {job_id}: {result['items']} items"]
        for role, run_id in runs.items():
            row = rows[role] or {}
            label = f" ({role})" if role != "run" else ""
            text += [f"eval run {run_id}{label}: {row.get('model')}: {result['items']} items, "
                     f"{failed[role]} without an answer", *_means(row.get("summary") or {})]
        if pair is not None:
            text += _comparison_lines(pair)[1:]
        return text

    out.emit(data, lines)
    if any(failed.values()):
        raise SystemExit(EXIT_FINDINGS)


@command.command("list")
@output_options
@pass_cli
def list_runs(ctx: CliContext, out: Output) -> None:
    """Evaluation runs, newest first (a base/tuned pair names its other run)."""
    from ..evaluation import store

    db = ctx.open_db()
    try:
        rows = store.list_runs(db)
    finally:
        db.close()
    out.table(rows, ["id", "name", "model", "role", "paired_with", "job_id", "items", "failed",
                     "created_at", "source"], empty="no evaluation runs yet")


@command.command("show")
@click.argument("run_id", type=int)
@_weak_options
@_EMBEDDER_FOR_CLUSTERS
@click.option("--items", "show_items", type=click.IntRange(0, 10_000), default=10,
              show_default=True, help="How many of the weakest items to list.")
@output_options
@pass_cli
def show(ctx: CliContext, run_id: int, below: float, lowest_percent: float | None,
         embedder: str, show_items: int, out: Output) -> None:
    """A run's scores, its cosine histogram, the weakest items and the question patterns
    (clusters) among the weak ones; `eval send-back RUN --cluster N` sends one back."""
    from ..evaluation import store
    from ..evaluation.sendback import clusters, weak_items

    rule = _rule(below, lowest_percent)
    db = ctx.open_db()
    try:
        run_row = store.get_run(db, run_id)
        if run_row is None:
            out.fail(f"no evaluation run {run_id}", EXIT_USAGE)
        weak = weak_items(db, run_id, rule)
        groups = clusters(db, run_id, rule,
                          embedder=_cluster_embedder(embedder, run_row["metadata"]))
        items = store.run_items(db, run_id)[:show_items]
    finally:
        db.close()
    data = {"run": run_row, "weak_rule": rule.describe(), "weak": [w.item_id for w in weak],
            "clusters": [c.to_dict() for c in groups],
            "weakest_items": [{k: i[k] for k in ("item_id", "pair_id", "cosine", "chrf",
                                                 "question", "answer")} for i in items]}

    def lines() -> list[str]:
        text = [f"eval run {run_id} ({run_row['name']}, {run_row['model']}): "
                f"{run_row['items']} items", *_means(run_row["summary"]), "cosine histogram:"]
        bins = run_row["summary"].get("cosine_histogram") or []
        most = max((b["count"] for b in bins), default=0)
        text += [f"  {b['low']:>4.1f}–{b['high']:.1f} {b['count']:>4} {_bar(b['count'], most)}"
                 for b in bins]
        text.append(f"weak ({rule.describe()}): {len(weak)} in {len(groups)} cluster(s)")
        text += [f"  cluster {c.number}: {c.size} item(s), mean {c.mean_score:.2f} · "
                 f"{' '.join(c.representative_question.split())[:90]}" for c in groups]
        if items:
            text.append("weakest items:")
            text += [f"  {i['cosine']:.2f}  {i['item_id']}: "
                     f"{' '.join((i['question'] or '').split())[:80]}" for i in items]
        return text

    out.emit(data, lines)


def _comparison_lines(pair: Any) -> list[str]:
    c = pair.comparison
    cells = [(METRIC_NAMES[r.metric], _ci(r.base and r.base.to_dict()),
              _ci(r.tuned and r.tuned.to_dict()),
              _ci(r.difference and r.difference.to_dict(), "+"))
             for r in pair.metrics if r.metric in METRIC_NAMES]
    rows = [("metric", "base", "tuned", "tuned − base"), *cells]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    text = [f"tuned {pair.tuned['id']} ({pair.tuned['model']}) vs base {pair.base['id']} "
            f"({pair.base['model']}) on {pair.items} items:"]
    text += ["  " + "  ".join(v.ljust(w) for v, w in zip(row[:3], widths, strict=True))
             + "  " + row[3] for row in rows]
    text.append(f"  intervals: 95% {pair.mean_ci_method}; differences: "
                f"{pair.difference_ci_method}")
    text.append(f"  {c.metric} ≥ {c.threshold} is good: weak → good {len(c.improved)}, "
                f"good → weak {len(c.regressed)}, stayed good {c.stayed_good}, "
                f"stayed weak {c.stayed_weak}")
    return text


@command.command("compare")
@click.argument("base_id", type=int)
@click.argument("tuned_id", type=int, required=False)
@click.option("--threshold", type=float, default=0.5, show_default=True,
              help="Cosine at or above which an answer is good (for flips).")
@output_options
@pass_cli
def compare(ctx: CliContext, base_id: int, tuned_id: int | None, threshold: float,
            out: Output) -> None:
    """Base vs tuned on the same items: both means with intervals, the paired difference,
    both histograms and the items that flipped. With one run id, its linked pair."""
    from ..evaluation import IncomparableRuns, store
    from ..evaluation.sidebyside import side_by_side

    db = ctx.open_db()
    try:
        if tuned_id is None:
            row = store.get_run(db, base_id)
            linked = store.pair_of(row) if row else None
            if linked is None:
                out.fail(f"eval run {base_id} has no linked run; give both run ids",
                         EXIT_USAGE)
            base_id, tuned_id = linked
        pair = side_by_side(db, base_id, tuned_id, threshold=threshold)
    except KeyError as exc:
        out.fail(f"no evaluation run {exc.args[0]}", EXIT_USAGE)
    except (IncomparableRuns, ValueError) as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    data = pair.to_dict()
    # Kept from the first version of this command, for scripts.
    data["differences"] = {r.metric: r.difference.to_dict() for r in pair.metrics
                           if r.difference is not None}
    data["improved"] = [f.item_id for f in pair.comparison.improved]
    data["regressed"] = [f.item_id for f in pair.comparison.regressed]
    data["flips"] = {"improved": pair.to_dict()["improved"],
                     "regressed": pair.to_dict()["regressed"]}

    def lines() -> list[str]:
        text = _comparison_lines(pair)
        most = max((max(h.base, h.tuned) for h in pair.histogram), default=0)
        text.append("cosine histogram (base / tuned):")
        for h in (h for h in pair.histogram if h.base or h.tuned):  # empty bands left out
            text.append(f"  {h.low:>4.1f}–{h.high:.1f} base  {h.base:>4} {_bar(h.base, most)}")
            text.append(f"  {'':>7} tuned {h.tuned:>4} {_bar(h.tuned, most)}")
        for title, flips in (("weak → good", pair.comparison.improved),
                             ("good → weak", pair.comparison.regressed)):
            if flips:
                text.append(f"{title}:")
                text += [f"  {f.base:.2f} → {f.tuned:.2f}  {f.item_id}: "
                         f"{' '.join(f.question.split())[:80]}" for f in flips]
        return text

    out.emit(data, lines)


@command.command("send-back")
@click.argument("run_id", type=int)
@_weak_options
@click.option("--cluster", "cluster_number", type=click.IntRange(1), default=None,
              help="Only this cluster of weak items (numbers from eval show).")
@click.option("--item", "item_id", default=None, help="Only this item (e.g. 'pair 12').")
@_EMBEDDER_FOR_CLUSTERS
@output_options
@pass_cli
def send_back(ctx: CliContext, run_id: int, below: float, lowest_percent: float | None,
              cluster_number: int | None, item_id: str | None, embedder: str,
              out: Output) -> None:
    """Flag the source pair of weak items (all, one cluster or one item) `weak_in_eval`,
    linked to this run, so reviewers see the model's answer beside the reference and fix
    the reference, add examples of the pattern, or reject it."""
    from ..evaluation import store
    from ..evaluation.sendback import clusters, weak_items
    from ..evaluation.sendback import send_back as flag_items

    if cluster_number is not None and item_id is not None:
        out.fail("give --cluster or --item, not both", EXIT_USAGE)
    rule = _rule(below, lowest_percent)
    db = ctx.open_db()
    try:
        run_row = store.get_run(db, run_id)
        if run_row is None:
            out.fail(f"no evaluation run {run_id}", EXIT_USAGE)
        if item_id is not None:
            if store.get_item(db, run_id, item_id) is None:
                out.fail(f"eval run {run_id} has no item {item_id!r}", EXIT_USAGE)
            chosen, what = [item_id], f"item {item_id}"
        elif cluster_number is not None:
            groups = clusters(db, run_id, rule,
                              embedder=_cluster_embedder(embedder, run_row["metadata"]))
            if cluster_number > len(groups):
                out.fail(f"eval run {run_id} has {len(groups)} cluster(s) of weak items "
                         f"({rule.describe()})", EXIT_USAGE)
            chosen = groups[cluster_number - 1].item_ids
            what = f"cluster {cluster_number} ({len(chosen)} item(s))"
        else:
            chosen = [w.item_id for w in weak_items(db, run_id, rule)]
            what = f"{len(chosen)} weak item(s) ({rule.describe()})"
        flagged = flag_items(db, run_id, chosen, who="cli")
    finally:
        db.close()
    out.emit({"run_id": run_id, "items": chosen, "flagged_pairs": flagged},
             [f"{what}: {len(flagged)} pair(s) flagged weak_in_eval; review them with the "
              "Risk flag filter on the Review page (the model's answer is shown beside the "
              "reference)."])
