"""`reviewer validate FILE.jsonl`: run the readiness gate on any JSONL file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..validation.profiles import PROFILES


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
@click.option("--json", "as_json", is_flag=True, help="Print {summary, findings} as JSON.")
def command(file: Path, target: str, model: str | None, few_shot: Path | None,
            epochs: int | None, as_json: bool) -> None:
    """Check FILE against the fine-tuning rules. Exit 0 = ready, 1 = errors, 2 = cannot read."""
    from ..tokens import TokenizerUnavailable
    from ..validation import FewShotFileError, ReadError, validate_file

    try:
        report = validate_file(file, target=target, model=model, few_shot=few_shot,
                               epochs=epochs)
    except (ReadError, FewShotFileError, TokenizerUnavailable) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except MemoryError:
        click.echo(f"Error: not enough memory to validate {file}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=None))
    else:
        for line in report.lines():
            click.echo(line)
    sys.exit(0 if report.ok else 1)
