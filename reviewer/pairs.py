"""Reading and changing reviewed pairs: the store behind the Review page and `reviewer status`.

Every query that feeds a page reads one page of rows through the ``(status, id)`` index
(``LIMIT/OFFSET``), so the Review page costs the same with 1,000 or 100,000 pairs. Text
search goes through the ``pairs_fts`` trigram index (migration m002) for terms of three or
more characters, and falls back to ``LIKE`` for shorter ones.

Changes are version-checked (optimistic locking), logged to ``events`` in the same
transaction, and never hard-delete: status ``deleted`` is a soft delete that any other status
restores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from .db import now_iso
from .models import PAIR_STATUSES

EDITABLE_FIELDS: tuple[str, ...] = ("status", "system", "question", "answer")
TEXT_FIELDS: tuple[str, ...] = ("system", "question", "answer")
SPLIT_STATUSES: tuple[str, ...] = ("pending", "split", "failed")
ALL = "all"

PAGE_COLUMNS = (
    "id, conversation_id, position, status, system, question, answer, origin, version, "
    "updated_at, updated_by"
)

# Results returned by update_pair.
OK, CONFLICT, MISSING, UNCHANGED = "ok", "conflict", "missing", "unchanged"


def status_counts(db: Database) -> dict[str, int]:
    """Pairs per status; every status in PAIR_STATUSES is present (0 when none)."""
    counts = dict.fromkeys(PAIR_STATUSES, 0)
    # Kept up to date by triggers (migration m003): constant time whatever the table size.
    for status, n in db.execute("SELECT status, n FROM pair_status_counts").fetchall():
        if n or status in counts:
            counts[status] = counts.get(status, 0) + n
    return counts


def conversation_counts(db: Database) -> dict[str, int]:
    """Conversations per split status (pending, split, failed always present)."""
    counts = dict.fromkeys(SPLIT_STATUSES, 0)
    rows = db.execute(
        "SELECT split_status, count(*) FROM conversations GROUP BY split_status"
    ).fetchall()
    for status, n in rows:
        counts[status or "pending"] = counts.get(status or "pending", 0) + n
    return counts


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(status: str | None, search: str | None) -> tuple[str, list[Any]]:
    """WHERE clause (with leading ``WHERE`` or empty) and its parameters for a filter."""
    clauses: list[str] = []
    params: list[Any] = []
    if status and status != ALL:
        clauses.append("status = ?")
        params.append(status)
    term = (search or "").strip()
    if term:
        if len(term) >= 3:
            clauses.append("id IN (SELECT rowid FROM pairs_fts WHERE pairs_fts MATCH ?)")
            params.append(_fts_phrase(term))
        else:
            pattern = _like_pattern(term)
            clauses.append(
                "(system LIKE ? ESCAPE '\\' OR question LIKE ? ESCAPE '\\'"
                " OR answer LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern, pattern, pattern])
    if not clauses:
        return "", params
    return "WHERE " + " AND ".join(clauses), params


def _rows(db: Database, sql: str, params: list[Any]) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def page_of_pairs(
    db: Database, *, status: str | None, search: str | None, offset: int, limit: int
) -> list[dict]:
    """One page of pairs matching the filter, ordered by id.

    ``status`` None or ``"all"`` means every status (deleted included); ``search`` is a
    case-insensitive substring looked up in system, question and answer.
    """
    where, params = _where(status, search)
    sql = f"SELECT {PAGE_COLUMNS} FROM pairs {where} ORDER BY id LIMIT ? OFFSET ?"
    return _rows(db, sql, [*params, max(0, int(limit)), max(0, int(offset))])


def count_pairs(db: Database, *, status: str | None, search: str | None) -> int:
    where, params = _where(status, search)
    return int(db.execute(f"SELECT count(*) FROM pairs {where}", params).fetchone()[0])


def get_pair(db: Database, pair_id: int) -> dict | None:
    rows = _rows(db, "SELECT * FROM pairs WHERE id = ?", [int(pair_id)])
    return rows[0] if rows else None


def get_conversation(db: Database, conversation_id: str) -> dict | None:
    rows = _rows(db, "SELECT * FROM conversations WHERE id = ?", [conversation_id])
    return rows[0] if rows else None


def pair_position(
    db: Database,
    pair_id: int,
    status: str | None = None,
    search: str | None = None,
    page_size: int = 50,
) -> tuple[int, int] | None:
    """Where a pair sits in the filtered list: ``(page index from 0, row index in page)``.

    None when the pair does not exist or does not match the filter.
    """
    where, params = _where(status, search)
    match_sql = f"SELECT 1 FROM pairs {where} {'AND' if where else 'WHERE'} id = ?"
    if db.execute(match_sql, [*params, int(pair_id)]).fetchone() is None:
        return None
    before_sql = f"SELECT count(*) FROM pairs {where} {'AND' if where else 'WHERE'} id < ?"
    before = int(db.execute(before_sql, [*params, int(pair_id)]).fetchone()[0])
    size = max(1, int(page_size))
    return before // size, before % size


def _check_changes(changes: Mapping[str, Any]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field!r} cannot be edited")
        if field == "status":
            if value not in PAIR_STATUSES:
                raise ValueError(f"unknown status {value!r}")
            clean[field] = value
        else:
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f"{field} must be text, not {type(value).__name__}")
            clean[field] = value
    return clean


def update_pair(
    db: Database, pair_id: int, changes: Mapping[str, Any], *, expected_version: int, who: str
) -> str:
    """Apply ``changes`` (status/system/question/answer) if the row is still at
    ``expected_version``.

    Returns ``"ok"`` (applied, version bumped, one event per changed field),
    ``"unchanged"`` (values already equal), ``"conflict"`` (someone changed the row since it
    was read; nothing applied) or ``"missing"``. Raises ValueError for fields that cannot be
    edited or an unknown status.
    """
    clean = _check_changes(changes)
    with db.atomic():
        # Touch the row first: takes the write lock and checks the version in one step, so a
        # concurrent writer cannot slip in between our read and our write.
        claimed = db.execute(
            "UPDATE pairs SET version = version WHERE id = ? AND version = ?",
            [int(pair_id), int(expected_version)],
        ).rowcount
        if not claimed:
            exists = db.execute("SELECT 1 FROM pairs WHERE id = ?", [int(pair_id)]).fetchone()
            return CONFLICT if exists else MISSING
        row = _rows(db, "SELECT * FROM pairs WHERE id = ?", [int(pair_id)])[0]
        diff = {f: v for f, v in clean.items() if (row[f] or "") != v}
        if not diff:
            return UNCHANGED
        at = now_iso()
        sets = ", ".join(f"{f} = ?" for f in diff)
        db.execute(
            f"UPDATE pairs SET {sets}, version = version + 1, updated_at = ?, updated_by = ?,"
            " touched = 1 WHERE id = ? AND version = ?",
            [*diff.values(), at, who, int(pair_id), int(expected_version)],
        )
        db.conn.executemany(
            "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [at, who, int(pair_id), row["conversation_id"],
                 "status" if f == "status" else "edit", f, row[f], v]
                for f, v in diff.items()
            ],
        )
    return OK


def bulk_set_status(
    db: Database,
    *,
    status_filter: str | None,
    search: str | None,
    new_status: str,
    who: str,
) -> int:
    """Set ``new_status`` on every pair matching the filter; returns how many changed.

    Pairs already at ``new_status`` are left alone. Each changed pair gets a version bump,
    ``touched = 1`` and one ``status`` event, all in one transaction.
    """
    if new_status not in PAIR_STATUSES:
        raise ValueError(f"unknown status {new_status!r}")
    where, params = _where(status_filter, search)
    where = f"{where} {'AND' if where else 'WHERE'} status != ?"
    params = [*params, new_status]
    at = now_iso()
    with db.atomic():
        db.execute(
            "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new)"
            f" SELECT ?, ?, id, conversation_id, 'status', 'status', status, ? FROM pairs {where}",
            [at, who, new_status, *params],
        )
        changed = db.execute(
            f"UPDATE pairs SET status = ?, version = version + 1, updated_at = ?,"
            f" updated_by = ?, touched = 1 {where}",
            [new_status, at, who, *params],
        ).rowcount
    return int(changed)
