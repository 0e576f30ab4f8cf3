"""Export approved pairs as validated fine-tuning files: the one entry point for CLI and UI.

Flow: select approved pairs → build examples → render for the target profile → optional
grouped holdout (train/validation files) → validate every line (and train/validation overlap) →
only if there is no error, write all files and the manifest atomically and record a run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..fewshot import FewShotError, load_few_shot
from ..review.store import approved_from_splits, iter_approved
from ..runs import finish_run, start_run
from ..validation import (
    Finding,
    ValidationReport,
    find_overlap,
    get_profile,
    validate_objects,
)
from .build import Example, build_examples
from .frozen import freeze, frozen_conversations
from .holdout import HoldoutError, hold_out
from .manifest import ManifestFile, build_manifest, manifest_path_for, output_paths
from .options import ExportOptionError, ExportOptions
from .writer import StagedFiles, jsonl_bytes

# "Fewer than 10 examples" (an error) and "fewer than 50" (a warning) are about the training
# file; a held-out validation file is meant to be small.
VALID_FILE_SKIPPED_RULES = frozenset({"too_few_examples", "few_examples"})
HOLDOUT_RULE = "validation_split"  # rule id from before the rename; reports name it
OVERLAP_RULE = "train_valid_overlap"
RENDER_RULE = "render"


@dataclass
class ExportResult:
    ok: bool
    files: list[Path]
    manifest: Path | None
    report: ValidationReport
    counts: dict
    run_id: int | None


@dataclass
class Part:
    """One output file's content: rendered line objects and the examples behind them."""

    role: str  # "all" | "train" | "valid"
    examples: list[Example]
    objects: list[dict]
    report: ValidationReport | None = None

    def line_pair_ids(self) -> list[tuple[int, ...]]:
        return [e.pair_ids for e in self.examples]

    def data(self) -> bytes:
        return jsonl_bytes(self.objects)


@dataclass
class PreparedExport:
    """Everything an export will write, already validated; nothing written yet."""

    options: ExportOptions
    parts: list[Part]
    report: ValidationReport
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.report.ok

    def part(self, role: str) -> Part:
        return next(p for p in self.parts if p.role == role)

    def data(self) -> bytes:
        """The single-file JSONL (only for exports without a holdout)."""
        if len(self.parts) != 1:
            raise ExportOptionError("an export with a holdout has two files; use write_prepared")
        return self.parts[0].data()


# --- preparing ---------------------------------------------------------------------------


def _render(examples: list[Example], target: str) -> tuple[list[dict], list[Finding]]:
    profile = get_profile(target)  # a fresh instance: profiles may keep per-file state
    objects: list[dict] = []
    problems: list[Finding] = []
    for line, example in enumerate(examples, start=1):
        try:
            objects.append(profile.render(example.messages))
        except Exception as exc:  # a profile refusing a shape must not crash the export
            objects.append({})
            problems.append(Finding(line, RENDER_RULE, "error",
                                    f"cannot render for {target}: {exc}", example.pair_ids[0]))
    return objects, problems


def _items(part: Part) -> list[tuple[int, dict, int | None]]:
    return [(line, obj, ex.pair_ids[0])
            for line, (obj, ex) in enumerate(zip(part.objects, part.examples, strict=True), 1)]


def _label(findings: list[Finding], name: str) -> list[Finding]:
    """Name the file each finding is about (a combined report spans two files)."""
    return [replace(f, file=name) for f in findings]


def _count(report: ValidationReport, severity: str) -> int:
    """True totals from the summary (the report lists a capped number per rule)."""
    key = "errors" if severity == "error" else "warnings"
    listed = sum(f.severity == severity for f in report.findings)
    return max(int(report.summary.get(key, listed)), listed)


def _combine(
    parts: list[Part], extra: list[Finding], paths: Mapping[str, Path]
) -> ValidationReport:
    """One report for the export: the training (or only) file's summary, the validation
    file's summary under `validation_file`, every finding, and totals over all of them."""
    reports = [p.report for p in parts if p.report is not None]
    summary = dict(reports[0].summary)
    if len(parts) == 1:
        findings = list(reports[0].findings) + extra
    else:
        findings = []
        for part in parts:
            assert part.report is not None
            findings += _label(list(part.report.findings), paths[part.role].name)
        findings += extra
        summary["validation_file"] = dict(reports[1].summary)
    summary["errors"] = sum(_count(r, "error") for r in reports) + sum(
        f.severity == "error" for f in extra)
    summary["warnings"] = sum(_count(r, "warning") for r in reports) + sum(
        f.severity == "warning" for f in extra)
    return ValidationReport(summary, findings, reports[0].token_counts)


