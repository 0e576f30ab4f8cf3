"""`reviewer export OUT.jsonl`: write approved pairs as a validated fine-tuning dataset.

Files: without a holdout, OUT itself; with `--validation-split` (alias `--holdout`),
`<stem>.train.jsonl` and `<stem>.valid.jsonl` (stem = OUT without `.jsonl`). Always
`<stem>.manifest.json` beside.
Exit 0 written, 1 refused because of validation errors (nothing written), 2 usage or I/O.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..exporting.holdout import HoldoutError, parse_holdout
from ..exporting.options import ExportOptionError, ExportOptions
from ..exporting.service import ExportResult, export_dataset
from ..fewshot import DEFAULT_FEW_SHOT
from .common import EXIT_FINDINGS, EXIT_USAGE, CliContext, Output, output_options, pass_cli


class HoldoutParam(click.ParamType):
    name = "F|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        try:
            return parse_holdout(value)
        except HoldoutError as exc:
            self.fail(str(exc), param, ctx)


def _money(value: Any) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else "n/a"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return "n/a" if value is None else str(value)


def _finding_line(finding: Any) -> str:
    pair = f" pair {finding.pair_id}" if finding.pair_id is not None else ""
    return f"  {finding.severity:<7} line {finding.line}{pair} [{finding.rule}] {finding.message}"


def summary_lines(result: ExportResult) -> list[str]:
    """The readable report printed by the command."""
    summary = result.report.summary
    counts = result.counts
    lines = []
    if result.ok:
        lines.append(f"Exported {counts.get('examples', 0)} example(s) from"
                     f" {counts.get('approved_pairs', 0)} approved pair(s) in"
                     f" {counts.get('conversations', 0)} conversation(s).")
        for path in result.files:
            lines.append(f"  wrote {path}")
        lines.append(f"  wrote {result.manifest}")
    else:
        lines.append(f"Export refused: {len(result.report.errors)} error(s); nothing was written."
                     " Fix the pairs named below (or reject them) and export again.")
    if "train_examples" in counts:
        lines.append(f"Holdout: {counts['train_examples']} train / {counts['valid_examples']}"
                     f" validation example(s), grouped by conversation.")
    model = summary.get("model") or "default"
    lines.append(f"Target: {summary.get('target', '?')}, model: {model}")
    lines.append(
        f"Tokens: {_number(summary.get('total_tokens'))} in the training file,"
        f" billed per epoch {_number(summary.get('billed_tokens'))}"
    )
    per_example = (summary.get("tokens") or {}).get("total") or {}
    if per_example:
        lines.append("  per example: " + "  ".join(
            f"{k} {_number(per_example.get(k))}" for k in ("min", "median", "p90", "max")))
    source = summary.get("epochs_source")
    lines.append(
        f"Epochs: {_number(summary.get('epochs'))}" + (f" ({source})" if source else "")
        + f", estimated cost {_money(summary.get('estimated_cost_usd'))}"
        + (f"; {summary['training_availability']}" if summary.get("training_availability")
           else "")
    )
    errors, warnings = result.report.errors, result.report.warnings
    lines.append(f"Findings: {len(errors)} error(s), {len(warnings)} warning(s)")
    lines += [_finding_line(f) for f in errors]
    lines += [_finding_line(f) for f in warnings]
    return lines


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", default="openai", show_default=True,
              help="Output profile: openai, together, fireworks, mistral, hf-messages,"
                   " prompt-completion.")
@click.option("--model", default=None, help="Target model (token encoding, limit, price).")
@click.option("--validation-split", "--holdout", "holdout", type=HoldoutParam(), default=None,
              help="Hold out a validation file: a fraction (0.1) or a number of examples (50);"
                   " whole conversations move together.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Seed for the holdout (same seed, same held-out conversations).")
@click.option("--multi-turn", is_flag=True,
              help="One example per conversation: its approved pairs as alternating turns.")
@click.option("--few-shot", "few_shot", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Few-shot JSONL file whose template every line must follow.")
@click.option("--check-template", is_flag=True,
              help="Check every line against the template the LLM splitter uses: the managed "
                   "few-shot set when it is not empty, else data/few_shot.jsonl (--few-shot "
                   "FILE wins).")
@click.option("--epochs", type=click.IntRange(1, 50), default=None,
              help="Epochs for the cost estimate (default: the cookbook heuristic).")
@click.option("--include-held-out", is_flag=True,
              help="Train on conversations an earlier export held out for evaluation "
                   "(refused by default: it would leak the evaluation).")
@output_options(arg="output")
@pass_cli
def command(cli: CliContext, out: Path, target: str, model: str | None,
            holdout: float | int | None, seed: int, multi_turn: bool,
            few_shot: Path | None, check_template: bool, epochs: int | None,
            include_held_out: bool, output: Output) -> None:
    """Export approved pairs to OUT (JSONL), validated first; refuses on any error."""
    try:
        db = cli.open_db()
    except click.ClickException as exc:
        output.fail(exc.message, EXIT_USAGE)
    use_set = check_template and few_shot is None
    if use_set and DEFAULT_FEW_SHOT.exists():
        few_shot = DEFAULT_FEW_SHOT  # the fallback when the managed set is empty
    try:
        options = ExportOptions(target=target, model=model, holdout=holdout, seed=seed,
                                multi_turn=multi_turn, few_shot=few_shot, epochs=epochs,
                                include_held_out=include_held_out, few_shot_set=use_set)
        result = export_dataset(db, out, options, who="cli")
    except ExportOptionError as exc:
        output.fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        output.fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE)
    finally:
        db.close()
    output.emit({
        "ok": result.ok,
        "files": [str(p) for p in result.files],
        "manifest": str(result.manifest) if result.manifest else None,
        "counts": result.counts,
        "run_id": result.run_id,
        **result.report.to_json(),
    }, lambda: summary_lines(result))
    if not result.ok:
        sys.exit(EXIT_FINDINGS)
