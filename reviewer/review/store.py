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
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from ..db import now_iso
from ..models import Turn, normalise_text, turns_from_json
from .filters import PairFilter
from .statuses import APPROVED, DELETED, PAIR_STATUSES, PENDING, REJECTED, SPLIT_STATUSES

EDITABLE_FIELDS: tuple[str, ...] = ("status", "system", "question", "answer")
TEXT_FIELDS: tuple[str, ...] = ("system", "question", "answer")

PAGE_COLUMNS = (
    "id, conversation_id, position, status, system, question, answer, origin, version, "
    "updated_at, updated_by, flags"
)

# How many matches a search counts before it says "more than".
COUNT_CAP = 10_000

# Results of update_pair.
OK, CONFLICT, MISSING, UNCHANGED = "ok", "conflict", "missing", "unchanged"

_EVENT_SQL = (
    "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new, run_id,"
    " version, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
    if not where.search and not after_id and where.max_id is None and not where.narrowing:
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
    """A pair to create: from a split, an imported dataset, or a reviewer.

    ``question_turns`` / ``answer_turns`` are the source turns the texts came from (empty
    when unknown). ``touched`` marks a pair a reviewer already holds (a re-split keeps it);
    by default a pair is touched unless it is pending. ``prompt_version_id`` and ``model``
    name the prompt and model an LLM split used (None for every other origin).
    """

    conversation_id: str
    system: str
    question: str
    answer: str
    position: int = 0
    status: str = PENDING
    origin: str = "manual"
    question_turns: tuple[int, ...] = ()
    answer_turns: tuple[int, ...] = ()
    flags: tuple[dict, ...] = ()
    touched: bool | None = None
    prompt_version_id: int | None = None
    model: str | None = None


def add_pairs(db: Database, new: Iterable[NewPair], *, who: str,
              run_id: int | None = None) -> list[int]:
    """Create pairs, one ``create`` event each; returns their ids. Runs in one transaction
    (or inside the caller's)."""
    ids: list[int] = []
    with db.atomic():
        _insert_pairs(db, list(new), who=who, run_id=run_id, ids=ids)
    return ids


def _turns_json(turns: Sequence[int]) -> str | None:
    return json.dumps([int(t) for t in turns]) if turns else None


def turns_of(value: str | None) -> tuple[int, ...]:
    """A ``question_turns`` / ``answer_turns`` column as a tuple of turn indices."""
    if not value:
        return ()
    try:
        return tuple(int(t) for t in json.loads(value))
    except (ValueError, TypeError):
        return ()


def conversation_turns(db: Database, conversation_id: str) -> list[Turn]:
    row = db.execute("SELECT turns FROM conversations WHERE id = ?",
                     [conversation_id]).fetchone()
    try:
        return turns_from_json(row[0]) if row and row[0] else []
    except (ValueError, KeyError, TypeError):
        return []


def _flags_json(question: str, answer: str, system: str, turns: Sequence[Turn],
                question_turns: Sequence[int], answer_turns: Sequence[int],
                others: Sequence[str]) -> str | None:
    """The risk flags of one pair as stored (JSON list), or None when it has none."""
    from .flags import compute_flags

    if not turns:
        return None
    flags = compute_flags(question, answer, system, turns,
                          question_turns=list(question_turns) or None,
                          answer_turns=list(answer_turns) or None,
                          other_questions=others)
    if not flags:
        return None
    return json.dumps([{"code": f.code, "severity": f.severity, "detail": f.detail}
                       for f in flags], ensure_ascii=False)


def with_provenance_and_flags(db: Database, conversation_id: str,
                              new: Sequence[NewPair], others: Sequence[str] = ()
                              ) -> list[NewPair]:
    """Fill in what a splitter left out: the source turns each text came from (found in the
    conversation when not given, or when the given ones do not hold the text) and the
    pair's risk flags, computed against the conversation."""
    from .flags import provenance_for

    turns = conversation_turns(db, conversation_id)
    if not turns:
        return list(new)
    questions = [p.question for p in new]
    out = []
    for index, pair in enumerate(new):
        siblings = [*others, *questions[:index], *questions[index + 1:]]
        flags = _flags_json(pair.question, pair.answer, pair.system, turns,
                            pair.question_turns, pair.answer_turns, siblings)
        q_turns, a_turns = pair.question_turns, pair.answer_turns
        if not (q_turns and a_turns) or (flags and "provenance_mismatch" in flags):
            found_q, found_a = provenance_for(pair.question, pair.answer, turns)
            q_turns, a_turns = tuple(found_q) or q_turns, tuple(found_a) or a_turns
        decoded = tuple(json.loads(flags)) if flags else ()
        out.append(replace(pair, question_turns=q_turns, answer_turns=a_turns, flags=decoded))
    return out


_PAIR_SQL = (
    "INSERT INTO pairs (conversation_id, position, system, question, answer, status,"
    " origin, created_at, updated_at, updated_by, version, touched, conv_seq,"
    " question_turns, answer_turns, flags, prompt_version_id, model)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?,"
    " coalesce((SELECT rowid FROM conversations WHERE id = ?), 0), ?, ?, ?, ?, ?)"
)


def _pair_params(pair: NewPair, at: str, who: str) -> list[Any]:
    if pair.status not in PAIR_STATUSES:
        raise ValueError(f"unknown status {pair.status!r}")
    touched = pair.status != PENDING if pair.touched is None else pair.touched
    return [pair.conversation_id, pair.position, pair.system, pair.question, pair.answer,
            pair.status, pair.origin, at, at, who, int(touched), pair.conversation_id,
            _turns_json(pair.question_turns), _turns_json(pair.answer_turns),
            json.dumps(list(pair.flags), ensure_ascii=False) if pair.flags else None,
            pair.prompt_version_id, pair.model]


def _create_event(pair: NewPair, pair_id: int, at: str, who: str, run_id: int | None,
                  action: str = "create") -> list[Any]:
    return [at, who, pair_id, pair.conversation_id, action, None, None,
            json.dumps({"system": pair.system, "question": pair.question,
                        "answer": pair.answer, "status": pair.status}, ensure_ascii=False),
            run_id, 1, None]


def _insert_pairs(db: Database, new: list[NewPair], *, who: str, run_id: int | None,
                  ids: list[int], action: str = "create", at: str | None = None) -> None:
    at = at or now_iso()
    conn = db.conn
    events = []
    for pair in new:
        cursor = conn.execute(_PAIR_SQL, _pair_params(pair, at, who))
        pair_id = int(cursor.lastrowid or 0)
        ids.append(pair_id)
        events.append(_create_event(pair, pair_id, at, who, run_id, action))
    conn.executemany(_EVENT_SQL, events)


def add_pairs_in_bulk(db: Database, new: Sequence[NewPair], *, who: str,
                      run_id: int | None = None) -> int:
    """The same rows and ``create`` events as `add_pairs`, written with one statement each
    (imports of many ready pairs); returns how many were created.

    The new ids are the last ``len(new)`` of the table: a rowid is one more than the largest
    so far, and this transaction holds the write lock from the first insert to the events.
    """
    if not new:
        return 0
    at = now_iso()
    with db.atomic():
        db.conn.executemany(_PAIR_SQL, [_pair_params(p, at, who) for p in new])
        last = int(db.execute("SELECT max(id) FROM pairs").fetchone()[0])
        first = last - len(new) + 1
        if db.execute("SELECT count(*) FROM pairs WHERE id >= ?", [first]).fetchone()[0] \
                != len(new):
            raise RuntimeError("new pair ids are not contiguous; nothing was added")
        db.conn.executemany(_EVENT_SQL, [_create_event(p, first + k, at, who, run_id)
                                         for k, p in enumerate(new)])
    return len(new)


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
    approved, edited, rejected, deleted, merged or split are kept, and a new pair that covers
    the same source turns as one of them (or, without provenance, has the same question) is
    not added: the reviewer's version wins.
    """
    outcome = SplitWrite()
    at = now_iso()
    existing = db.execute(
        "SELECT id, question, status, touched, version, question_turns FROM pairs "
        "WHERE conversation_id = ? AND (status != ? OR touched = 1)",
        [conversation_id, DELETED]).fetchall()
    held_questions: set[str] = set()
    held_turns: set[int] = set()
    events: list[list[Any]] = []
    for pair_id, question, status, touched, version, question_turns in existing:
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
                           DELETED, run_id, int(version) + 1, None])
        else:
            outcome.kept += 1
            held_questions.add(normalise_text(question or ""))
            held_turns.update(turns_of(question_turns))
    fresh: list[NewPair] = []
    for pair in new:
        key = normalise_text(pair.question)
        if key in held_questions or held_turns.intersection(pair.question_turns):
            outcome.skipped_as_reviewed += 1
            continue
        held_questions.add(key)
        fresh.append(pair)
    db.conn.executemany(_EVENT_SQL, events)
    fresh = with_provenance_and_flags(db, conversation_id, fresh)
    _insert_pairs(db, fresh, who=who, run_id=run_id, ids=outcome.ids, at=at)
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
                expected_version: int, who: str, action: str | None = None,
                undoes: int | None = None, at: str | None = None) -> str:
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
        at = at or now_iso()
        sets = ", ".join(f"{f} = ?" for f in diff)
        db.execute(
            f"UPDATE pairs SET {sets}, version = version + 1, updated_at = ?, updated_by = ?,"
            " touched = 1 WHERE id = ? AND version = ?",
            [*diff.values(), at, who, int(pair_id), int(expected_version)],
        )
        db.conn.executemany(_EVENT_SQL, [
            [at, who, int(pair_id), row["conversation_id"],
             action or ("status" if f == "status" else "edit"), f, row[f], v, None,
             int(expected_version) + 1, undoes]
            for f, v in diff.items()
        ])
        if set(diff) & set(TEXT_FIELDS):
            _refresh_flags(db, {**row, **diff})
    return OK


def _refresh_flags(db: Database, row: Mapping[str, Any]) -> None:
    """Recompute a pair's flags after its text changed (an edit can fix or cause them).
    An imported ready pair keeps to the flags that apply to it: its text is the record."""
    from .flags import EXTERNAL_FLAGS, imported_flags

    if row.get("origin") == "import":
        found = imported_flags(row["question"] or "", row["answer"] or "", row["system"] or "")
        flags = json.dumps([{"code": f.code, "severity": f.severity, "detail": f.detail}
                            for f in found], ensure_ascii=False) if found else None
    else:
        turns = conversation_turns(db, row["conversation_id"])
        others = [q for (q,) in db.execute(
            "SELECT question FROM pairs WHERE conversation_id = ? AND id != ? AND status != ?",
            [row["conversation_id"], row["id"], DELETED]).fetchall()]
        flags = _flags_json(row["question"] or "", row["answer"] or "", row["system"] or "",
                            turns, turns_of(row.get("question_turns")),
                            turns_of(row.get("answer_turns")), others)
    kept = [f for f in _decoded_flags(row.get("flags")) if f.get("code") in EXTERNAL_FLAGS]
    if kept:
        flags = json.dumps([*(json.loads(flags) if flags else []), *kept], ensure_ascii=False)
    db.execute("UPDATE pairs SET flags = ? WHERE id = ?", [flags, row["id"]])


def _decoded_flags(raw: str | None) -> list[dict]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []


def add_flag(db: Database, pair_id: int, code: str, severity: str, detail: str, *,
             who: str, link: Mapping[str, Any] | None = None) -> bool:
    """Attach a flag from outside the text checks (e.g. an evaluation found the model
    failed this pair), replacing an earlier flag of the same code; logged as ``flag``.
    ``link`` adds fields naming where the flag came from (an eval run and item).
    False when the pair does not exist."""
    with db.atomic():
        row = get_pair(db, pair_id)
        if row is None:
            return False
        flags = [f for f in _decoded_flags(row["flags"]) if f.get("code") != code]
        flags.append({**dict(link or {}), "code": code, "severity": severity,
                      "detail": detail})
        db.execute("UPDATE pairs SET flags = ? WHERE id = ?",
                   [json.dumps(flags, ensure_ascii=False), int(pair_id)])
        record_event(db, who=who, action="flag", pair_id=int(pair_id),
                     conversation_id=row["conversation_id"], field="flags", new=detail)
    return True


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
            "INSERT INTO events (at, who, pair_id, conversation_id, action, field, old, new,"
            " version) SELECT ?, ?, id, conversation_id, 'status', 'status', status, ?,"
            f" version + 1 FROM pairs {sql}",
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


def approved_from_splits(db: Database) -> bool:
    """Whether most approved pairs came from splitting conversations (rules, an LLM, or a
    reviewer's own additions) rather than from a dataset imported as ready pairs."""
    split, imported = db.execute(
        "SELECT total(origin IS NULL OR origin != 'import'), total(origin = 'import')"
        " FROM pairs WHERE status = ?", [APPROVED]).fetchone()
    return bool(split) and split >= imported


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
                 old: Any = None, new: Any = None, run_id: int | None = None,
                 undoes: int | None = None) -> None:
    """Append one event about a pair. Call inside the transaction of the change it logs."""
    db.execute(_EVENT_SQL, [now_iso(), who, pair_id, conversation_id, action, field,
                            _as_text(old), _as_text(new), run_id, None, undoes])


def history(db: Database, pair_id: int) -> list[dict]:
    """Every event of one pair, oldest first."""
    return _rows(db, "SELECT * FROM events WHERE pair_id = ? ORDER BY id", [int(pair_id)])



# ---- the review queue: source order ---------------------------------------------------------

_SOURCE_ORDER = "conv_seq, position, id"


def _key_of(db: Database, pair_id: int) -> tuple[int, int, int] | None:
    row = db.execute("SELECT coalesce(conv_seq, 0), coalesce(position, 0), id FROM pairs"
                     " WHERE id = ?", [int(pair_id)]).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def queue_first(db: Database, where: PairFilter) -> int | None:
    """The first pair of the queue (the filter in source order: file, place in the file,
    place in the conversation)."""
    sql, params = where.where()
    row = db.execute(f"SELECT id FROM pairs {sql} ORDER BY {_SOURCE_ORDER} LIMIT 1",
                     params).fetchone()
    return int(row[0]) if row else None


def queue_step(db: Database, where: PairFilter, pair_id: int, step: int = 1) -> int | None:
    """The pair ``step`` places after (or, negative, before) ``pair_id`` in the queue.

    ``pair_id`` need not match the filter any more (it was just approved out of a
    "pending" queue): its place in source order still says what comes next.
    """
    key = _key_of(db, pair_id)
    if key is None:
        return queue_first(db, where)
    forward = step >= 0
    op, order = (">", "ASC") if forward else ("<", "DESC")
    sql, params = where.where_and(
        f"(conv_seq, position, id) {op} (?, ?, ?)", list(key))
    order_by = ", ".join(f"{c} {order}" for c in ("conv_seq", "position", "id"))
    row = db.execute(f"SELECT id FROM pairs {sql} ORDER BY {order_by} LIMIT 1 OFFSET ?",
                     [*params, max(0, abs(step) - 1)]).fetchone()
    return int(row[0]) if row else None


def queue_index(db: Database, where: PairFilter, pair_id: int) -> int:
    """How many queue pairs come before ``pair_id`` in source order."""
    key = _key_of(db, pair_id)
    if key is None:
        return 0
    sql, params = where.where_and(
        "(conv_seq, position, id) < (?, ?, ?)", list(key))
    return int(db.execute(f"SELECT count(*) FROM pairs {sql}", params).fetchone()[0])


@dataclass(frozen=True)
class Progress:
    """How far the review of a filter's pairs has come (statuses aside)."""

    reviewed: int
    total: int

    @property
    def pending(self) -> int:
        return self.total - self.reviewed


def progress(db: Database, where: PairFilter) -> Progress:
    """Pairs matching the filter's search (any status but deleted), and how many of them a
    reviewer has decided. Without a search it reads the per-status counts (no scan)."""
    scope = where.narrowed(statuses=(PENDING, APPROVED, REJECTED))
    if not scope.search and scope.max_id is None and not scope.narrowing:
        counts = status_counts(db)
        total = sum(counts[s] for s in scope.statuses)
        return Progress(total - counts[PENDING], total)
    by_status = count_by_status(db, scope)
    total = sum(by_status.values())
    return Progress(total - by_status.get(PENDING, 0), total)


def pace(db: Database, who: str, since: str) -> tuple[int, str | None]:
    """Pairs ``who`` decided or edited since ``since`` (ISO time) and when the first was."""
    row = db.execute(
        "SELECT count(DISTINCT pair_id), min(at) FROM events WHERE who = ? AND at >= ?"
        " AND action IN ('status', 'edit')", [who, since]).fetchone()
    return int(row[0] or 0), row[1]


# ---- undo, versions, restore ----------------------------------------------------------------

UNDOABLE_SKIP = ("supersede", "undo", "flag")


@dataclass
class UndoResult:
    """What undoing a reviewer's last action did."""

    action: str | None = None
    reverted: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return self.action is None


def _last_group(db: Database, who: str, undone: set[int]) -> list[dict]:
    """The events of ``who``'s latest action that has not been undone (one action = the
    events written at one moment: a save, a bulk change, a merge). Fills ``undone`` with
    the first event ids of the actions ``who`` already undid."""
    offset = 0
    while True:
        rows = _rows(db, "SELECT * FROM events WHERE who = ? ORDER BY id DESC LIMIT 500"
                     " OFFSET ?", [who, offset])
        if not rows:
            return []
        for row in rows:
            if row["action"] == "undo":
                if row["undoes"] is not None:
                    undone.add(int(row["undoes"]))
                continue
            if row["action"] in UNDOABLE_SKIP:
                continue
            group = _rows(db, "SELECT * FROM events WHERE who = ? AND at = ? AND action"
                          " NOT IN ('undo', 'supersede', 'flag') ORDER BY id", [who, row["at"]])
            if int(group[0]["id"]) in undone:
                continue
            return group
        offset += len(rows)


def _untouched_since(db: Database, pair_id: int, events: list[dict], who: str,
                     undone: set[int]) -> bool:
    """Whether nobody changed the pair after ``events`` (``who``'s own undone actions and
    undos aside), so putting its old values back cannot overwrite anyone's work."""
    later = _rows(db, "SELECT id, who, action, at FROM events WHERE pair_id = ? AND id > ?"
                  " ORDER BY id", [int(pair_id), max(int(e["id"]) for e in events)])
    for event in later:
        if event["action"] == "flag":  # a flag changes no text or status
            continue
        if event["who"] != who:
            return False
        if event["action"] == "undo":
            continue
        first = db.execute(
            "SELECT min(id) FROM events WHERE who = ? AND at = ? AND action"
            " NOT IN ('undo', 'supersede', 'flag')", [who, event["at"]]).fetchone()[0]
        if first not in undone:
            return False
    return True


def undo_last(db: Database, who: str) -> UndoResult:
    """Revert ``who``'s last action that is not undone yet (each call goes one further back).

    Each pair of the action is put back only if nobody changed it since (its version is the
    one the action produced); the reversal is logged as ``undo`` events pointing at the
    action. A pair the action created (a manual pair, the second half of a split) is
    deleted again.
    """
    undone: set[int] = set()
    group = _last_group(db, who, undone)
    result = UndoResult()
    if not group:
        return result
    result.action = group[0]["action"]
    first_id = int(group[0]["id"])
    at = now_iso()
    by_pair: dict[int, list[dict]] = {}
    for event in group:
        if event["field"] != "position":
            by_pair.setdefault(int(event["pair_id"]), []).append(event)
    with db.atomic():
        for pair_id, events in by_pair.items():
            row = get_pair(db, pair_id)
            if row is None or not _untouched_since(db, pair_id, events, who, undone):
                result.conflicts.append(pair_id)
                continue
            produced = int(row["version"])
            if any(e["action"] == "create" for e in events):
                changes: dict[str, Any] = {"status": DELETED}
            else:
                changes = {e["field"]: e["old"] or "" for e in events if e["field"]}
            outcome = update_pair(db, pair_id, changes, expected_version=produced, who=who,
                                  action="undo", undoes=first_id, at=at)
            if outcome == UNCHANGED:  # nothing to put back: still mark the action undone
                record_event(db, who=who, action="undo", pair_id=pair_id,
                             conversation_id=row["conversation_id"], undoes=first_id)
            (result.reverted if outcome in (OK, UNCHANGED) else result.conflicts).append(
                pair_id)
        result.reverted.sort()
        result.conflicts.sort()
        positions = [e for e in group if e["field"] == "position"]
        for event in positions:
            db.execute("UPDATE pairs SET position = ? WHERE id = ?",
                       [int(event["old"] or 0), int(event["pair_id"])])
        if positions and not result.reverted:
            record_event(db, who=who, action="undo", pair_id=int(positions[0]["pair_id"]),
                         conversation_id=positions[0]["conversation_id"], undoes=first_id)
            result.reverted.extend(int(e["pair_id"]) for e in positions)
    return result


@dataclass(frozen=True)
class Version:
    """A pair as it was at one version, and the change that made it so."""

    version: int
    at: str
    who: str
    action: str
    values: dict[str, str]


def versions(db: Database, pair_id: int) -> list[Version]:
    """Every version of a pair, newest first, rebuilt backwards from the current row through
    its events (each event says what a field was before)."""
    row = get_pair(db, pair_id)
    if row is None:
        return []
    current = {f: row[f] or "" for f in EDITABLE_FIELDS}
    events = [e for e in history(db, pair_id) if e["action"] != "create"]
    out = [Version(int(row["version"]), row["updated_at"] or row["created_at"] or "",
                   row["updated_by"] or "", events[-1]["action"] if events else "create",
                   dict(current))]
    # Group the events by the version they produced (one save = one version).
    groups: list[list[dict]] = []
    for event in reversed(events):
        key = event["version"] if event["version"] is not None else (event["at"], event["who"])
        if groups and groups[-1][0].get("_key") == key:
            groups[-1].append(event)
        else:
            groups.append([{**event, "_key": key}])
    version = int(row["version"])
    for index, group in enumerate(groups):
        for event in group:
            if event["field"] in EDITABLE_FIELDS:
                current[event["field"]] = event["old"] or ""
        version -= 1
        before = groups[index + 1][0] if index + 1 < len(groups) else None
        out.append(Version(max(version, 1), before["at"] if before else row["created_at"],
                           before["who"] if before else "",
                           before["action"] if before else "create", dict(current)))
    return out


def restore_version(db: Database, pair_id: int, version: int, *, expected_version: int,
                    who: str) -> str:
    """Make an earlier version the current one (a new version; the history keeps all)."""
    for old in versions(db, pair_id):
        if old.version == version:
            return update_pair(db, pair_id, old.values, expected_version=expected_version,
                               who=who, action="restore")
    return MISSING


# ---- trash ----------------------------------------------------------------------------------

def trash(db: Database, *, limit: int = 100, offset: int = 0) -> list[dict]:
    """Pairs a reviewer deleted (not those a re-split superseded), newest deletion first,
    with who deleted them and when."""
    return _rows(db, """
        SELECT p.id, p.conversation_id, p.question, p.answer, p.version, p.origin,
               e.who AS deleted_by, e.at AS deleted_at, e.old AS status_before
        FROM pairs p JOIN events e ON e.id = (
            SELECT max(id) FROM events WHERE pair_id = p.id AND field = 'status'
            AND new = 'deleted')
        WHERE p.status = 'deleted' AND e.action != 'supersede'
        ORDER BY e.id DESC LIMIT ? OFFSET ?""", [int(limit), int(offset)])


def restore_deleted(db: Database, pair_id: int, *, expected_version: int, who: str) -> str:
    """Bring a deleted pair back with the status it had before it was deleted."""
    row = db.execute("SELECT old FROM events WHERE pair_id = ? AND field = 'status' AND"
                     " new = ? ORDER BY id DESC LIMIT 1", [int(pair_id), DELETED]).fetchone()
    before = row[0] if row and row[0] in PAIR_STATUSES and row[0] != DELETED else PENDING
    return update_pair(db, pair_id, {"status": before}, expected_version=expected_version,
                       who=who, action="restore")


def restore_all_deleted(db: Database, *, who: str) -> int:
    """Restore every pair in the trash; returns how many came back."""
    restored = 0
    while batch := trash(db, limit=500):
        for row in batch:
            if restore_deleted(db, int(row["id"]), expected_version=int(row["version"]),
                               who=who) == OK:
                restored += 1
        if len(batch) < 500:
            break
    return restored


# ---- conversation edits: add, merge, split, reorder ------------------------------------------

def add_manual_pair(db: Database, conversation_id: str, question: str, answer: str, *,
                    who: str, system: str | None = None, after_pair_id: int | None = None,
                    question_turns: Sequence[int] = (), answer_turns: Sequence[int] = ()) -> int:
    """A pair the splitter missed, added by a reviewer (origin ``manual``; a re-split keeps
    it). It goes after ``after_pair_id``, else at the end of the conversation."""
    siblings = pairs_of_conversation(db, conversation_id)
    if system is None:
        system = next((p["system"] for p in siblings if p["system"]), "")
    position = (max((int(p["position"] or 0) for p in siblings), default=-1) + 1)
    if after_pair_id is not None:
        after = next((p for p in siblings if int(p["id"]) == int(after_pair_id)), None)
        if after is not None:
            position = int(after["position"] or 0)
    new = with_provenance_and_flags(db, conversation_id, [NewPair(
        conversation_id, system, question, answer, position=position, origin="manual",
        question_turns=tuple(question_turns), answer_turns=tuple(answer_turns),
        touched=True)], [p["question"] or "" for p in siblings if p["status"] != DELETED])
    (pair_id,) = add_pairs(db, new, who=who)
    return pair_id


def merge_pairs(db: Database, first_id: int, second_id: int, *, versions: Mapping[int, int],
                who: str) -> str:
    """Merge ``second_id`` into ``first_id`` (same conversation): the first keeps both
    questions and both answers, the union of their source turns; the second is deleted.
    Both must still be at the given versions, else nothing changes (``conflict``)."""
    at = now_iso()
    with db.atomic():
        first, second = get_pair(db, first_id), get_pair(db, second_id)
        if first is None or second is None:
            return MISSING
        if first["conversation_id"] != second["conversation_id"]:
            raise ValueError("only pairs of one conversation can be merged")
        if (int(first["version"]) != int(versions.get(first_id, -1))
                or int(second["version"]) != int(versions.get(second_id, -1))):
            return CONFLICT
        merged = {
            "question": "\n".join(t for t in (first["question"], second["question"]) if t),
            "answer": "\n".join(t for t in (first["answer"], second["answer"]) if t),
        }
        result = update_pair(db, first_id, merged, expected_version=int(first["version"]),
                             who=who, action="merge", at=at)
        if result not in (OK, UNCHANGED):
            return result
        q_turns = sorted(set(turns_of(first["question_turns"]))
                         | set(turns_of(second["question_turns"])))
        a_turns = sorted(set(turns_of(first["answer_turns"]))
                         | set(turns_of(second["answer_turns"])))
        db.execute("UPDATE pairs SET question_turns = ?, answer_turns = ? WHERE id = ?",
                   [_turns_json(q_turns), _turns_json(a_turns), first_id])
        return update_pair(db, second_id, {"status": DELETED},
                           expected_version=int(second["version"]), who=who, action="merge",
                           at=at)


def split_pair(db: Database, pair_id: int, *, expected_version: int,
               first: tuple[str, str], second: tuple[str, str], who: str) -> tuple[str, int | None]:
    """Split a pair in two: it keeps ``first`` (question, answer) and a new pair right after
    it gets ``second``; both keep the original's source turns. Returns (result, new id)."""
    at = now_iso()
    with db.atomic():
        row = get_pair(db, pair_id)
        if row is None:
            return MISSING, None
        result = update_pair(db, pair_id, {"question": first[0], "answer": first[1]},
                             expected_version=expected_version, who=who, action="split", at=at)
        if result != OK:
            return result, None
        ids: list[int] = []
        _insert_pairs(db, [NewPair(
            row["conversation_id"], row["system"] or "", second[0], second[1],
            position=int(row["position"] or 0), origin=row["origin"] or "manual",
            question_turns=turns_of(row["question_turns"]),
            answer_turns=turns_of(row["answer_turns"]), touched=True)],
            who=who, run_id=None, ids=ids, at=at)
        return OK, ids[0]


def move_pair(db: Database, pair_id: int, step: int, *, who: str) -> bool:
    """Move a pair ``step`` places up (negative) or down within its conversation; positions
    are renumbered 0…n-1 in the new order and each change is logged. False if it cannot
    move that way."""
    row = get_pair(db, pair_id)
    if row is None:
        return False
    order = [int(p["id"]) for p in pairs_of_conversation(db, row["conversation_id"])]
    index = order.index(int(pair_id))
    target = index + int(step)
    if step == 0 or not 0 <= target < len(order):
        return False
    order.insert(target, order.pop(index))
    at = now_iso()
    with db.atomic():
        current = {int(p["id"]): int(p["position"] or 0)
                   for p in pairs_of_conversation(db, row["conversation_id"])}
        events = []
        for position, pid in enumerate(order):
            if current[pid] != position:
                db.execute("UPDATE pairs SET position = ? WHERE id = ?", [position, pid])
                events.append([at, who, pid, row["conversation_id"], "move", "position",
                               str(current[pid]), str(position), None, None, None])
        db.conn.executemany(_EVENT_SQL, events)
    return True
