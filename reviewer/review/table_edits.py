"""Turning Review-table edits into version-checked pair updates (no Streamlit here).

The data editor reports edits by *row position* in the table it was given. The page keeps
the pair ids and versions of the rows it rendered, and this module maps one onto the other,
so the translation is a plain function that tests can exercise without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from .statuses import PAIR_STATUSES
from .store import EDITABLE_FIELDS, update_pair


@dataclass(frozen=True)
class Change:
    """Edits to one pair, to apply only if it is still at ``expected_version``."""

    pair_id: int
    expected_version: int
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    change: Change
    result: str  # ok | conflict | missing | unchanged | invalid
    message: str = ""


def _clean_value(column: str, value: Any) -> Any:
    if column == "status":
        return value if value in PAIR_STATUSES else None
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a cleared cell
        return ""
    return str(value)


def edits_to_changes(
    row_ids: Sequence[int], versions: Sequence[int], editor_state: Mapping[str, Any] | None
) -> list[Change]:
    """Map ``editor_state["edited_rows"]`` ({position: {column: value}}) to `Change` objects.

    ``row_ids`` and ``versions`` are the ids and versions of the rows the editor was given,
    in order. Positions outside them, columns that are not editable and invalid statuses are
    ignored; added and deleted rows are ignored too (the table has a fixed row count).
    """
    if not editor_state:
        return []
    edited = editor_state.get("edited_rows") or {}
    changes: list[Change] = []
    for raw_position in sorted(edited, key=lambda p: int(p)):
        try:
            position = int(raw_position)
        except (TypeError, ValueError):
            continue
        if not 0 <= position < min(len(row_ids), len(versions)):
            continue
        fields: dict[str, Any] = {}
        for column, value in (edited[raw_position] or {}).items():
            if column not in EDITABLE_FIELDS:
                continue
            cleaned = _clean_value(column, value)
            if cleaned is None:
                continue
            fields[column] = cleaned
        if fields:
            changes.append(Change(int(row_ids[position]), int(versions[position]), fields))
    return changes


def form_change(pair_id: int, version: int, values: Mapping[str, Any]) -> Change:
    """The side editor's values (status and text fields, as submitted) for a pair that was
    shown at ``version``, as one `Change`; fields it does not know are ignored."""
    fields: dict[str, Any] = {}
    for column in EDITABLE_FIELDS:
        if column in values:
            cleaned = _clean_value(column, values[column])
            if cleaned is not None:
                fields[column] = cleaned
    return Change(int(pair_id), int(version), fields)


def apply_changes(db: Database, changes: Sequence[Change], *, who: str) -> list[Outcome]:
    """Apply each change with `update_pair`; one outcome per change, never raises for bad
    values (they come back as ``invalid``)."""
    outcomes: list[Outcome] = []
    for change in changes:
        try:
            result = update_pair(
                db, change.pair_id, change.fields,
                expected_version=change.expected_version, who=who,
            )
        except ValueError as exc:
            outcomes.append(Outcome(change, "invalid", str(exc)))
            continue
        outcomes.append(Outcome(change, result))
    return outcomes


def describe(outcome: Outcome, shown_in: str = "table") -> str:
    """A short human sentence for a toast or notice; ``shown_in`` names where the current
    row is shown again after a conflict."""
    pid = outcome.change.pair_id
    match outcome.result:
        case "ok":
            return f"Saved pair {pid}."
        case "unchanged":
            return f"Pair {pid}: nothing changed."
        case "conflict":
            return (f"Pair {pid} was changed by someone else since this page loaded; "
                    f"your edit was not applied. The {shown_in} now shows the current row.")
        case "missing":
            return f"Pair {pid} no longer exists; your edit was not applied."
        case _:
            return f"Pair {pid}: edit refused ({outcome.message})."


__all__ = ["Change", "Outcome", "apply_changes", "describe", "edits_to_changes", "form_change"]
