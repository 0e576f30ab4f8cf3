"""The held-out items of an export: each validation line's system, question and reference
answer, traced back to the pair it came from through the export's manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HeldOutItem:
    item_id: str  # "pair 12" when the manifest names the pair, else "line 7"
    pair_id: int | None
    system: str
    question: str
    reference: str


class HeldOutError(ValueError):
    """The held-out file cannot be read as chat examples."""


def manifest_for(path: Path) -> Path | None:
    """``set.valid.jsonl`` → ``set.manifest.json`` (the export's manifest), if it exists."""
    name = path.name
    for suffix in (".valid.jsonl", ".train.jsonl", ".jsonl"):
        if name.endswith(suffix):
            candidate = path.with_name(name[: -len(suffix)] + ".manifest.json")
            return candidate if candidate.exists() else None
    return None


def _line_pairs(path: Path, manifest: Path | None) -> list[list[int]]:
    if manifest is None:
        return []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HeldOutError(f"cannot read manifest {manifest}: {exc}") from None
    for entry in data.get("files", []):
        if Path(str(entry.get("path", ""))).name == path.name:
            return [list(ids) for ids in entry.get("line_pair_ids", [])]
    return []


def read_held_out(path: Path | str, manifest: Path | str | None = None) -> list[HeldOutItem]:
    """Every chat line of the file as an item: its first system message, its last user
    message (the question) and the assistant message after it (the reference)."""
    path = Path(path)
    manifest_path = Path(manifest) if manifest else manifest_for(path)
    pairs = _line_pairs(path, manifest_path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HeldOutError(f"cannot read {path}: {exc}") from None
    items: list[HeldOutItem] = []
    example = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line).get("messages")
        except (ValueError, AttributeError):
            raise HeldOutError(f"{path} line {number}: not a chat example") from None
        if not isinstance(messages, list):
            raise HeldOutError(f"{path} line {number}: no messages")
        roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
        users = [i for i, r in enumerate(roles) if r == "user"]
        if not users or users[-1] + 1 >= len(messages) or roles[users[-1] + 1] != "assistant":
            raise HeldOutError(f"{path} line {number}: needs a user message and its answer")
        system = next((str(m.get("content") or "") for m in messages
                       if isinstance(m, dict) and m.get("role") == "system"), "")
        ids = pairs[example] if example < len(pairs) else []
        pair_id = ids[-1] if ids else None
        items.append(HeldOutItem(f"pair {pair_id}" if pair_id is not None else f"line {number}",
                                 pair_id, system, str(messages[users[-1]].get("content") or ""),
                                 str(messages[users[-1] + 1].get("content") or "")))
        example += 1
    return items
