"""The SQLite store: where the file lives, how to open it, and its schema.

One file, WAL mode, opened with ``check_same_thread=False`` because Streamlit runs
callbacks and download builders on threads other than the one that opened it. Open a
connection per unit of work (cheap) rather than sharing one between sessions: sqlite-utils
implements ``atomic()`` with savepoints on the connection, so sharing would interleave
transactions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

DEFAULT_DB_PATH = Path("data") / "reviewer.db"
DB_ENV_VAR = "REVIEWER_DB"

migrations = Migrations("reviewer")


def now_iso() -> str:
    """UTC timestamp with microseconds; sorts correctly as text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$REVIEWER_DB``, then ``data/reviewer.db``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_DB_PATH


def connect(path: str | os.PathLike[str] | None = None) -> Database:
    """Open (creating if needed) the database and bring its schema up to date."""
    db_path = resolve_db_path(path)
    if str(db_path) != ":memory:":
        db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path), check_same_thread=False, timeout=30)
    db = Database(conn)
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    if str(db_path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    return db


@contextmanager
def opened(path: str | os.PathLike[str] | None = None) -> Iterator[Database]:
    """``with opened(path) as db:`` — a connection that is closed afterwards."""
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


@migrations()
def m001_initial(db: Database) -> None:
    db.table("conversations").create(
        {
            "id": str,  # hash of normalised content (Conversation.content_id)
            "source": str,  # file name, or archive.zip:member
            "locator": str,  # "line 12", "index 3", "row 5"
            "fmt": str,
            "title": str,
            "external_id": str,
            "text": str,  # readable transcript
            "turns": str,  # JSON list of {role, speaker, text, timestamp}
            "imported_at": str,
            "run_id": int,
            "split_status": str,  # pending | split | failed
            "split_error": str,
            "splitter": str,
            "split_at": str,
        },
        pk="id",
        not_null={"text", "turns", "imported_at", "split_status"},
        defaults={"split_status": "pending"},
    )
    db.table("pairs").create(
        {
            "id": int,
            "conversation_id": str,
            "position": int,
            "system": str,
            "question": str,
            "answer": str,
            "status": str,  # pending | approved | rejected | deleted
            "origin": str,  # rules | llm:<model> | import | manual
            "created_at": str,
            "updated_at": str,
            "updated_by": str,
            "version": int,
            "touched": int,  # 1 once a reviewer approved or edited it: re-splits keep it
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null={"conversation_id", "status", "version"},
        defaults={"status": "pending", "version": 1, "touched": 0, "system": "",
                  "question": "", "answer": ""},
    )
    db.table("events").create(
        {
            "id": int,
            "at": str,
            "who": str,
            "pair_id": int,
            "conversation_id": str,
            "action": str,  # create | edit | status | supersede | ...
            "field": str,
            "old": str,
            "new": str,
            "run_id": int,
        },
        pk="id",
    )
    db.table("runs").create(
        {
            "id": int,
            "kind": str,  # import | split | export
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | done | failed | refused | interrupted
            "settings": str,  # JSON
            "counts": str,  # JSON
            "message": str,
        },
        pk="id",
    )
    db.table("pairs").create_index(["status", "id"])
    db.table("pairs").create_index(["conversation_id", "position"])
    db.table("events").create_index(["pair_id", "id"])
    db.table("conversations").create_index(["split_status"])


@migrations()
def m002_pairs_search(db: Database) -> None:
    """Full-text index over pair text for the Review page's search.

    An external-content FTS5 table with the trigram tokenizer gives case-insensitive
    substring search that also works for Hangul (no word segmentation needed). Triggers keep
    it in step with `pairs`; status-only updates do not touch it.
    """
    db.execute(
        "CREATE VIRTUAL TABLE pairs_fts USING fts5("
        "system, question, answer, content='pairs', content_rowid='id', "
        "tokenize='trigram case_sensitive 0')"
    )
    db.execute(
        "CREATE TRIGGER pairs_fts_insert AFTER INSERT ON pairs BEGIN "
        "INSERT INTO pairs_fts(rowid, system, question, answer) "
        "VALUES (new.id, new.system, new.question, new.answer); END"
    )
    db.execute(
        "CREATE TRIGGER pairs_fts_delete AFTER DELETE ON pairs BEGIN "
        "INSERT INTO pairs_fts(pairs_fts, rowid, system, question, answer) "
        "VALUES ('delete', old.id, old.system, old.question, old.answer); END"
    )
    db.execute(
        "CREATE TRIGGER pairs_fts_update AFTER UPDATE OF system, question, answer ON pairs BEGIN "
        "INSERT INTO pairs_fts(pairs_fts, rowid, system, question, answer) "
        "VALUES ('delete', old.id, old.system, old.question, old.answer); "
        "INSERT INTO pairs_fts(rowid, system, question, answer) "
        "VALUES (new.id, new.system, new.question, new.answer); END"
    )
    db.execute("INSERT INTO pairs_fts(pairs_fts) VALUES ('rebuild')")


@migrations()
def m003_pair_status_counts(db: Database) -> None:
    """Pairs per status, kept by triggers, so the counts every page shows cost the same with
    100,000 pairs as with 100 (a GROUP BY over the index grows with the table)."""
    db.execute("CREATE TABLE pair_status_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    db.execute(
        "INSERT INTO pair_status_counts (status, n) "
        "SELECT status, count(*) FROM pairs GROUP BY status"
    )
    bump = (
        "INSERT INTO pair_status_counts (status, n) VALUES ({status}, {delta}) "
        "ON CONFLICT(status) DO UPDATE SET n = n + ({delta});"
    )
    db.execute(
        "CREATE TRIGGER pair_status_counts_insert AFTER INSERT ON pairs BEGIN "
        + bump.format(status="new.status", delta="1") + " END"
    )
    db.execute(
        "CREATE TRIGGER pair_status_counts_delete AFTER DELETE ON pairs BEGIN "
        + bump.format(status="old.status", delta="-1") + " END"
    )
    db.execute(
        "CREATE TRIGGER pair_status_counts_update AFTER UPDATE OF status ON pairs "
        "WHEN old.status IS NOT new.status BEGIN "
        + bump.format(status="old.status", delta="-1") + " "
        + bump.format(status="new.status", delta="1") + " END"
    )


@migrations()
def m004_pairs_id_index(db: Database) -> None:
    """A narrow index holding only pair ids, for the Review page's deep pages.

    Skipping N rows in id order over the table itself reads every skipped row's text
    (tens of milliseconds at 100,000 pairs); over this index it reads a few pages of ids,
    so the last page costs about what the first does. Filtered views use (status, id).
    """
    db.table("pairs").create_index(["id"], index_name="pairs_id_only")


@migrations()
def m005_runs_heartbeat(db: Database) -> None:
    """When a running run last showed signs of life; a split refuses to start beside a live one
    (CLI and UI on one database), while a run whose process died simply goes stale."""
    db.table("runs").add_column("heartbeat_at", str)


@migrations()
def m006_llm_calls(db: Database) -> None:
    """One row per model call: what it was for, which model and endpoint, tokens, latency,
    how it finished, an estimated cost, the error if any. Never a key."""
    db.table("llm_calls").create(
        {
            "id": int,
            "at": str,  # when the call started (UTC)
            "purpose": str,  # split | eval | ...
            "model": str,
            "provider": str,  # provider name, or "custom" for a bare URL
            "endpoint": str,  # base URL without credentials
            "prompt_version": str,
            "request_hash": str,  # sha256 of model, messages, format and limits
            "subject": str,  # conversation id, eval item, ...
            "run_id": int,
            "input_tokens": int,
            "output_tokens": int,
            "latency_ms": float,
            "finish_reason": str,
            "cost_usd": float,  # estimate; NULL when the price is unknown
            "error": str,
            "response_id": str,
        },
        pk="id",
        not_null={"at", "purpose", "model", "provider"},
    )
    db.table("llm_calls").create_index(["run_id"])
    db.table("llm_calls").create_index(["model", "provider"])


@migrations()
def m007_jobs(db: Database) -> None:
    """Long work that must survive a restart (local splits now; batch splits, fine-tunes and
    evaluations next). Owned by `reviewer.jobs.store`."""
    db.table("jobs").create(
        {
            "id": int,
            "kind": str,  # split | batch-split | fine-tune | eval ...
            "status": str,  # queued | running | succeeded | failed | cancelled | interrupted
            "provider": str,
            "external_id": str,  # the provider's id for remote jobs
            "input_ref": str,
            "output_ref": str,
            "done": int,
            "total": int,
            "settings": str,  # JSON, never a key
            "result": str,  # JSON
            "error": str,
            "error_type": str,
            "created_at": str,
            "updated_at": str,
            "finished_at": str,
            "host": str,  # local jobs: the process that runs them
            "pid": int,
            "pid_started": str,
        },
        pk="id",
        not_null={"kind", "status", "created_at", "updated_at"},
    )
    db.table("jobs").create_index(["kind", "id"])
    db.table("jobs").create_index(["status"])


@migrations()
def m008_provenance_order_and_undo(db: Database) -> None:
    """What a reviewer needs at the moment of review.

    - ``pairs.conv_seq``: the conversation's import order (its rowid: file, then place in
      the file), so the review queue runs in source order, not in id (hash) order.
    - ``pairs.question_turns`` / ``answer_turns``: JSON lists of the turn indices each text
      came from (provenance; highlighted in the source, matched by a re-split).
    - ``pairs.flags``: JSON list of risk flags ({code, severity, detail}).
    - ``events.version``: the pair version a change produced; ``events.undoes``: the first
      event of the action an undo reverted. Together they make undo version-checked.
    """
    pairs = db.table("pairs")
    pairs.add_column("conv_seq", int)
    pairs.add_column("question_turns", str)
    pairs.add_column("answer_turns", str)
    pairs.add_column("flags", str)
    db.execute("UPDATE pairs SET conv_seq = (SELECT c.rowid FROM conversations c"
               " WHERE c.id = pairs.conversation_id)")
    pairs.create_index(["conv_seq", "position", "id"], index_name="pairs_source_order")
    pairs.create_index(["status", "conv_seq", "position", "id"],
                       index_name="pairs_status_source_order")
    events = db.table("events")
    events.add_column("version", int)
    events.add_column("undoes", int)
    events.create_index(["who", "id"])


@migrations()
def m009_drafts(db: Database) -> None:
    """Text a reviewer typed but has not saved, per reviewer and pair, so switching pairs,
    reloading the page or a refused (stale) save never loses it. Owned by
    `reviewer.review.drafts`."""
    db.table("drafts").create(
        {
            "who": str,
            "pair_id": int,
            "base_version": int,  # the pair version the reviewer started from
            "system": str,
            "question": str,
            "answer": str,
            "updated_at": str,
        },
        pk=("who", "pair_id"),
        not_null={"who", "pair_id", "base_version", "updated_at"},
    )


@migrations()
def m011_llm_response_cache(db: Database) -> None:
    """Model answers kept by what was asked, so a re-run with the same settings pays for
    nothing (owned by `reviewer.llm.cache`); `llm_calls.cached` marks the calls answered
    from it."""
    db.table("llm_cache").create(
        {
            "key": str,  # provider + endpoint + request hash (model, messages, format, limits)
            "text": str,
            "finish_reason": str,
            "input_tokens": int,
            "output_tokens": int,
            "response_id": str,
            "created_at": str,
        },
        pk="key",
    )
    db.table("llm_calls").add_column("cached", int)


@migrations()
def m012_evaluation(db: Database) -> None:
    """Evaluation runs of a model on held-out items, and each item's answer and scores.
    Owned by `reviewer.evaluation.store`."""
    db.table("eval_runs").create(
        {
            "id": int,
            "name": str,  # e.g. "base" or "tuned"
            "model": str,
            "provider": str,
            "source": str,  # the held-out file
            "created_at": str,
            "created_by": str,
            "items": int,
            "failed": int,  # items the model gave no answer for
            "summary": str,  # JSON: means with intervals, corpus scores, histogram
            "metadata": str,  # JSON: embedder and tokenizers (runs compare only if equal)
        },
        pk="id",
    )
    db.table("eval_items").create(
        {
            "run_id": int,
            "item_id": str,
            "pair_id": int,
            "system": str,
            "question": str,
            "reference": str,
            "answer": str,
            "error": str,
            "language": str,
            "cosine": float,
            "chrf": float,
            "bleu": float,
            "rouge_l": float,
            "scores": str,  # JSON: the full item score (tokenizers, meteor)
        },
        pk=("run_id", "item_id"),
    )


@migrations()
def m013_held_out_conversations(db: Database) -> None:
    """Conversations an export held out for evaluation. Later exports keep them held out, so
    an evaluation never scores a model on what it was trained on. Owned by
    `reviewer.exporting.frozen`."""
    db.table("held_out_conversations").create(
        {"conversation_id": str, "held_out_at": str, "manifest": str},
        pk="conversation_id",
    )


@migrations()
def m014_source_order_not_null(db: Database) -> None:
    """Every pair has a source-order key (0 when its conversation row is missing), so the
    review queue's range comparisons can walk the (status, conv_seq, position, id) index
    instead of scanning every pair of a status."""
    db.execute("UPDATE pairs SET conv_seq = 0 WHERE conv_seq IS NULL")
    db.execute("UPDATE pairs SET position = 0 WHERE position IS NULL")


@migrations()
def m010_run_owner(db: Database) -> None:
    """The process that runs each run (host, pid and the pid's start time, so a reused pid
    is not taken for the owner): a run whose process is gone is marked ``interrupted``
    instead of staying ``running`` forever (`reviewer.runs.reap_runs`)."""
    runs = db.table("runs")
    runs.add_column("host", str)
    runs.add_column("pid", int)
    runs.add_column("pid_started", str)


@migrations()
def m017_training_metrics(db: Database) -> None:
    """A fine-tuning job's metrics per step (loss and token accuracy, from the provider's
    result file), so the Train page draws the loss curve without asking the provider again.
    Owned by `reviewer.training.metrics`."""
    db.table("training_metrics").create(
        {"job_id": int, "step": int, "train_loss": float, "valid_loss": float,
         "full_valid_loss": float, "train_accuracy": float, "valid_accuracy": float,
         "full_valid_accuracy": float},
        pk=("job_id", "step"),
    )


@migrations()
def m015_prompt_versions(db: Database) -> None:
    """The split prompt as it was sent, and what each pair came from.

    - ``prompt_versions``: the full system text and few-shot set of every prompt an LLM
      split used, one row per distinct content (``hash``). Owned by
      `reviewer.prompts.versions`.
    - ``few_shot_examples``: the managed few-shot set, in prompt order: each example's raw
      input turns and its expected output (system line, pairs with source turns). Owned by
      `reviewer.prompts.fewshot_set`.
    - ``pairs.prompt_version_id`` / ``pairs.model``: the prompt version and model that
      produced a pair (NULL for pairs from the rules splitter, an import or a reviewer).
    """
    db.table("prompt_versions").create(
        {
            "id": int,
            "hash": str,  # sha256 of the base version, system text and few-shot messages
            "base": str,  # the wording's version (prompt.PROMPT_VERSION)
            "label": str,
            "system_text": str,
            "few_shot": str,  # JSON: the example messages exactly as sent
            "examples": int,
            "created_at": str,
        },
        pk="id",
        not_null={"hash", "system_text", "few_shot", "created_at"},
    )
    db.table("prompt_versions").create_index(["hash"], unique=True)
    db.table("few_shot_examples").create(
        {
            "id": int,
            "position": int,
            "kind": str,  # pair | conversation | import
            "conversation_id": str,
            "pair_ids": str,  # JSON list
            "turns": str,  # JSON: the raw input turns (role, speaker, text)
            "output": str,  # JSON: {"system", "pairs": [{question, answer, *_turns}]}
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        not_null={"position", "kind", "turns", "output", "created_at"},
    )
    pairs = db.table("pairs")
    pairs.add_column("prompt_version_id", int)
    pairs.add_column("model", str)
    pairs.create_index(["prompt_version_id"])


@migrations()
def m016_eval_jobs(db: Database) -> None:
    """Evaluation runs made by a job, and base/tuned runs linked for comparison: the job
    that made a run, its role in a pair ("base" or "tuned") and the other run of the pair.
    Owned by `reviewer.evaluation.store`."""
    runs = db.table("eval_runs")
    runs.add_column("job_id", int)
    runs.add_column("role", str)
    runs.add_column("paired_with", int)


@migrations()
def m018_split_batches(db: Database) -> None:
    """Splits sent to a provider's Batch API: one row per batch (a job may be sharded into
    several) and one per conversation in it, so results, per-line errors and ids the
    provider never answered are reconciled across restarts. Owned by
    `reviewer.splitting.batch`."""
    db.table("split_batches").create(
        {"job_id": int, "shard": int, "batch_id": str, "input_file_id": str,
         "status": str, "requests": int, "output_file_id": str, "error_file_id": str,
         "error": str, "collected": int, "updated_at": str},
        pk=("job_id", "shard"),
    )
    db.table("split_batch_items").create(
        {"job_id": int, "shard": int, "custom_id": str, "conversation_id": str,
         "state": str},  # submitted | done | failed | missing
        pk=("job_id", "custom_id"),
    )
    db.table("split_batch_items").create_index(["conversation_id", "state"])
    db.table("split_batch_items").create_index(["job_id", "state"])


@migrations()
def m021_split_finish(db: Database) -> None:
    """The settings that decided a conversation's last split (``split_settings``, JSON: model,
    context window, chunking, output limit, prompt version, timeout), so a retry of a failure
    that cannot succeed with the same settings is held back until one of them changes.
    Written by `reviewer.splitting.runner`."""
    db.table("conversations").add_column("split_settings", str)
