"""How reviewers treated what each prompt version produced: the figures that say whether a
new prompt is better than the last.

Per version, over its pairs that a re-split did not supersede: how many were approved
unchanged, edited (text changed, then approved), rejected, deleted or still pending; shares
are of the reviewed pairs (all but pending). The edit size of an edited pair is its
character edit distance to the model's original text (system, question and answer joined)
divided by the longer of the two, taken from the alignment `difflib` finds (an upper bound
on the Levenshtein distance, in linear-ish time on long answers). The original text is the
pair's ``create`` event; which fields were edited counts pairs of any status whose field
differs from the original. Pairs with no prompt version (rules splitter, imports, manual)
form one group of their own for comparison.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field

from sqlite_utils import Database

from ..review.statuses import APPROVED, DELETED, PENDING, REJECTED
from .versions import list_versions

TEXT_FIELDS = ("system", "question", "answer")
NO_VERSION = "no prompt (rules, import, manual)"


def edit_distance(a: str, b: str) -> int:
    """Characters inserted, deleted or replaced to turn ``a`` into ``b`` (difflib's
    alignment; equal to Levenshtein on most edits, never below it)."""
    if a == b:
        return 0
    # A common start and end never count; most edits touch a small middle.
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start:len(a) - end], b[start:len(b) - end]
    if not a or not b:
        return max(len(a), len(b))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
               if tag != "equal")


def edit_ratio(original: dict[str, str], current: dict[str, str]) -> float:
    """Edit distance over the three fields, relative to the longer text (0 = unchanged)."""
    before = "\n".join(original.get(f, "") for f in TEXT_FIELDS)
    after = "\n".join(current.get(f, "") for f in TEXT_FIELDS)
    longest = max(len(before), len(after))
    return edit_distance(before, after) / longest if longest else 0.0


@dataclass
class VersionStats:
    """What reviewers did with one prompt version's pairs."""

    version_id: int | None
    name: str
    model: str = ""
    pairs: int = 0
    pending: int = 0
    approved_unchanged: int = 0
    edited: int = 0
    rejected: int = 0
    deleted: int = 0
    edit_ratios: list[float] = field(default_factory=list, repr=False)
    fields_edited: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TEXT_FIELDS, 0))

    @property
    def reviewed(self) -> int:
        return self.pairs - self.pending

    def share(self, n: int) -> float | None:
        return n / self.reviewed if self.reviewed else None

    @property
    def mean_edit_ratio(self) -> float | None:
        return sum(self.edit_ratios) / len(self.edit_ratios) if self.edit_ratios else None

    def most_edited(self) -> list[str]:
        """Fields by how many pairs had them edited, most first (only edited ones)."""
        return [f for f, n in sorted(self.fields_edited.items(), key=lambda kv: -kv[1]) if n]

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("edit_ratios")
        data.update(reviewed=self.reviewed, mean_edit_ratio=self.mean_edit_ratio,
                    most_edited=self.most_edited(),
                    share_approved_unchanged=self.share(self.approved_unchanged),
                    share_edited=self.share(self.edited), share_rejected=self.share(self.rejected),
                    share_deleted=self.share(self.deleted))
        return data


def _original(raw: str | None) -> dict[str, str] | None:
    try:
        value = json.loads(raw or "")
    except ValueError:
        return None
    return {f: str(value.get(f) or "") for f in TEXT_FIELDS} if isinstance(value, dict) else None


def _tally(stats: VersionStats, status: str, n: int = 1, *, changed: bool = False) -> None:
    stats.pairs += n
    if status == PENDING:
        stats.pending += n
    elif status == REJECTED:
        stats.rejected += n
    elif status == DELETED:
        stats.deleted += n
    elif status == APPROVED and changed:
        stats.edited += n
    elif status == APPROVED:
        stats.approved_unchanged += n


def version_stats(db: Database, *, include_unversioned: bool = True) -> list[VersionStats]:
    """One entry per prompt version that produced pairs (newest first), then the pairs
    without a version when ``include_unversioned``."""
    names = {v.id: v.name() for v in list_versions(db)}
    groups: dict[int | None, VersionStats] = {}
    models: dict[int | None, set[str]] = {}
    only = "" if include_unversioned else " AND prompt_version_id IS NOT NULL"

    def group(version_id: int | None, model: str | None) -> VersionStats:
        key = None if version_id is None else int(version_id)
        if model:
            models.setdefault(key, set()).add(model)
        if key not in groups:
            groups[key] = VersionStats(
                key, names.get(key, f"version {key}") if key is not None else NO_VERSION)
        return groups[key]

    # Version 1 is a pair as created (a supersede bumps the version too): counted in SQL.
    for version_id, model, status, n in db.execute(
            "SELECT prompt_version_id, model, status, count(*) FROM pairs WHERE version = 1"
            f"{only} GROUP BY 1, 2, 3").fetchall():
        _tally(group(version_id, model), status, int(n))
    # Changed pairs: compared with the text their create event recorded.
    rows = db.execute(
        "SELECT p.prompt_version_id, p.model, p.status, p.system, p.question, p.answer,"
        " (SELECT new FROM events WHERE pair_id = p.id AND action = 'create'"
        "  ORDER BY id LIMIT 1),"
        " p.touched = 0 AND p.status = 'deleted' AND EXISTS (SELECT 1 FROM events"
        "  WHERE pair_id = p.id AND action = 'supersede')"
        f" FROM pairs p WHERE p.version > 1{only}").fetchall()
    for version_id, model, status, system, question, answer, created, superseded in rows:
        if superseded:
            continue  # replaced by a re-split before anyone reviewed it
        stats = group(version_id, model)
        current = {"system": system or "", "question": question or "", "answer": answer or ""}
        original = _original(created)
        changed = [f for f in TEXT_FIELDS if original is not None and original[f] != current[f]]
        for name in changed:
            stats.fields_edited[name] += 1
        _tally(stats, status, changed=bool(changed))
        if status == APPROVED and changed:
            assert original is not None
            stats.edit_ratios.append(edit_ratio(original, current))
    for key, stats in groups.items():
        stats.model = ", ".join(sorted(models.get(key, ())))
    versioned = sorted((s for k, s in groups.items() if k is not None),
                       key=lambda s: -(s.version_id or 0))
    return versioned + ([groups[None]] if None in groups else [])
