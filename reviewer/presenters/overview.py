"""The Overview page: where the data stands in the loop Import → Split → Review → Export →
Train → Evaluate → back to Review, a button for each step there is work for (most urgent
first), and the recent runs in words."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..review.flags import WEAK_IN_EVAL
from ..review.statuses import APPROVED, PENDING
from .text import counts_text, duration, plural, short_time

IMPORT_PAGE = "pages/import.py"
REVIEW_PAGE = "pages/review.py"
EXPORT_PAGE = "pages/export.py"
TRAIN_PAGE = "pages/train.py"
EVALUATE_PAGE = "pages/evaluate.py"

FINE_TUNE = "fine-tune"  # the jobs table's kind for fine-tuning jobs

# Conversation split states as a person says them.
CONVERSATION_LABELS = {"pending": "Waiting to split", "split": "Split", "failed": "Split failed"}


@dataclass(frozen=True)
class NextStep:
    message: str
    action: str
    page: str
    key: str  # the button's widget key
    review_flag: str | None = None  # open Review filtered on this flag (all statuses)


@dataclass(frozen=True)
class LoopState:
    """How far the data has come after review: exports, fine-tuning, evaluation."""

    exported_approved: int | None = None  # approved pairs in the last export; None: none yet
    exported_at: str | None = None
    changed_since_export: int = 0  # pairs reviewed or edited after that export
    trained_since_export: bool = False  # a fine-tuning job was started after that export
    training: bool = False  # a fine-tuning job is still running at its provider
    untested_models: tuple[str, ...] = ()  # tuned models no evaluation run has scored
    weak_waiting: int = 0  # pairs sent back from an evaluation and not touched since


def _n(n: int, word: str) -> str:
    return plural(n, word)


def loop_state(db: Database) -> LoopState:
    """Read the loop's later steps from the runs, jobs and eval_runs tables."""
    export = db.execute("SELECT counts, started_at FROM runs WHERE kind = 'export' AND"
                        " status = 'done' ORDER BY id DESC LIMIT 1").fetchone()
    exported_approved = exported_at = None
    changed = 0
    if export is not None:
        counts = json.loads(export[0] or "{}")
        exported_approved = int(counts.get("approved_pairs") or counts.get("examples") or 0)
        exported_at = export[1]
        changed = db.execute("SELECT count(DISTINCT pair_id) FROM events WHERE at > ? AND"
                             " pair_id IS NOT NULL AND action != 'flag'",
                             [exported_at]).fetchone()[0]
    jobs = db.execute("SELECT status, result, created_at FROM jobs WHERE kind = ?"
                      " ORDER BY id", [FINE_TUNE]).fetchall()
    evaluated = {m for (m,) in db.execute("SELECT DISTINCT model FROM eval_runs").fetchall()}
    tuned = []
    for status, result, _ in jobs:
        model = json.loads(result or "{}").get("fine_tuned_model")
        if status == "succeeded" and model and model not in evaluated and model not in tuned:
            tuned.append(model)
    weak = db.execute(
        "SELECT count(*) FROM pairs p WHERE EXISTS (SELECT 1 FROM json_each(p.flags) f"
        "  WHERE json_extract(f.value, '$.code') = ?)"
        " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.pair_id = p.id AND e.action != 'flag'"
        "  AND e.id > (SELECT max(id) FROM events WHERE pair_id = p.id AND action = 'flag'))",
        [WEAK_IN_EVAL]).fetchone()[0]
    return LoopState(
        exported_approved=exported_approved, exported_at=exported_at,
        changed_since_export=int(changed),
        trained_since_export=any(exported_at and created > exported_at
                                 for _, _, created in jobs),
        training=any(status in ("queued", "running") for status, _, _ in jobs),
        untested_models=tuple(tuned), weak_waiting=int(weak))


