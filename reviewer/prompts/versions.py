"""Prompt versions: the full system text and few-shot set an LLM split sent, stored once.

A version is identified by the hash of what the model reads (the wording's base version,
the system text and the few-shot messages), so running the same prompt again finds the same
row, and any change to the wording or the examples makes a new one. Pairs point to the
version that produced them (``pairs.prompt_version_id``).

Pairs from the rules splitter, imports and reviewers record no version (NULL): the rules
splitter has no prompt, and its own version is its code, named by ``pairs.origin``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from ..db import now_iso
from ..splitting.prompt import PROMPT_VERSION


@dataclass(frozen=True)
class PromptVersion:
    id: int
    hash: str
    base: str
    label: str
    system_text: str
    few_shot: list[dict]
    examples: int
    created_at: str

    @property
    def short_hash(self) -> str:
        return self.hash[:10]

    def name(self) -> str:
        """How the version is shown: its label, else base and short hash."""
        return self.label or f"{self.base} {self.short_hash}"


def prompt_hash(system_text: str, few_shot: Sequence[dict], base: str = PROMPT_VERSION) -> str:
    """sha256 of what the model reads: base version, system text, few-shot messages."""
    canonical = json.dumps({"base": base, "system": system_text, "few_shot": list(few_shot)},
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def split_prefix_parts(prefix: Sequence[dict]) -> tuple[str, list[dict]]:
    """The system text and the few-shot messages of a prompt prefix (system message first)."""
    if not prefix or prefix[0].get("role") != "system":
        raise ValueError("a prompt prefix starts with its system message")
    return str(prefix[0]["content"]), [dict(m) for m in prefix[1:]]


def record_version(db: Database, system_text: str, few_shot: Sequence[dict], *,
                   label: str | None = None, base: str = PROMPT_VERSION) -> int:
    """The id of the version with this content, stored first if it is new. A ``label``
    given for a version already stored is kept only if it had none."""
    digest = prompt_hash(system_text, few_shot, base)
    row = db.execute("SELECT id, label FROM prompt_versions WHERE hash = ?",
                     [digest]).fetchone()
    if row is not None:
        if label and not row[1]:
            db.execute("UPDATE prompt_versions SET label = ? WHERE id = ?", [label, row[0]])
        return int(row[0])
    examples = sum(1 for m in few_shot if m.get("role") == "user")
    cursor = db.execute(
        "INSERT INTO prompt_versions (hash, base, label, system_text, few_shot, examples,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING",
        [digest, base, label or "", system_text,
         json.dumps(list(few_shot), ensure_ascii=False), examples, now_iso()])
    if cursor.rowcount:
        return int(cursor.lastrowid or 0)
    # Another process stored the same content between our read and our write.
    return int(db.execute("SELECT id FROM prompt_versions WHERE hash = ?",
                          [digest]).fetchone()[0])


def set_label(db: Database, version_id: int, label: str) -> bool:
    """Name a version (e.g. "v3: Korean greetings example"); False if it does not exist."""
    cursor = db.execute("UPDATE prompt_versions SET label = ? WHERE id = ?",
                        [" ".join(label.split()), int(version_id)])
    return bool(cursor.rowcount)


def _version(row: Sequence) -> PromptVersion:
    return PromptVersion(int(row[0]), row[1], row[2] or "", row[3] or "", row[4],
                         json.loads(row[5] or "[]"), int(row[6] or 0), row[7])


_COLUMNS = "id, hash, base, label, system_text, few_shot, examples, created_at"


def list_versions(db: Database) -> list[PromptVersion]:
    """Every stored version, newest first."""
    return [_version(r) for r in db.execute(
        f"SELECT {_COLUMNS} FROM prompt_versions ORDER BY id DESC").fetchall()]


def get_version(db: Database, version_id: int) -> PromptVersion | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM prompt_versions WHERE id = ?",
                     [int(version_id)]).fetchone()
    return _version(row) if row else None
