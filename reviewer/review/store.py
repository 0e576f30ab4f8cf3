"""The pairs store: every read and write of ``pairs`` and of the ``events`` that record them.

Nothing else in the app writes these two tables. Each change is version-checked (optimistic
locking), logged to ``events`` in the same transaction, and never hard-deletes: status
``deleted`` is a soft delete that any other status restores.

Pages are read in two steps: the ids of the page first, skipping earlier matches over a
narrow structure (the ``(status, id)`` or id-only index, or the ``pairs_fts`` trigram index
in rowid order), then the full rows of just those ids, so the last page of 100,000 pairs
costs about what the first does. Counting a search is capped (`match_window`): past the cap
the Review page pages through windows of matches, each starting where the last one ended.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..db import now_iso
from ..models import normalise_text
from .filters import PairFilter
from .statuses import APPROVED, DELETED, PAIR_STATUSES, PENDING, SPLIT_STATUSES

EDITABLE_FIELDS: tuple[str, ...] = ("status", "system", "question", "answer")
TEXT_FIELDS: tuple[str, ...] = ("system", "question", "answer")

PAGE_COLUMNS = (
    "id, conversation_id, position, status, system, question, answer, origin, version, "
    "updated_at, updated_by"
)

# How many matches a search counts before it says "more than".
COUNT_CAP = 10_000

# Results of update_pair.
OK, CONFLICT, MISSING, UNCHANGED = "ok", "conflict", "missing", "unchanged"

_EVENT_SQL = (
    "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new, run_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# ---- counts ----------------------------------------------------------------------------------

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
        key = status or SPLIT_STATUSES[0]
        counts[key] = counts.get(key, 0) + n
    return counts


def count(db: Database, where: PairFilter) -> int:
    """Exact number of matches (walks them all with a search; see `match_window`)."""
    sql, params = where.where()
    return int(db.execute(f"SELECT count(*) FROM pairs {sql}", params).fetchone()[0])


def count_by_status(db: Database, where: PairFilter) -> dict[str, int]:
    """Matches per status (only statuses with at least one match)."""
    sql, params = where.where()
    rows = db.execute(f"SELECT status, count(*) FROM pairs {sql} GROUP BY status", params)
    return {status: int(n) for status, n in rows.fetchall()}


# ---- pages and windows -----------------------------------------------------------------------

def page_ids(db: Database, where: PairFilter, *, offset: int, limit: int, after_id: int = 0,
             before_id: int | None = None) -> list[int]:
    """Ids of one page of matches with ``after_id < id < before_id``, in id order."""
    sql, params = where.ids_sql(after_id, before_id)
    rows = db.execute(f"{sql} LIMIT ? OFFSET ?",
                      [*params, max(0, int(limit)), max(0, int(offset))]).fetchall()
    return [int(r[0]) for r in rows]


def page(db: Database, where: PairFilter, *, offset: int, limit: int, after_id: int = 0,
         before_id: int | None = None) -> list[dict]:
    """One page of matching pairs, ordered by id; ``offset`` counts matches inside the window
    ``after_id < id < before_id`` (default: everything)."""
    ids = page_ids(db, where, offset=offset, limit=limit, after_id=after_id,
                   before_id=before_id)
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


def match_window(db: Database, where: PairFilter, *, after_id: int = 0,
                 cap: int | None = None) -> Window:
    """The window of matches starting after ``after_id`` and how many it holds.

    Without a search the per-status counts answer at no cost and the window is everything.
    A search looks at no more than ``cap`` (default `COUNT_CAP`) candidate rows in one pass;
    if more exist, the window ends before the next one and its count reads "N+".
    """
    cap = COUNT_CAP if cap is None else max(1, int(cap))
    if not where.search and not after_id and where.max_id is None:
        counts = status_counts(db)
        n = (sum(counts.values()) if where.every_status
             else sum(counts.get(s, 0) for s in where.statuses))
        return Window(0, None, n, False)
    if not where.search:
        sql, params = where.ids_sql(after_id)
        n = int(db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
        return Window(int(after_id), None, n, False)
    sql, params = where.candidates_sql(after_id)
    # One pass over at most cap + 1 candidates. SQLite takes the bare column `m` from the
    # row holding max(id), i.e. the first candidate past the window when there are more.
    seen, last, last_m, hits = db.execute(
        f"SELECT count(*), max(id), m, total(m) FROM ({sql} LIMIT ?)", [*params, cap + 1]
    ).fetchone()
    if seen > cap:
        return Window(int(after_id), int(last), int(hits) - int(last_m or 0), True)
    return Window(int(after_id), None, int(hits), False)


def position_of(db: Database, pair_id: int, where: PairFilter,
                page_size: int = 50) -> tuple[int, int] | None:
    """Where a pair sits in the filtered list: ``(page index from 0, row index in page)``,
    or None when it does not exist or does not match."""
    sql, params = where.where_and("id = ?", [int(pair_id)])
    if db.execute(f"SELECT 1 FROM pairs {sql}", params).fetchone() is None:
        return None
    sql, params = where.where_and("id < ?", [int(pair_id)])
    before = int(db.execute(f"SELECT count(*) FROM pairs {sql}", params).fetchone()[0])
    size = max(1, int(page_size))
    return before // size, before % size


# ---- single rows -----------------------------------------------------------------------------

def get_pair(db: Database, pair_id: int) -> dict | None:
    rows = _rows(db, "SELECT * FROM pairs WHERE id = ?", [int(pair_id)])
    return rows[0] if rows else None


def get_conversation(db: Database, conversation_id: str) -> dict | None:
    rows = _rows(db, "SELECT * FROM conversations WHERE id = ?", [conversation_id])
    return rows[0] if rows else None


def pairs_of_conversation(db: Database, conversation_id: str) -> list[dict]:
    return _rows(db, "SELECT * FROM pairs WHERE conversation_id = ? ORDER BY position, id",
                 [conversation_id])


# ---- creating --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NewPair:
    """A pair to create: from a split, an imported dataset, or a reviewer."""

    conversation_id: str
    system: str
    question: str
    answer: str
    position: int = 0
    status: str = PENDING
    origin: str = "manual"


def add_pairs(db: Database, new: Iterable[NewPair], *, who: str,
              run_id: int | None = None) -> list[int]:
    """Create pairs, one ``create`` event each; returns their ids. Runs in one transaction
    (or inside the caller's)."""
    ids: list[int] = []
    with db.atomic():
        _insert_pairs(db, list(new), who=who, run_id=run_id, ids=ids)
    return ids


def _insert_pairs(db: Database, new: list[NewPair], *, who: str, run_id: int | None,
                  ids: list[int]) -> None:
    at = now_iso()
    conn = db.conn
    events = []
    for pair in new:
        if pair.status not in PAIR_STATUSES:
            raise ValueError(f"unknown status {pair.status!r}")
        cursor = conn.execute(
            "INSERT INTO pairs (conversation_id, position, system, question, answer, status,"
            " origin, created_at, updated_at, updated_by, version, touched)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            [pair.conversation_id, pair.position, pair.system, pair.question, pair.answer,
             pair.status, pair.origin, at, at, who, int(pair.status != PENDING)])
        pair_id = int(cursor.lastrowid or 0)
        ids.append(pair_id)
        events.append([at, who, pair_id, pair.conversation_id, "create", None, None,
                       json.dumps({"system": pair.system, "question": pair.question,
                                   "answer": pair.answer, "status": pair.status},
                                  ensure_ascii=False), run_id])
    db.conn.executemany(_EVENT_SQL, events)


