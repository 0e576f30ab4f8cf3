"""`OUT.manifest.json`: what an export contains and how it was made.

The manifest lets anyone check later that a file is the one reviewed (sha256), trace each
line back to its pairs, and see the settings and the readiness report it passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..db import now_iso
from .writer import WrittenFile

MANIFEST_FORMAT = 1
JSONL_SUFFIX = ".jsonl"


def output_stem(out: Path) -> Path:
    """`data/set.jsonl` → `data/set`; a name not ending in .jsonl is kept whole."""
    out = Path(out)
    if out.name.lower().endswith(JSONL_SUFFIX) and len(out.name) > len(JSONL_SUFFIX):
        return out.with_name(out.name[: -len(JSONL_SUFFIX)])
    return out


def manifest_path_for(out: Path) -> Path:
    stem = output_stem(out)
    return stem.with_name(stem.name + ".manifest.json")


def output_paths(out: Path, *, holdout: bool) -> dict[str, Path]:
    """Where the data goes: OUT itself, or with a holdout `<stem>.train.jsonl` and
    `<stem>.valid.jsonl`."""
    out = Path(out)
    if not holdout:
        return {"all": out}
    stem = output_stem(out)
    return {
        "train": stem.with_name(stem.name + ".train.jsonl"),
        "valid": stem.with_name(stem.name + ".valid.jsonl"),
    }


@dataclass(slots=True)
class ManifestFile:
    """One data file of an export: its role, what was written, and the pairs per line."""

    role: str  # "all" | "train" | "valid"
    written: WrittenFile
    line_pair_ids: Sequence[Sequence[int]]
    summary: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, base: Path) -> dict[str, Any]:
        try:
            name = str(self.written.path.relative_to(base))
        except ValueError:
            name = str(self.written.path)
        return {
            "role": self.role,
            "path": name,
            "sha256": self.written.sha256,
            "bytes": self.written.bytes,
            "lines": self.written.lines,
            "examples": len(self.line_pair_ids),
            "pair_ids": [pid for ids in self.line_pair_ids for pid in ids],
            "line_pair_ids": [list(ids) for ids in self.line_pair_ids],
            "summary": dict(self.summary),
        }


_TOKEN_EXTRA_KEYS = ("epochs", "epochs_source", "examples_over_limit", "estimated_cost_usd",
                     "training_availability", "price_source_date", "model", "encoding")


def token_stats(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The token, epoch and cost part of a validation summary."""
    stats = {k: v for k, v in summary.items() if "token" in k}
    for key in _TOKEN_EXTRA_KEYS:
        if key in summary:
            stats[key] = summary[key]
    return stats


def build_manifest(
    *,
    manifest_path: Path,
    target: str,
    model: str | None,
    settings: Mapping[str, Any],
    counts: Mapping[str, Any],
    report: Mapping[str, Any],
    files: Sequence[ManifestFile],
    who: str,
    created_at: str | None = None,
) -> dict[str, Any]:
    """The manifest object. `report` is `ValidationReport.to_json()` of the export."""
    base = Path(manifest_path).parent
    summary = report.get("summary", {}) if isinstance(report, Mapping) else {}
    return {
        "manifest_format": MANIFEST_FORMAT,
        "reviewer_version": __version__,
        "created_at": created_at or now_iso(),
        "created_by": who,
        "profile": target,
        "model": model if model is not None else summary.get("model"),
        "settings": dict(settings),
        "counts": dict(counts),
        "tokens": token_stats(summary),
        "validation": dict(report),
        "files": [f.to_dict(base) for f in files],
    }
