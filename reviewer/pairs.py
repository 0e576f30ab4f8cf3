"""Reading and changing reviewed pairs: the store behind the Review page and `reviewer status`.

A page is read in two steps: the ids of the page first, skipping earlier matches over a
narrow structure (the ``(status, id)`` or id-only index, or the ``pairs_fts`` trigram index
in rowid order), then the full rows of just those ids. So the last page of 100,000 pairs
costs about what the first does. Text search goes through ``pairs_fts`` (migration m002) for
terms of three or more characters and falls back to ``LIKE`` for shorter ones.

Counting search matches is capped (`count_matches`): past the cap the Review page pages
through windows of matches, each starting after the id where the previous one ended
(keyset), so neither the count nor any page has to walk every match.

Changes are version-checked (optimistic locking), logged to ``events`` in the same
transaction, and never hard-delete: status ``deleted`` is a soft delete that any other status
restores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

# How many matches a search counts before it says "more than".
COUNT_CAP = 10_000

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


def _term(search: str | None) -> str:
    return (search or "").strip()


def _match_ids_sql(
    status: str | None, search: str | None, after_id: int, before_id: int | None
) -> tuple[str, list[Any]]:
    """``SELECT id … ORDER BY id`` of the matches with ``after_id < id < before_id``
    through the narrowest structure for the filter; no LIMIT yet."""
    term = _term(search)
    upper = [int(before_id)] if before_id is not None else []
    if len(term) >= 3:  # full-text: walk the trigram index in rowid order
        bound = " AND f.rowid < ?" if upper else ""
        if status and status != ALL:
            return ("SELECT f.rowid AS id FROM pairs_fts f JOIN pairs p ON p.id = f.rowid"
                    f" WHERE pairs_fts MATCH ? AND p.status = ? AND f.rowid > ?{bound}"
                    " ORDER BY f.rowid", [_fts_phrase(term), status, int(after_id), *upper])
        return (f"SELECT f.rowid AS id FROM pairs_fts f WHERE pairs_fts MATCH ?"
                f" AND f.rowid > ?{bound} ORDER BY f.rowid",
                [_fts_phrase(term), int(after_id), *upper])
    where, params = _where(status, search)
    where = f"{where} {'AND' if where else 'WHERE'} id > ?" + (" AND id < ?" if upper else "")
    return f"SELECT id FROM pairs {where} ORDER BY id", [*params, int(after_id), *upper]


def page_ids(
    db: Database, *, status: str | None, search: str | None, offset: int, limit: int,
    after_id: int = 0, before_id: int | None = None,
) -> list[int]:
    """Ids of one page of matches with ``after_id < id < before_id``, in id order."""
    sql, params = _match_ids_sql(status, search, after_id, before_id)
    rows = db.execute(f"{sql} LIMIT ? OFFSET ?",
                      [*params, max(0, int(limit)), max(0, int(offset))]).fetchall()
    return [int(r[0]) for r in rows]


def page_of_pairs(
    db: Database, *, status: str | None, search: str | None, offset: int, limit: int,
    after_id: int = 0, before_id: int | None = None,
) -> list[dict]:
    """One page of pairs matching the filter, ordered by id.

    ``status`` None or ``"all"`` means every status (deleted included); ``search`` is a
    case-insensitive substring looked up in system, question and answer. ``offset`` counts
    matches inside the window ``after_id < id < before_id`` (default: everything).
    """
    ids = page_ids(db, status=status, search=search, offset=offset, limit=limit,
                   after_id=after_id, before_id=before_id)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    return _rows(db, f"SELECT {PAGE_COLUMNS} FROM pairs WHERE id IN ({marks}) ORDER BY id",
                 ids)


@dataclass(frozen=True)
class Window:
    """A stretch of matches the Review page pages through: ids in ``(after_id, before_id)``.

    ``matches`` is exact for the stretch. ``more`` says the search stopped looking at
    ``before_id``: further matches may follow, in the window starting there (`next`).
    """

    after_id: int
    before_id: int | None
    matches: int
    more: bool

    def label(self) -> str:
        return f"{self.matches:,}+" if self.more else f"{self.matches:,}"

    def next(self) -> int | None:
        """``after_id`` of the following window (None when this one reaches the end)."""
        return self.before_id - 1 if self.more and self.before_id is not None else None


def _candidates_sql(status: str | None, term: str, after_id: int) -> tuple[str, list[Any]]:
    """Rows a search visits in id order, each with ``m`` = 1 when it matches the filter."""
    if len(term) >= 3:
        if status and status != ALL:
            return ("SELECT f.rowid AS id, (p.status = ?) AS m FROM pairs_fts f"
                    " JOIN pairs p ON p.id = f.rowid WHERE pairs_fts MATCH ? AND f.rowid > ?"
                    " ORDER BY f.rowid", [status, _fts_phrase(term), int(after_id)])
        return ("SELECT f.rowid AS id, 1 AS m FROM pairs_fts f WHERE pairs_fts MATCH ?"
                " AND f.rowid > ? ORDER BY f.rowid", [_fts_phrase(term), int(after_id)])
    where, params = _where(status, None)
    where = f"{where} {'AND' if where else 'WHERE'} id > ?"
    pattern = _like_pattern(term)
    hit = ("(system LIKE ? ESCAPE '\\' OR question LIKE ? ESCAPE '\\'"
           " OR answer LIKE ? ESCAPE '\\')")
    return (f"SELECT id, {hit} AS m FROM pairs {where} ORDER BY id",
            [pattern, pattern, pattern, *params, int(after_id)])


def match_window(
    db: Database, *, status: str | None, search: str | None, after_id: int = 0,
    cap: int | None = None,
) -> Window:
    """The window of matches starting after ``after_id`` and how many it holds.

    Without a search the per-status counts answer at no cost and the window is everything.
    A search looks at no more than ``cap`` (default `COUNT_CAP`) candidate rows — full-text
    hits, or rows of the status for short terms — in one pass; if more exist, the window
    ends before the next one and its count reads "N+".
    """
    cap = COUNT_CAP if cap is None else max(1, int(cap))
    term = _term(search)
    if not term and not after_id:
        counts = status_counts(db)
        n = sum(counts.values()) if not status or status == ALL else counts.get(status, 0)
        return Window(0, None, n, False)
    if not term:
        sql, params = _match_ids_sql(status, None, after_id, None)
        n = int(db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
        return Window(int(after_id), None, n, False)
    sql, params = _candidates_sql(status, term, after_id)
    # One pass over at most cap + 1 candidates. SQLite takes the bare column `m` from the
    # row holding max(id), i.e. the first candidate past the window when there are more.
    seen, last, last_m, hits = db.execute(
        f"SELECT count(*), max(id), m, total(m) FROM ({sql} LIMIT ?)", [*params, cap + 1]
    ).fetchone()
    if seen > cap:
        return Window(int(after_id), int(last), int(hits) - int(last_m or 0), True)
    return Window(int(after_id), None, int(hits), False)


def count_pairs(db: Database, *, status, search) -> int:
    """Exact number of matches (walks them all with a search; see `count_matches`)."""
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