def _overlap_findings(train: Part, valid: Part, paths: Mapping[str, Path]) -> list[Finding]:
    """Train/validation overlap, always an error, naming the pairs on both sides: the
    finding is on the validation line; the training line and its first pair id are in
    ``other_line`` / ``other_pair_id``, all its pair ids in the message."""
    train_ids = dict(enumerate(train.line_pair_ids(), start=1))
    out = []
    for f in find_overlap(_items(train), _items(valid)):
        ids = train_ids.get(f.other_line) if f.other_line is not None else None
        message = f"{f.message}; training pair {', '.join(map(str, ids))}" if ids else f.message
        out.append(replace(f, severity="error", message=message, file=paths["valid"].name))
    return out


def managed_template(db: Database) -> list[list[dict]] | None:
    """The managed few-shot set as export lines (system, question, answer per pair), the
    template the LLM splitter teaches; None when the set is empty."""
    from ..prompts.fewshot_set import prompt_examples

    lines = [[{"role": "system", "content": example.system},
              {"role": "user", "content": pair.question},
              {"role": "assistant", "content": pair.answer}]
             for example in prompt_examples(db) for pair in example.pairs]
    return lines or None


def prepare_export(
    db: Database, options: ExportOptions | None = None, *, out: Path | str | None = None
) -> PreparedExport:
    """Build and validate an export in memory (`out` only names the files in findings).
    Raises ExportOptionError for an unreadable or invalid few-shot file; data problems
    become findings."""
    options = options or ExportOptions()
    few_shot_examples = managed_template(db) if options.few_shot_set else None
    if few_shot_examples is None and options.few_shot is not None:
        try:
            few_shot_examples = load_few_shot(options.few_shot, strict=False)
        except FewShotError as exc:
            raise ExportOptionError(str(exc)) from None
    examples = list(build_examples(iter_approved(db), multi_turn=options.multi_turn))
    # Split conversations carry one summary line each by design; datasets imported as ready
    # pairs are expected to share their system prompt, so only they are warned about it.
    per_conversation_system = options.per_conversation_system
    if per_conversation_system is None:
        per_conversation_system = approved_from_splits(db)
    paths = output_paths(Path(out or "export.jsonl"), holdout=options.holdout is not None)
    extra: list[Finding] = []
    frozen = frozen_conversations(db)
    if options.holdout is None:
        groups = [("all", examples)]
        if not options.include_held_out:
            extra += _leaks(examples, frozen)
    else:
        try:
            train, valid = hold_out(examples, options.holdout, seed=options.seed,
                                    frozen=frozen)
            groups = [("train", train), ("valid", valid)]
        except HoldoutError as exc:
            extra.append(Finding(0, HOLDOUT_RULE, "error", str(exc)))
            groups = [("train", examples), ("valid", [])]
    parts: list[Part] = []
    for role, members in groups:
        objects, problems = _render(members, options.target)
        part = Part(role, members, objects)
        report = validate_objects(_items(part), target=options.target, model=options.model,
                                  few_shot_examples=few_shot_examples, epochs=options.epochs,
                                  per_conversation_system=per_conversation_system)
        findings = problems + list(report.findings)
        summary = dict(report.summary)
        summary["errors"] = int(summary.get("errors", 0)) + len(problems)
        if role == "valid":
            dropped = [f for f in findings if f.rule in VALID_FILE_SKIPPED_RULES]
            findings = [f for f in findings if f.rule not in VALID_FILE_SKIPPED_RULES]
            for f in dropped:
                key = "errors" if f.severity == "error" else "warnings"
                summary[key] = max(0, int(summary.get(key, 0)) - 1)
        part.report = ValidationReport(summary, findings, report.token_counts)
        parts.append(part)
    if len(parts) == 2 and parts[1].examples:
        extra += _overlap_findings(parts[0], parts[1], paths)
    report = _combine(parts, extra, paths)
    counts: dict[str, Any] = {
        "approved_pairs": sum(len(e.pair_ids) for e in examples),
        "examples": len(examples),
        "conversations": len({e.conversation_id for e in examples}),
        "errors": report.summary["errors"],
        "warnings": report.summary["warnings"],
    }
    for part in parts:
        if part.role != "all":
            counts[f"{part.role}_examples"] = len(part.examples)
            counts[f"{part.role}_conversations"] = len({e.conversation_id for e in part.examples})
    return PreparedExport(options, parts, report, counts)