@dataclass
class SplitWrite:
    """What storing one conversation's new split did to its pairs."""

    created: int = 0
    kept: int = 0
    superseded: int = 0
    skipped_as_reviewed: int = 0
    ids: list[int] = field(default_factory=list)


def replace_split_pairs(db: Database, conversation_id: str, new: Sequence[NewPair], *,
                        who: str, run_id: int | None = None) -> SplitWrite:
    """Store a (re-)split of one conversation. Call inside the caller's transaction.

    Pairs no reviewer touched are superseded (soft-deleted, logged); pairs a reviewer
    approved, edited, rejected or deleted are kept, and a new pair whose question matches
    one the reviewer holds a version of is not added: the reviewer's version wins.
    """
    outcome = SplitWrite()
    at = now_iso()
    existing = db.execute(
        "SELECT id, question, status, touched FROM pairs "
        "WHERE conversation_id = ? AND (status != ? OR touched = 1)",
        [conversation_id, DELETED]).fetchall()
    kept: set[str] = set()
    events: list[list[Any]] = []
    for pair_id, question, status, touched in existing:
        superseded = False
        if not touched:
            cursor = db.execute(
                "UPDATE pairs SET status = ?, version = version + 1, updated_at = ?, "
                "updated_by = ? WHERE id = ? AND touched = 0 AND status != ?",
                [DELETED, at, who, pair_id, DELETED])
            superseded = cursor.rowcount == 1
        if superseded:
            outcome.superseded += 1
            events.append([at, who, pair_id, conversation_id, "supersede", "status", status,
                           DELETED, run_id])
        else:
            outcome.kept += 1
            kept.add(normalise_text(question or ""))
    fresh: list[NewPair] = []
    for pair in new:
        key = normalise_text(pair.question)
        if key in kept:
            outcome.skipped_as_reviewed += 1
            continue
        kept.add(key)
        fresh.append(pair)
    db.conn.executemany(_EVENT_SQL, events)
    _insert_pairs(db, fresh, who=who, run_id=run_id, ids=outcome.ids)
    outcome.created = len(fresh)
    return outcome


# ---- changing --------------------------------------------------------------------------------

def _check_changes(changes: Mapping[str, Any]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"field {name!r} cannot be edited")
        if name == "status":
            if value not in PAIR_STATUSES:
                raise ValueError(f"unknown status {value!r}")
            clean[name] = value
        else:
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f"{name} must be text, not {type(value).__name__}")
            clean[name] = value
    return clean


