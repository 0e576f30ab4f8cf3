"""One filter over pairs that every access path (count, page, window, bulk) turns into SQL.

A `PairFilter` says which statuses and which text to match. It builds its clauses once, so
the Review table, the bulk actions and the CLI select exactly the same pairs. Text search
goes through ``pairs_fts`` (trigram, case-insensitive, works for Hangul) for terms of three
or more characters and falls back to ``LIKE`` for shorter ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .statuses import ALL, PAIR_STATUSES

_TEXT_HIT = (
    "(system LIKE ? ESCAPE '\\' OR question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\')"
)


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class PairFilter:
    """Which pairs to show or act on.

    ``statuses`` empty means every status (deleted included). ``search`` is a substring
    looked up in system, question and answer. ``max_id`` bounds the set to pairs that
    existed when it was fixed (a bulk action confirmed by a reviewer acts on those only).
    """

    statuses: tuple[str, ...] = ()
    search: str = ""
    max_id: int | None = None
    source: str | None = None  # the file a conversation came from
    conversation_id: str | None = None
    updated_by: str | None = None  # the reviewer who last changed the pair
    flag: str | None = None  # a risk flag code the pair carries

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in PAIR_STATUSES]
        if unknown:
            raise ValueError(f"unknown status {unknown[0]!r}")
        object.__setattr__(self, "search", (self.search or "").strip())
        # One canonical order, so equal filters compare equal.
        object.__setattr__(self, "statuses",
                           tuple(s for s in PAIR_STATUSES if s in set(self.statuses)))

    @classmethod
    def of(cls, status: str | Iterable[str] | None = None, search: str | None = None,
           *, max_id: int | None = None) -> PairFilter:
        """From the Review page's choices: ``status`` None or ``"all"`` means every status."""
        if status is None or status == ALL:
            statuses: tuple[str, ...] = ()
        elif isinstance(status, str):
            statuses = (status,)
        else:
            statuses = tuple(status)
        return cls(statuses, search or "", max_id)

    def narrowed(self, **changes: object) -> PairFilter:
        """A copy with some fields changed (``source``, ``flag``, …)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    # ---- describing -----------------------------------------------------------------------

    @property
    def every_status(self) -> bool:
        return not self.statuses

    @property
    def uses_fts(self) -> bool:
        return len(self.search) >= 3

    def describe(self) -> str:
        parts = ["all statuses" if self.every_status
                 else "status " + " or ".join(self.statuses)]
        if self.search:
            parts.append(f"search {self.search!r}")
        if self.source:
            parts.append(f"file {self.source}")
        if self.conversation_id:
            parts.append("one conversation")
        if self.updated_by:
            parts.append(f"last changed by {self.updated_by}")
        if self.flag:
            parts.append(f"flag {self.flag}")
        return ", ".join(parts)

    def with_max_id(self, max_id: int | None) -> PairFilter:
        return replace(self, max_id=max_id)

    @property
    def narrowing(self) -> bool:
        """Whether anything besides status, search and the id bound applies."""
        return any(v is not None for v in (self.source, self.conversation_id, self.updated_by,
                                           self.flag))

    # ---- SQL -----------------------------------------------------------------------------

    def _status_clause(self, column: str = "status") -> tuple[str, list[Any]]:
        if self.every_status:
            return "", []
        if len(self.statuses) == 1:
            return f"{column} = ?", [self.statuses[0]]
        return f"{column} IN ({', '.join('?' * len(self.statuses))})", list(self.statuses)

    def where(self) -> tuple[str, list[Any]]:
        """``WHERE …`` (or empty) and its parameters, over the ``pairs`` table."""
        clauses: list[str] = []
        params: list[Any] = []
        status_sql, status_params = self._status_clause()
        if status_sql:
            clauses.append(status_sql)
            params += status_params
        if self.search:
            if self.uses_fts:
                clauses.append("id IN (SELECT rowid FROM pairs_fts WHERE pairs_fts MATCH ?)")
                params.append(_fts_phrase(self.search))
            else:
                pattern = _like_pattern(self.search)
                clauses.append(_TEXT_HIT)
                params += [pattern, pattern, pattern]
        if self.max_id is not None:
            clauses.append("id <= ?")
            params.append(int(self.max_id))
        if self.source is not None:
            clauses.append("conversation_id IN (SELECT id FROM conversations WHERE source = ?)")
            params.append(self.source)
        if self.conversation_id is not None:
            clauses.append("conversation_id = ?")
            params.append(self.conversation_id)
        if self.updated_by is not None:
            clauses.append("updated_by = ?")
            params.append(self.updated_by)
        if self.flag is not None:
            clauses.append("EXISTS (SELECT 1 FROM json_each(pairs.flags) f"
                           " WHERE json_extract(f.value, '$.code') = ?)")
            params.append(self.flag)
        if not clauses:
            return "", params
        return "WHERE " + " AND ".join(clauses), params

    def where_and(self, extra: str, extra_params: list[Any]) -> tuple[str, list[Any]]:
        """`where` with one more condition ANDed on."""
        where, params = self.where()
        joiner = "AND" if where else "WHERE"
        return f"{where} {joiner} {extra}", [*params, *extra_params]

    def ids_sql(self, after_id: int = 0, before_id: int | None = None) -> tuple[str, list[Any]]:
        """``SELECT id … ORDER BY id`` of matches with ``after_id < id < before_id``, through
        the narrowest structure for the filter (no LIMIT yet)."""
        upper = [int(before_id)] if before_id is not None else []
        if self.max_id is not None:
            upper_bound = self.max_id + 1
            if before_id is None or upper_bound < before_id:
                upper = [upper_bound]
        if self.uses_fts and not self.narrowing:  # walk the trigram index in rowid order
            bound = " AND f.rowid < ?" if upper else ""
            status_sql, status_params = self._status_clause("p.status")
            if status_sql:
                return ("SELECT f.rowid AS id FROM pairs_fts f JOIN pairs p ON p.id = f.rowid"
                        f" WHERE pairs_fts MATCH ? AND {status_sql} AND f.rowid > ?{bound}"
                        " ORDER BY f.rowid",
                        [_fts_phrase(self.search), *status_params, int(after_id), *upper])
            return (f"SELECT f.rowid AS id FROM pairs_fts f WHERE pairs_fts MATCH ?"
                    f" AND f.rowid > ?{bound} ORDER BY f.rowid",
                    [_fts_phrase(self.search), int(after_id), *upper])
        unbounded = replace(self, max_id=None)
        extra = "id > ?" + (" AND id < ?" if upper else "")
        where, params = unbounded.where_and(extra, [int(after_id), *upper])
        return f"SELECT id FROM pairs {where} ORDER BY id", params

    def candidates_sql(self, after_id: int = 0) -> tuple[str, list[Any]]:
        """Rows a text search visits in id order, each with ``m`` = 1 when it matches.

        Counting a search walks candidates (full-text hits, or rows of the status for short
        terms) rather than matches, so a bounded count costs a bounded walk.
        """
        bound = [int(self.max_id)] if self.max_id is not None else []
        if self.uses_fts and not self.narrowing:
            status_sql, status_params = self._status_clause("p.status")
            upper = " AND f.rowid <= ?" if bound else ""
            if status_sql:
                return (f"SELECT f.rowid AS id, ({status_sql}) AS m FROM pairs_fts f"
                        " JOIN pairs p ON p.id = f.rowid WHERE pairs_fts MATCH ?"
                        f" AND f.rowid > ?{upper} ORDER BY f.rowid",
                        [*status_params, _fts_phrase(self.search), int(after_id), *bound])
            return ("SELECT f.rowid AS id, 1 AS m FROM pairs_fts f WHERE pairs_fts MATCH ?"
                    f" AND f.rowid > ?{upper} ORDER BY f.rowid",
                    [_fts_phrase(self.search), int(after_id), *bound])
        if self.uses_fts:  # narrowed: every row the other conditions allow is a candidate
            where, params = replace(self, search="").where_and("id > ?", [int(after_id)])
            return (f"SELECT id, (id IN (SELECT rowid FROM pairs_fts WHERE pairs_fts MATCH ?))"
                    f" AS m FROM pairs {where} ORDER BY id",
                    [_fts_phrase(self.search), *params])
        status_only = replace(self, search="")
        where, params = status_only.where_and("id > ?", [int(after_id)])
        pattern = _like_pattern(self.search)
        return (f"SELECT id, {_TEXT_HIT} AS m FROM pairs {where} ORDER BY id",
                [pattern, pattern, pattern, *params])


__all__ = ["PairFilter"]