# --- writing -----------------------------------------------------------------------------


def write_prepared(
    db: Database, prepared: PreparedExport, out: Path | str, *, who: str = "cli"
) -> ExportResult:
    """Write a prepared export (all files + manifest, atomically) and record a run.
    A prepared export with errors is refused: nothing is written, the run says so."""
    out = Path(out)
    paths = output_paths(out, holdout=len(prepared.parts) == 2)
    manifest_path = manifest_path_for(out)
    settings = {**prepared.options.to_dict(),
                "files": [str(paths[p.role]) for p in prepared.parts],
                "manifest": str(manifest_path)}
    run_id = start_run(db, "export", settings)
    if not prepared.ok:
        message = "; ".join(_brief(f) for f in prepared.report.errors[:5])
        finish_run(db, run_id, prepared.counts, status="refused",
                   message=f"refused: {len(prepared.report.errors)} error(s): {message}")
        return ExportResult(False, [], None, prepared.report, dict(prepared.counts), run_id)
    try:
        entries: list[ManifestFile] = []
        with StagedFiles() as staged:
            for part in prepared.parts:
                written = staged.write_jsonl(paths[part.role], part.objects)
                summary = part.report.summary if part.report else {}
                entries.append(ManifestFile(part.role, written, part.line_pair_ids(), summary))
            manifest = build_manifest(
                manifest_path=manifest_path, target=prepared.options.target,
                model=prepared.options.model, settings=prepared.options.to_dict(),
                counts=prepared.counts, report=prepared.report.to_json(), files=entries, who=who,
            )
            staged.write_bytes(manifest_path, _manifest_bytes(manifest))
            staged.commit()
    except BaseException as exc:
        finish_run(db, run_id, prepared.counts, status="failed", message=f"write failed: {exc}")
        raise
    for part in prepared.parts:
        if part.role == "valid":  # frozen: later exports keep these held out
            freeze(db, (e.conversation_id for e in part.examples), str(manifest_path))
    files = [paths[p.role] for p in prepared.parts]
    counts = {**prepared.counts, "files": [str(p) for p in files]}
    finish_run(db, run_id, counts, status="done")
    return ExportResult(True, files, manifest_path, prepared.report, counts, run_id)


def _leaks(examples: list, frozen: set[str]) -> list[Finding]:
    """Examples from conversations an earlier export held out for evaluation: training on
    them would score the model on what it learnt."""
    return [Finding(line, "held_out_in_training", "error",
                    f"conversation {e.conversation_id} was held out for evaluation by an "
                    "earlier export; export with a holdout (it stays on the validation side) "
                    "or pass --include-held-out", e.pair_ids[-1] if e.pair_ids else None)
            for line, e in enumerate(examples, 1) if e.conversation_id in frozen]


def _brief(finding: Finding) -> str:
    pair = f" (pair {finding.pair_id})" if finding.pair_id is not None else ""
    return f"line {finding.line}{pair} {finding.rule}: {finding.message}"


def _manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2, default=str).encode("utf-8") + b"\n"


def export_dataset(
    db: Database, out: Path, options: ExportOptions | None = None, *, who: str = "cli"
) -> ExportResult:
    """Export approved pairs to `out` (or `<stem>.train.jsonl` + `<stem>.valid.jsonl` with a
    holdout) plus `<stem>.manifest.json`. Refuses (ok False, nothing written) on any
    validation error. Raises ExportOptionError for unusable options, OSError on I/O."""
    out = Path(out)
    if out.is_dir():
        raise ExportOptionError(f"{out} is a directory; give a file name like {out}/data.jsonl")
    prepared = prepare_export(db, options, out=out)
    return write_prepared(db, prepared, out, who=who)


def build_export_bytes(
    db: Database, options: ExportOptions | None = None
) -> tuple[bytes, ValidationReport]:
    """One JSONL file in memory for a download button. Returns (b"", report) when the report
    has errors. A holdout is not possible here (it makes two files)."""
    if options is not None and options.holdout is not None:
        raise ExportOptionError("a download is a single file; export with a holdout from the CLI")
    prepared = prepare_export(db, options)
    return (prepared.data() if prepared.ok else b""), prepared.report
