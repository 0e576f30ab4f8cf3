"""Run a splitter over the stored conversations and write the pairs.

Splitters run on a thread pool (network-bound for the LLM splitter); all writes happen on
the calling thread, one short ``BEGIN IMMEDIATE`` transaction per batch of finished
conversations, so SQLite never sees competing writers from this run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from ..db import connect, now_iso
from ..llm.cache import using_cache
from ..llm.calls import recording_calls
from ..models import Conversation, SplitResult, conversation_from_row
from ..review import store
from ..review.statuses import SPLIT_DONE, SPLIT_FAILED, SPLIT_PENDING
from ..runs import finish_run, start_run
from .base import Splitter
from .lease import Heartbeat, SplitBusy, claim
from .run_summary import SplitOutcome

FETCH_CHUNK = 200
_SECRET_NAMES = {"key", "api_key", "token", "secret", "password", "authorization"}
_SECRET_SUFFIXES = ("_key", "_secret", "_password", "_api_token")


@dataclass
class SplitReport:
    processed: int = 0
    split: int = 0
    failed: int = 0
    skipped: int = 0
    pairs_created: int = 0
    pairs_kept: int = 0
    pairs_superseded: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (conversation_id, reason)
    run_id: int | None = None
    pairs_dropped: int = 0  # pairs the local checks rejected inside successful splits
    outcome: SplitOutcome = field(default_factory=SplitOutcome)  # by reason, flag, merge

    def to_dict(self) -> dict:
        data = asdict(self)
        data["failures"] = [{"conversation_id": c, "reason": r} for c, r in self.failures]
        data["outcome"] = self.outcome.to_dict()
        return data

    def lines(self) -> list[str]:
        out = [
            f"processed: {self.processed} conversation(s); split: {self.split}; "
            f"failed: {self.failed}; skipped: {self.skipped}",
            f"pairs created: {self.pairs_created}; kept (reviewed): {self.pairs_kept}; "
            f"superseded: {self.pairs_superseded}; dropped by checks: {self.pairs_dropped}",
        ]
        out.extend(self.outcome.lines())
        out.extend(f"failed {cid}: {reason}" for cid, reason in self.failures)
        if self.run_id is not None:
            out.append(f"run id: {self.run_id}")
        return out


def _safe_settings(splitter: Splitter, extra: dict) -> dict:
    base = splitter.settings() if hasattr(splitter, "settings") else {"splitter": splitter.name}
    merged = {**base, **extra}
    return {k: v for k, v in merged.items()
            if k.lower() not in _SECRET_NAMES and not k.lower().endswith(_SECRET_SUFFIXES)}


def _safe_split(splitter: Splitter, conversation: Conversation) -> SplitResult:
    try:
        result = splitter.split(conversation)
    except Exception as exc:  # a splitter bug must not stop the run
        return SplitResult(error=f"splitter crashed: {type(exc).__name__}: {exc}"[:500])
    if not isinstance(result, SplitResult):
        return SplitResult(error=f"splitter returned {type(result).__name__}, not SplitResult")
    return result


def _rows(db: Database, ids: list[str]) -> Iterator[dict]:
    for start in range(0, len(ids), FETCH_CHUNK):
        chunk = ids[start:start + FETCH_CHUNK]
        marks = ",".join("?" * len(chunk))
        by_id = {r["id"]: r for r in db.query(
            f"SELECT id, source, locator, fmt, title, external_id, turns FROM conversations "
            f"WHERE id IN ({marks})", chunk)}
        for cid in chunk:
            if cid in by_id:
                yield by_id[cid]


def split_pending(
    db_path: Path,
    splitter: Splitter,
    *,
    redo: bool = False,
    retry_failed: bool = False,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
    who: str = "splitter",
    use_cache: bool = True,
) -> SplitReport:
    """Split every pending conversation (plus failed ones / already split ones on request).

    `who` names whoever started the run (recorded in the run's settings); pair events are
    written as ``splitter:<name>``. Returns counts and every failure with its reason.
    """
    concurrency = max(1, int(concurrency))
    statuses = ([SPLIT_PENDING] + ([SPLIT_FAILED] if retry_failed else [])
                + ([SPLIT_DONE] if redo else []))
    db = connect(db_path)
    try:
        from ..prompts.active import prepare_splitter

        prepare_splitter(db, splitter)  # the prompt version every LLM pair will name
        settings = _safe_settings(splitter, {
            "redo": redo, "retry_failed": retry_failed, "concurrency": concurrency,
            "cache": use_cache,
            "started_by": who,
        })
        run_id = start_run(db, "split", settings)
        try:
            claim(db, run_id)  # before choosing conversations: a live split may own them
        except SplitBusy as exc:
            finish_run(db, run_id, {}, status="refused", message=str(exc))
            raise
        marks = ",".join("?" * len(statuses))
        ids = [r[0] for r in db.execute(
            f"SELECT id FROM conversations WHERE split_status IN ({marks}) "
            # Ready pairs imported through a mapping are never re-split, not even by --redo.
            "AND coalesce(splitter, '') != 'import' ORDER BY rowid", statuses).fetchall()]
        everything = db.execute("SELECT count(*) FROM conversations").fetchone()[0]
        report = SplitReport(skipped=everything - len(ids), run_id=run_id)
        writer = _Writer(db, splitter.name, report)
        writer.prompt_version_id = getattr(splitter, "prompt_version_id", None)
        writer.model = getattr(splitter, "model", None) if writer.prompt_version_id else None
        try:
            with Heartbeat(Path(db_path), run_id), recording_calls(splitter, db_path, run_id), \
                    using_cache(splitter, db_path, enabled=use_cache):
                _run_pool(splitter, _rows(db, ids), len(ids), concurrency, writer, progress)
        except BaseException as exc:
            finish_run(db, run_id, _counts(report), status="failed",
                       message=f"interrupted: {type(exc).__name__}: {exc}"[:500])
            raise
        message = f"{report.split} split, {report.failed} failed"
        finish_run(db, run_id, _counts(report), message=message)
        return report
    finally:
        db.close()


def _counts(report: SplitReport) -> dict:
    data = report.to_dict()
    data.pop("failures")
    data.pop("run_id")
    return data


def _run_pool(splitter: Splitter, rows: Iterator[dict], total: int, concurrency: int,
              writer: _Writer, progress: Callable[[int, int], None] | None) -> None:
    in_flight: dict[Future, str] = {}
    done_count = 0
    limit = concurrency * 2  # keep workers busy without loading every conversation at once
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="split") as pool:
        try:
            exhausted = False
            while in_flight or not exhausted:
                while not exhausted and len(in_flight) < limit:
                    row = next(rows, None)
                    if row is None:
                        exhausted = True
                        break
                    future = pool.submit(_safe_split, splitter, conversation_from_row(row))
                    in_flight[future] = row["id"]
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                batch = [(in_flight.pop(f), f.result()) for f in finished]
                writer.write(batch)
                for _ in batch:
                    done_count += 1
                    if progress is not None:
                        progress(done_count, total)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


class _Writer:
    """Stores finished conversations; one transaction per batch."""

    def __init__(self, db: Database, name: str, report: SplitReport) -> None:
        self.db = db
        self.name = name
        self.who = f"splitter:{name}"
        self.report = report
        # What produced the pairs: an LLM splitter's recorded prompt and its model.
        self.prompt_version_id: int | None = None
        self.model: str | None = None

    def write(self, batch: list[tuple[str, SplitResult]]) -> None:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for conversation_id, result in batch:
                self._store(conversation_id, result)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def _store(self, cid: str, result: SplitResult) -> None:
        report = self.report
        report.processed += 1
        now = now_iso()
        if result.error is not None or not result.pairs:
            reason = result.error or "splitter returned no pairs"
            report.failed += 1
            report.failures.append((cid, reason))
            report.outcome.add_failure(reason)
            self.db.execute(
                "UPDATE conversations SET split_status = ?, split_error = ?, splitter = ?, "
                "split_at = ? WHERE id = ?", [SPLIT_FAILED, reason, self.name, now, cid])
            return
        written = store.replace_split_pairs(
            self.db, cid,
            [store.NewPair(cid, p.system, p.question, p.answer, position=i, origin=self.name,
                           question_turns=p.question_turns, answer_turns=p.answer_turns,
                           prompt_version_id=self.prompt_version_id, model=self.model)
             for i, p in enumerate(result.pairs)],
            who=self.who, run_id=report.run_id)
        report.pairs_created += written.created
        report.pairs_kept += written.kept
        report.pairs_superseded += written.superseded
        report.outcome.add_result(result)
        report.outcome.add_stored(self._flags_of(written.ids), written.skipped_as_reviewed)
        notes = getattr(result, "notes", None) or []
        report.pairs_dropped += len(notes)
        note = ("dropped " + "; ".join(notes))[:1000] if notes else None
        report.split += 1
        self.db.execute(
            "UPDATE conversations SET split_status = ?, split_error = ?, splitter = ?, "
            "split_at = ? WHERE id = ?", [SPLIT_DONE, note, self.name, now, cid])

    def _flags_of(self, ids: list[int]) -> list[str | None]:
        found: list[str | None] = []
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start:start + FETCH_CHUNK]
            found += [r[0] for r in self.db.execute(
                f"SELECT flags FROM pairs WHERE id IN ({','.join('?' * len(chunk))})", chunk)]
        return found
