"""`reviewer validate FILE.jsonl`: run the readiness gate on any JSONL file;
`reviewer validate --manifest M`: check an export's data files against its manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..validation.profiles import PROFILES
from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Output, output_options


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path), required=False)
@click.option("--manifest", "manifest", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An export's manifest: check that every data file it names "
              "is there with the sha256 it records (a torn export does not match).")
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
def command(file: Path | None, manifest: Path | None, target: str, model: str | None,
            few_shot: Path | None, epochs: int | None, per_conversation_system: bool,
            out: Output) -> None:
    """Check FILE against the fine-tuning rules. Exit 0 = ready, 1 = errors, 2 = cannot read."""
    if manifest is not None:
        _check_manifest(manifest, file, out)
        if file is None:
            sys.exit(EXIT_OK)
    if file is None:
        out.fail("give a FILE to validate, or --manifest M", EXIT_USAGE)
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


def _check_manifest(manifest: Path, file: Path | None, out: Output) -> None:
    """Stop with exit 1 when the manifest does not match its files (or does not name FILE)."""
    from ..exporting.manifest import ManifestUnreadable, manifest_files, verify_manifest

    try:
        problems = verify_manifest(manifest)
        named = [path.resolve() for path, _ in manifest_files(manifest)]
    except ManifestUnreadable as exc:
        out.fail(str(exc), EXIT_USAGE)
    if file is not None and file.resolve() not in named:
        problems.append(f"{file}: not one of the files the manifest names")
    if problems:
        out.emit({"manifest": str(manifest), "ok": False, "problems": problems},
                 [f"manifest {manifest} does not match its data:", *problems])
        sys.exit(EXIT_FINDINGS)
    if file is None:
        out.emit({"manifest": str(manifest), "ok": True, "problems": []},
                 [f"manifest {manifest} matches its {len(named)} data file(s)"])
