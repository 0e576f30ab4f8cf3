"""Run a splitter over the stored conversations and write the pairs.

Splitters run on a thread pool (network-bound for the LLM splitter); all writes happen on
the calling thread, one short ``BEGIN IMMEDIATE`` transaction per batch of finished
conversations, so SQLite never sees competing writers from this run.

The LLM splitter's workers share one adaptive limiter (a 429 pauses them all and lowers the
concurrency). A refused key, an exhausted quota or ``max_cost`` reached stop the run: what
finished is stored, conversations whose call was refused or cut short keep their status, and
the report says why it stopped and how many remain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from ..db import connect, now_iso
from ..llm.cache import using_cache
from ..llm.limiter import AdaptiveLimiter, limiting
from ..llm.usage import format_usd, spend_summary
from ..models import Conversation, SplitResult, conversation_from_row
from ..review import store
from ..review.statuses import SPLIT_DONE, SPLIT_FAILED, SPLIT_PENDING
from ..runs import finish_run, start_run
from .base import Splitter
from .cost import CostEstimate, CostRefused, check_budget, estimate_split
from .lease import Heartbeat, SplitBusy, claim
from .retrying import choose_retries, deciding_settings, held_lines
from .run_summary import SplitOutcome
from .spend import metered_calls

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
    estimate: CostEstimate | None = None  # before the run (LLM splitters)
    cost_usd: float | None = None  # after: the run's calls in llm_calls (None: unknown)
    unpriced_calls: int = 0  # answered calls whose price is unknown (not in cost_usd)
    calls: int = 0
    stopped: str | None = None  # why the run stopped early
    stop_kind: str | None = None  # auth | quota | max_cost
    remaining: int = 0  # conversations left untouched by a stopped run
    rate_limit: dict = field(default_factory=dict)
    # failed conversations a retry held back: the same settings would fail again (id, code)
    not_retried: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["failures"] = [{"conversation_id": c, "reason": r} for c, r in self.failures]
        data["not_retried"] = [{"conversation_id": c, "code": code}
                               for c, code in self.not_retried]
        data["outcome"] = self.outcome.to_dict()
        data["estimate"] = self.estimate.to_dict() if self.estimate else None
        return data

    def cost_lines(self) -> list[str]:
        out = [self.estimate.line()] if self.estimate is not None else []
        if self.calls or self.estimate is not None:
            if self.cost_usd is None and self.unpriced_calls:
                actual = "unknown (no price for this model)"
            else:
                actual = format_usd(self.cost_usd or 0.0)
                if self.unpriced_calls:
                    actual += f" plus {self.unpriced_calls} call(s) of unknown price"
            out.append(f"actual cost: {actual} for {self.calls} call(s)")
        return out

    def lines(self) -> list[str]:
        out = [
            f"processed: {self.processed} conversation(s); split: {self.split}; "
            f"failed: {self.failed}; skipped: {self.skipped}",
            f"pairs created: {self.pairs_created}; kept (reviewed): {self.pairs_kept}; "
            f"superseded: {self.pairs_superseded}; dropped by checks: {self.pairs_dropped}",
        ]
        out.extend(self.outcome.lines())
        out.extend(f"failed {cid}: {reason}" for cid, reason in self.failures)
        out.extend(held_lines(self.not_retried))
        out.extend(self.cost_lines())
        if self.rate_limit.get("rate_limited"):
            out.append(AdaptiveLimiter.describe(self.rate_limit))
        if self.stopped:
            out.append(f"{self.stopped}; {self.remaining} conversation(s) remain")
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
    force_retry: bool = False,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
    who: str = "splitter",
    use_cache: bool = True,
    max_cost: float | None = None,
    estimate: bool = False,
) -> SplitReport:
    """Split every pending conversation (plus failed ones / already split ones on request).

    `who` names whoever started the run (recorded in the run's settings); pair events are
    written as ``splitter:<name>``. Returns counts and every failure with its reason.
    With `estimate` (or `max_cost`) an LLM splitter's cost is estimated first; `max_cost`
    (US dollars) refuses the run (`CostRefused`) when the estimate exceeds it and stops it
    when the recorded spend reaches it. A stopped run returns with `stopped` set.
    A retry holds back failures the same settings would repeat (`retrying`) unless
    `force_retry`; they are named in `not_retried`.
    """
    concurrency = max(1, int(concurrency))
    statuses = ([SPLIT_PENDING] + ([SPLIT_FAILED] if retry_failed else [])
                + ([SPLIT_DONE] if redo else []))
    db = connect(db_path)
    try:
        from ..prompts.active import prepare_splitter

        prepare_splitter(db, splitter)  # the prompt version every LLM pair will name
        settings = _safe_settings(splitter, {
            "redo": redo, "retry_failed": retry_failed, "force_retry": force_retry,
            "concurrency": concurrency,
            "cache": use_cache, "max_cost": max_cost,
            "started_by": who,
        })
        run_id = start_run(db, "split", settings)
        try:
            claim(db, run_id)  # before choosing conversations: a live split may own them
        except SplitBusy as exc:
            finish_run(db, run_id, {}, status="refused", message=str(exc))
            raise
        ids = selectable_ids(db, statuses)
        held: list[tuple[str, str]] = []
        if retry_failed:
            choice = choose_retries(db, ids, settings, force=force_retry)
            ids, held = choice.retry, choice.held
        everything = db.execute("SELECT count(*) FROM conversations").fetchone()[0]
        report = SplitReport(skipped=everything - len(ids), run_id=run_id, not_retried=held)
        if estimate or max_cost is not None:
            report.estimate = estimate_split(
                splitter, (conversation_from_row(r) for r in _rows(db, ids)))
            try:
                check_budget(report.estimate, max_cost)
            except CostRefused as exc:
                finish_run(db, run_id, _counts(report), status="refused", message=str(exc))
                raise
        writer = _Writer(db, splitter.name, report, settings)
        writer.prompt_version_id = getattr(splitter, "prompt_version_id", None)
        writer.model = getattr(splitter, "model", None) if writer.prompt_version_id else None
        try:
            with Heartbeat(Path(db_path), run_id), limiting(splitter, concurrency) as limiter, \
                    metered_calls(splitter, db_path, run_id, max_cost=max_cost,
                                  limiter=limiter), \
                    using_cache(splitter, db_path, enabled=use_cache):
                _run_pool(splitter, _rows(db, ids), len(ids), concurrency, writer, progress,
                          limiter)
        except BaseException as exc:
            finish_run(db, run_id, _counts(report), status="failed",
                       message=f"interrupted: {type(exc).__name__}: {exc}"[:500])
            raise
        _settle(db, report, limiter, len(ids))
        message = f"{report.split} split, {report.failed} failed"
        if report.stopped:
            message = f"{report.stopped}; {message}, {report.remaining} remain"
        finish_run(db, run_id, _counts(report), message=message,
                   status="stopped" if report.stopped else "done")
        return report
    finally:
        db.close()


def selectable_ids(db: Database, statuses: list[str]) -> list[str]:
    """Conversations in `statuses`, in import order, except those out in a Batch API job and
    ready pairs imported through a mapping (never re-split, not even by --redo)."""
    marks = ",".join("?" * len(statuses))
    return [r[0] for r in db.execute(
        f"SELECT id FROM conversations WHERE split_status IN ({marks}) AND id NOT IN "
        "(SELECT conversation_id FROM split_batch_items WHERE state = 'submitted') "
        "AND coalesce(splitter, '') != 'import' ORDER BY rowid", statuses).fetchall()]


def _settle(db: Database, report: SplitReport, limiter: AdaptiveLimiter | None,
            selected: int) -> None:
    """Fill in the actual cost (from llm_calls), rate limiting and why the run stopped."""
    if report.run_id is not None:
        spend = spend_summary(db, run_id=report.run_id)
        report.calls = spend.calls
        report.cost_usd = spend.cost_usd
        report.unpriced_calls = sum(m.unpriced_calls for m in spend.models)
    if limiter is not None:
        report.rate_limit = limiter.stats().to_dict()
        if limiter.stop_reason is not None:
            report.stopped, report.stop_kind = limiter.stop_reason, limiter.stop_kind
            report.remaining = selected - report.split - report.failed


def _counts(report: SplitReport) -> dict:
    data = report.to_dict()
    data.pop("failures")
    data.pop("run_id")
    return data


def _run_pool(splitter: Splitter, rows: Iterator[dict], total: int, concurrency: int,
              writer: _Writer, progress: Callable[[int, int], None] | None,
              limiter: AdaptiveLimiter | None = None) -> None:
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
                if limiter is not None and limiter.stop_reason is not None:
                    # Stopped: keep what succeeded; a failure now is the stop itself, and
                    # those conversations keep their status for the next run.
                    batch = [(cid, r) for cid, r in batch if r.ok]
                    for future in [f for f in in_flight if f.cancel()]:
                        in_flight.pop(future)
                    exhausted = True  # start nothing new; drain what is in flight
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

    def __init__(self, db: Database, name: str, report: SplitReport,
                 settings: dict | None = None) -> None:
        self.db = db
        self.name = name
        self.who = f"splitter:{name}"
        self.report = report
        # What produced the pairs: an LLM splitter's recorded prompt and its model.
        self.prompt_version_id: int | None = None
        self.model: str | None = None
        # What decided each request, stored with the outcome so a retry can compare.
        self.settings_json = json.dumps(deciding_settings(settings or {}), sort_keys=True)

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
                "split_at = ?, split_settings = ? WHERE id = ?",
                [SPLIT_FAILED, reason, self.name, now, self.settings_json, cid])
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
            "split_at = ?, split_settings = ? WHERE id = ?",
            [SPLIT_DONE, note, self.name, now, self.settings_json, cid])

    def _flags_of(self, ids: list[int]) -> list[str | None]:
        found: list[str | None] = []
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start:start + FETCH_CHUNK]
            found += [r[0] for r in self.db.execute(
                f"SELECT flags FROM pairs WHERE id IN ({','.join('?' * len(chunk))})", chunk)]
        return found
