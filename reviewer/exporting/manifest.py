"""`OUT.manifest.json`: what an export contains and how it was made.

The manifest lets anyone check later that a file is the one reviewed (sha256), trace each
line back to its pairs, and see the settings and the readiness report it passed.

Torn exports: the data files are renamed into place first and the manifest last, one rename
each; a process killed between two renames leaves new data beside an old manifest (or none).
Rather than a second naming scheme (a manifest named after its data's hash would break the
`<stem>.manifest.json` contract every reader uses), the manifest is the commit record: an
export is complete exactly when its manifest exists and names the sha256 and size of every
data file as they are on disk. `verify_manifest` checks that (`reviewer validate --manifest`),
and the next export over the same name rewrites both.
"""

from __future__ import annotations

import hashlib
import json
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


class ManifestUnreadable(ValueError):
    """The manifest cannot be read as a manifest at all."""


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def manifest_files(manifest_path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Each data file a manifest names (resolved beside it) with its entry."""
    manifest_path = Path(manifest_path)
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        entries = manifest["files"]
        return [(manifest_path.parent / str(entry["path"]), dict(entry)) for entry in entries]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ManifestUnreadable(f"cannot read manifest {manifest_path}: {exc}") from exc


def verify_manifest(manifest_path: Path) -> list[str]:
    """What does not match between a manifest and its data files (empty: the export is
    whole). Raises ManifestUnreadable."""
    problems: list[str] = []
    for path, entry in manifest_files(manifest_path):
        try:
            sha256, size = _sha256_of(path)
        except FileNotFoundError:
            problems.append(f"{path}: missing")
            continue
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        if sha256 != entry.get("sha256") or size != entry.get("bytes"):
            problems.append(f"{path}: does not match the manifest (sha256 {sha256[:12]}…, "
                            f"{size} bytes; the manifest says {str(entry.get('sha256'))[:12]}…, "
                            f"{entry.get('bytes')} bytes): an interrupted or later export "
                            "wrote it")
    return problems