def update_pair(db: Database, pair_id: int, changes: Mapping[str, Any], *,
                expected_version: int, who: str, action: str | None = None) -> str:
    """Apply ``changes`` (status/system/question/answer) if the row is still at
    ``expected_version``.

    Returns ``"ok"`` (applied, version bumped, one event per changed field), ``"unchanged"``
    (values already equal), ``"conflict"`` (someone changed the row since it was read;
    nothing applied) or ``"missing"``. ``action`` overrides the event name (e.g. ``undo``,
    ``restore``). Raises ValueError for fields that cannot be edited or an unknown status.
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
        db.conn.executemany(_EVENT_SQL, [
            [at, who, int(pair_id), row["conversation_id"],
             action or ("status" if f == "status" else "edit"), f, row[f], v, None]
            for f, v in diff.items()
        ])
    return OK


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk status change would do, fixed when the reviewer is asked to confirm.

    ``where`` is bounded to the pairs that existed at that moment (``max_id``), so pairs a
    split adds meanwhile are never swept in; ``by_status`` counts the pairs that would
    change, per current status.
    """

    where: PairFilter
    new_status: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def describe(self) -> str:
        parts = [f"{n:,} {status}" for status, n in sorted(self.by_status.items())]
        return ", ".join(parts) if parts else "nothing"


def preview_bulk(db: Database, where: PairFilter, new_status: str) -> BulkPreview:
    if new_status not in PAIR_STATUSES:
        raise ValueError(f"unknown status {new_status!r}")
    max_id = int(db.execute("SELECT coalesce(max(id), 0) FROM pairs").fetchone()[0])
    if where.max_id is not None:
        max_id = min(max_id, where.max_id)
    bounded = where.with_max_id(max_id)
    sql, params = bounded.where_and("status != ?", [new_status])
    rows = db.execute(f"SELECT status, count(*) FROM pairs {sql} GROUP BY status", params)
    return BulkPreview(bounded, new_status, {s: int(n) for s, n in rows.fetchall()})


def bulk_set_status(db: Database, where: PairFilter, new_status: str, *, who: str) -> int:
    """Set ``new_status`` on every pair matching ``where``; returns how many changed.

    Pairs already at ``new_status`` are left alone. Each changed pair gets a version bump,
    ``touched = 1`` and one ``status`` event, all in one transaction.
    """
    if new_status not in PAIR_STATUSES:
        raise ValueError(f"unknown status {new_status!r}")
    sql, params = where.where_and("status != ?", [new_status])
    at = now_iso()
    with db.atomic():
        db.execute(
            "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new)"
            f" SELECT ?, ?, id, conversation_id, 'status', 'status', status, ? FROM pairs {sql}",
            [at, who, new_status, *params],
        )
        changed = db.execute(
            f"UPDATE pairs SET status = ?, version = version + 1, updated_at = ?,"
            f" updated_by = ?, touched = 1 {sql}",
            [new_status, at, who, *params],
        ).rowcount
    return int(changed)


# ---- export ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ApprovedPair:
    id: int
    conversation_id: str
    position: int
    system: str
    question: str
    answer: str


def iter_approved(db: Database) -> Iterator[ApprovedPair]:
    """Every approved pair in a stable order (conversation, position, id), streamed."""
    for row in db.query(
        "SELECT id, conversation_id, position, system, question, answer FROM pairs"
        " WHERE status = ? ORDER BY conversation_id, position, id", [APPROVED]
    ):
        yield ApprovedPair(
            id=int(row["id"]),
            conversation_id=row["conversation_id"],
            position=int(row["position"] or 0),
            system=row["system"] or "",
            question=row["question"] or "",
            answer=row["answer"] or "",
        )


def count_approved(db: Database) -> int:
    return status_counts(db).get(APPROVED, 0)


def approved_fingerprint(db: Database) -> str:
    """Changes whenever the approved set or an approved pair's text changes: a report built
    from the approved pairs is stale once this differs from the value it was built with.

    Every such change writes an event (approval, un-approval, edit, restore), so the newest
    event id plus the approved count is enough; it costs two index lookups.
    """
    last_event = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    return f"{count_approved(db)}:{last_event}"


# ---- history ---------------------------------------------------------------------------------

def record_event(db: Database, *, who: str, action: str, pair_id: int | None = None,
                 conversation_id: str | None = None, field: str | None = None,
                 old: Any = None, new: Any = None, run_id: int | None = None) -> None:
    """Append one event about a pair. Call inside the transaction of the change it logs."""
    db.execute(_EVENT_SQL, [now_iso(), who, pair_id, conversation_id, action, field,
                            _as_text(old), _as_text(new), run_id])


def history(db: Database, pair_id: int) -> list[dict]:
    """Every event of one pair, oldest first."""
    return _rows(db, "SELECT * FROM events WHERE pair_id = ? ORDER BY id", [int(pair_id)])

