"""Which held-out file an evaluation reads: the latest export's validation file (``valid``),
or the one an export names (its manifest, its output path or the file itself)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from .job import EvalSetupError

VALID_SUFFIX = ".valid.jsonl"
LATEST = "valid"


def exported_heldout_files(db: Database, limit: int = 20) -> list[Path]:
    """Validation files of finished exports that are still on disk, newest first."""
    found: list[Path] = []
    rows = db.execute("SELECT settings FROM runs WHERE kind = 'export' AND status = 'done'"
                      " ORDER BY id DESC LIMIT 200").fetchall()
    for (settings,) in rows:
        try:
            files = json.loads(settings or "{}").get("files") or []
        except ValueError:
            continue
        for name in files:
            path = Path(str(name))
            if path.name.endswith(VALID_SUFFIX) and path.exists() and path not in found:
                found.append(path)
        if len(found) >= limit:
            break
    return found


def _from_manifest(manifest: Path) -> Path:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalSetupError(f"cannot read manifest {manifest}: {exc}") from None
    for entry in data.get("files", []):
        if entry.get("role") == "valid":
            return manifest.parent / str(entry.get("path", ""))
    raise EvalSetupError(f"{manifest} names no held-out file: export with --holdout")


def resolve_split(db: Database, split: str) -> Path:
    """``valid``: the latest export's held-out file; otherwise a manifest, an export's
    output path (``out/set.jsonl`` → ``out/set.valid.jsonl``) or a held-out file."""
    if split == LATEST:
        files = exported_heldout_files(db, limit=1)
        if not files:
            raise EvalSetupError("no export with a held-out file yet: export with --holdout "
                                 "(e.g. reviewer export out/set.jsonl --holdout 0.1)")
        return files[0]
    path = Path(split)
    if path.name.endswith(".manifest.json"):
        path = _from_manifest(path)
    elif not path.name.endswith(VALID_SUFFIX) and path.suffix == ".jsonl":
        beside = path.with_name(path.name[: -len(".jsonl")] + VALID_SUFFIX)
        if beside.exists():
            path = beside
    if not path.exists():
        raise EvalSetupError(f"{path} does not exist")
    return path
