"""The ``eval_runs`` and ``eval_items`` tables: every evaluation run and each item's answer
and scores. Only this module writes them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlite_utils import Database

from ..db import now_iso
from .scoring import ScoredRun


def save_run(db: Database, *, name: str, model: str, provider: str, source: str, who: str,
             items: list[dict[str, Any]], scored: ScoredRun, job_id: int | None = None,
             role: str | None = None) -> int:
    """Store a scored run; ``items`` give each item's id, pair, texts, answer and error.
    ``job_id`` is the eval job that made it; ``role`` is "base" or "tuned" in a pair."""
    by_id = scored.by_id()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO eval_runs (name, model, provider, source, created_at, created_by,"
            " items, failed, summary, metadata, job_id, role)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, model, provider, source, now_iso(), who, len(items),
             sum(1 for i in items if i.get("error")),
             json.dumps(asdict(scored.summary), ensure_ascii=False, default=str),
             json.dumps(scored.metadata, ensure_ascii=False, default=str), job_id, role])
        run_id = int(cursor.lastrowid or 0)
        rows = []
        for item in items:
            score = by_id[item["item_id"]]
            rows.append([run_id, item["item_id"], item.get("pair_id"), item["system"],
                         item["question"], item["reference"], item.get("answer") or "",
                         item.get("error"), score.language, score.cosine, score.chrf,
                         score.bleu, score.rouge_l,
                         json.dumps(asdict(score), ensure_ascii=False, default=str)])
        db.conn.executemany(
            "INSERT INTO eval_items (run_id, item_id, pair_id, system, question, reference,"
            " answer, error, language, cosine, chrf, bleu, rouge_l, scores)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return run_id


def get_run(db: Database, run_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM eval_runs WHERE id = ?", [int(run_id)]))
    if not rows:
        return None
    run = rows[0]
    run["summary"] = json.loads(run["summary"] or "{}")
    run["metadata"] = json.loads(run["metadata"] or "{}")
    return run


def link_pair(db: Database, base_id: int, tuned_id: int) -> None:
    """Mark two runs over the same items as the base and tuned sides of one comparison."""
    with db.atomic():
        db.execute("UPDATE eval_runs SET role = 'base', paired_with = ? WHERE id = ?",
                   [int(tuned_id), int(base_id)])
        db.execute("UPDATE eval_runs SET role = 'tuned', paired_with = ? WHERE id = ?",
                   [int(base_id), int(tuned_id)])


def pair_of(run: dict) -> tuple[int, int] | None:
    """(base id, tuned id) of the comparison a stored run belongs to, if it has one."""
    other = run.get("paired_with")
    if other is None:
        return None
    return (int(run["id"]), int(other)) if run.get("role") == "base" else (int(other),
                                                                          int(run["id"]))


def list_runs(db: Database, limit: int = 50) -> list[dict]:
    return list(db.query("SELECT id, name, model, provider, source, created_at, items, failed,"
                         " role, paired_with, job_id FROM eval_runs ORDER BY id DESC LIMIT ?",
                         [int(limit)]))


def get_item(db: Database, run_id: int, item_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM eval_items WHERE run_id = ? AND item_id = ?",
                         [int(run_id), item_id]))
    return rows[0] if rows else None


def run_items(db: Database, run_id: int, *, order: str = "cosine") -> list[dict]:
    """A run's items, weakest first by ``order`` (a score column) or in item order."""
    column = order if order in ("cosine", "chrf", "bleu", "rouge_l") else "item_id"
    return list(db.query(f"SELECT * FROM eval_items WHERE run_id = ? ORDER BY {column}, item_id",
                         [int(run_id)]))


def scored_run(db: Database, run_id: int) -> ScoredRun:
    """The stored run rebuilt as a `ScoredRun` (for comparisons and weak-item selection)."""
    run = get_run(db, run_id)
    if run is None:
        raise KeyError(run_id)
    items = [json.loads(r["scores"]) for r in run_items(db, run_id, order="item")]
    return ScoredRun.from_dict({"items": items, "summary": run["summary"],
                                "metadata": run["metadata"]})
