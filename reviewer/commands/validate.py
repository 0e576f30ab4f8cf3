"""`reviewer validate FILE.jsonl`: run the readiness gate on any JSONL file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..validation.profiles import PROFILES
from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Output, output_options


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--target", type=click.Choice(list(PROFILES)), default="openai", show_default=True,
              help="Export profile whose rules apply.")
@click.option("--model", default=None, help="Target model (default gpt-4o-mini-2024-07-18); "
              "picks the tokenizer, the per-example limit and the price.")
@click.option("--few-shot", "few_shot", type=click.Path(path_type=Path), default=None,
              help="Few-shot JSONL file; examples must follow its template.")
@click.option("--epochs", type=click.IntRange(1, 50), default=None,
              help="Epochs for the cost estimate (default: the cookbook heuristic).")
@click.option("--per-conversation-system", is_flag=True,
              help="System lines differ by design (one summary per conversation): do not warn "
                   "about inconsistent system prompts.")
@output_options
def command(file: Path, target: str, model: str | None, few_shot: Path | None,
            epochs: int | None, per_conversation_system: bool, out: Output) -> None:
    """Check FILE against the fine-tuning rules. Exit 0 = ready, 1 = errors, 2 = cannot read."""
    from ..fewshot import FewShotError
    from ..tokens import TokenizerUnavailable
    from ..validation import ReadError, validate_file

    try:
        report = validate_file(file, target=target, model=model, few_shot=few_shot,
                               epochs=epochs, per_conversation_system=per_conversation_system)
    except (ReadError, FewShotError, TokenizerUnavailable) as exc:
        out.fail(str(exc), EXIT_USAGE)
    except MemoryError:
        out.fail(f"not enough memory to validate {file}", EXIT_USAGE)
    out.emit(report.to_json(), report.lines)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)