def next_steps(pairs: Mapping[str, int], conversations: Mapping[str, int],
               loop: LoopState | None = None) -> list[NextStep]:
    """Steps with work waiting; on an empty database, the one step that starts it all."""
    loop = loop or LoopState()
    if not sum(conversations.values()) and not sum(pairs.values()):
        return [NextStep("Start by importing conversation dumps (transcripts, JSON, JSONL, "
                         "CSV or zip; English and Korean). Then split them into "
                         "question/answer pairs, review the pairs and export the approved "
                         "ones.", "Import conversations", IMPORT_PAGE, "ov_next_import")]
    steps = []
    waiting = conversations.get("pending", 0)
    if waiting:
        steps.append(NextStep(f"{_n(waiting, 'conversation')} waiting to be split into "
                              "question/answer pairs.", "Split conversations", IMPORT_PAGE,
                              "ov_next_split"))
    if pairs.get(PENDING, 0):
        steps.append(NextStep(f"{_n(pairs[PENDING], 'pair')} waiting for review.",
                              "Review pairs", REVIEW_PAGE, "ov_next_review"))
    if loop.weak_waiting:
        steps.append(NextStep(
            f"{_n(loop.weak_waiting, 'pair')} came back from an evaluation: the tuned model "
            f"answered {'it' if loop.weak_waiting == 1 else 'them'} poorly. Check each "
            "reference answer beside the model's.",
            "Review weak pairs", REVIEW_PAGE, "ov_next_weak", review_flag=WEAK_IN_EVAL))
    approved = pairs.get(APPROVED, 0)
    if approved and loop.exported_approved is None:
        steps.append(NextStep(f"{_n(approved, 'approved pair')} ready to export.",
                              "Export", EXPORT_PAGE, "ov_next_export"))
    elif approved and (approved != loop.exported_approved or loop.changed_since_export):
        changed = (f"{_n(loop.changed_since_export, 'pair')} reviewed or edited"
                   if loop.changed_since_export else f"{_n(approved, 'approved pair')} now")
        steps.append(NextStep(
            f"{changed} since the last export ({short_time(loop.exported_at)}, "
            f"{_n(loop.exported_approved or 0, 'approved pair')}). Export again to train on "
            "them.", "Export", EXPORT_PAGE, "ov_next_export"))
    if loop.exported_approved and not loop.trained_since_export:
        steps.append(NextStep(
            f"The export of {short_time(loop.exported_at)} has not been trained on yet: "
            "start a fine-tuning job on it.", "Train", TRAIN_PAGE, "ov_next_train"))
    elif loop.training:
        steps.append(NextStep("A fine-tuning job is still training at its provider.",
                              "Follow training", TRAIN_PAGE, "ov_next_train"))
    if loop.untested_models:
        steps.append(NextStep(
            f"Tuned model {loop.untested_models[-1]} is ready and not evaluated yet: compare "
            "it with its base model on the held-out pairs.", "Evaluate", EVALUATE_PAGE,
            "ov_next_evaluate"))
    return steps


def conversation_metrics(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(label, count) for the conversation cards: all, then each split state in words."""
    return [("All conversations", sum(counts.values()))] + [
        (CONVERSATION_LABELS.get(status, status.capitalize()), n)
        for status, n in counts.items()]


def run_rows(runs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The recent runs table: times a person reads, counts in words."""
    return [{"run": r["id"], "kind": r["kind"], "status": r["status"],
             "started": short_time(r["started_at"]),
             "took": duration(r["started_at"], r.get("finished_at")),
             "result": counts_text(r.get("counts") or {}),
             "message": r.get("message") or ""} for r in runs]


def training_lines(db: Database) -> list[str]:
    """The newest fine-tuning job and evaluation run, one line each (none when neither)."""
    lines = []
    job = db.execute("SELECT id, provider, status, result, created_at FROM jobs WHERE kind = ?"
                     " ORDER BY id DESC LIMIT 1", [FINE_TUNE]).fetchone()
    if job is not None:
        model = json.loads(job[3] or "{}").get("fine_tuned_model")
        lines.append(f"Fine-tuning job #{job[0]} at {job[1]}: {job[2]}"
                     + (f" → {model}" if model else "") + f" (started {short_time(job[4])})")
    run = db.execute("SELECT id, model, role, items, summary, created_at FROM eval_runs"
                     " ORDER BY id DESC LIMIT 1").fetchone()
    if run is not None:
        cosine = (json.loads(run[4] or "{}").get("means") or {}).get("cosine") or {}
        mean = f", mean cosine {cosine['mean']:.2f}" if "mean" in cosine else ""
        lines.append(f"Evaluation run #{run[0]} ({run[2] or 'single'}) of {run[1]}: "
                     f"{plural(run[3] or 0, 'item')}{mean} (scored {short_time(run[5])})")
    return lines
