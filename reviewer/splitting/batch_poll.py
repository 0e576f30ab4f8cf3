"""Following a Batch API split from any process, after any restart.

`poll_batch` reads each batch's state at the provider and, once a batch has ended, stores
its answers through the live path's writer (same checks, same run report, calls recorded in
``llm_calls`` at batch prices). Lines in the error file fail their conversation with the
reason; lines the provider never answered (missing, expired, cancelled, or the whole batch
failed) are marked missing. Storing is idempotent: an answer is stored only while its item
is still ``submitted``, in the same transaction, so two pollers never store it twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..db import connect, now_iso
from ..jobs import store as jobs
from ..llm.batch import BatchClient, BatchState
from ..llm.calls import CallLog, make_record
from ..llm.endpoint import CUSTOM, Endpoint
from ..llm.openai_compat import OpenAICompatibleModel, completion_from
from ..llm.pricing import estimate_cost
from ..llm.structured import JSON_SCHEMA
from ..llm.structured import response_format as structured_format
from ..models import Conversation, SplitResult, conversation_from_row
from ..runs import finish_run, start_run
from .base import SplitterConfigError
from .batch import (
    DONE,
    FAILED,
    KIND,
    MISSING,
    SUBMITTED,
    BatchSplitError,
    conversation_of,
    item_counts,
    job_result,
)
from .lease import Heartbeat, SplitBusy, claim
from .llm import PURPOSE, SPLIT_SCHEMA, LLMSplitter, prompt_tag
from .runner import SplitReport, _counts, _rows, _settle, _Writer

WRITE_CHUNK = 200  # answers stored per transaction
NOT_ANSWERED = ("batch_expired", "batch_cancelled")  # error codes that mean "never ran"

@dataclass
class PollResult:
    job_id: int
    status: str  # the job's status after this poll
    shards: list[dict]
    items: dict[str, int]  # conversations per state
    report: SplitReport | None = None  # what this poll stored (None: nothing ended yet)
    note: str = ""

    @property
    def missing(self) -> int:
        return self.items.get(MISSING, 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["report"] = self.report.to_dict() if self.report else None
        return data

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n:,} {state}" for state, n in sorted(self.items.items()))
        out = [f"batch job {self.job_id}: {self.status}; conversations: {counts or 'none'}"]
        for s in self.shards:
            detail = f"; {s['error']}" if s.get("error") else ""
            out.append(f"  {s['batch_id']}: {s['status']} ({s['requests']:,} request(s))"
                       f"{detail}")
        if self.report is not None:
            out.extend(self.report.lines())
        if self.note:
            out.append(self.note)
        if self.missing:
            out.append(f"{self.missing:,} conversation(s) got no answer: send them again with "
                       f"reviewer split --batch --resubmit-missing {self.job_id}")
        return out


def _job_endpoint(settings: dict, providers_file: Path | None) -> Endpoint:
    from ..llm import EndpointError, ProvidersError, load_providers, resolve_endpoint

    provider = settings.get("provider")
    try:
        if provider == CUSTOM:
            return resolve_endpoint(base_url=settings.get("base_url"),
                                    api_key_env=settings.get("key_env"),
                                    providers=load_providers(providers_file))
        return resolve_endpoint(provider=provider, providers=load_providers(providers_file))
    except (EndpointError, ProvidersError) as exc:
        raise BatchSplitError(f"cannot reach the job's endpoint: {exc}") from None


def _job_splitter(settings: dict, endpoint: Endpoint) -> LLMSplitter:
    few_shot = settings.get("few_shot")
    try:
        return LLMSplitter(settings["model"], endpoint=endpoint,
                           few_shot=few_shot if few_shot and Path(few_shot).exists() else None,
                           max_output_tokens=int(settings.get("max_output_tokens") or 4096))
    except (SplitterConfigError, OSError, ValueError) as exc:
        raise BatchSplitError(f"cannot rebuild the job's splitter: {exc}") from None


def poll_batch(db_path: str | os.PathLike[str], job_id: int, *,
               client: BatchClient | None = None, providers_file: Path | None = None,
               who: str = "cli") -> PollResult:
    """Read the job's batches at the provider and store the answers of those that ended."""
    db = connect(db_path)
    try:
        job = jobs.get(db, job_id)
        if job is None or job.kind != KIND:
            raise BatchSplitError(f"no batch split job {job_id}")
        if not job.active:
            return _result(db, job_id, job.status)
        endpoint = _job_endpoint(job.settings, providers_file)
        own_client = client is None
        client = client or BatchClient(endpoint)
        try:
            return _poll(db, db_path, job, endpoint, client, who)
        finally:
            if own_client:
                client.close()
    finally:
        db.close()


def _poll(db: Database, db_path: str | os.PathLike[str], job: jobs.Job, endpoint: Endpoint,
          client: BatchClient, who: str) -> PollResult:
    ended: list[tuple[dict, BatchState]] = []
    for row in db.query("SELECT * FROM split_batches WHERE job_id = ? AND collected = 0"
                        " ORDER BY shard", [job.id]):
        state = client.retrieve(row["batch_id"])
        with db.atomic():
            db.execute("UPDATE split_batches SET status = ?, error = ?, updated_at = ?"
                       " WHERE job_id = ? AND shard = ?",
                       [state.status, "; ".join(state.errors)[:1000] or None, now_iso(),
                        job.id, row["shard"]])
        if state.terminal:
            ended.append((row, state))
    report = None
    note = ""
    if ended:
        try:
            report = _collect(db, db_path, job, endpoint, client, ended, who)
        except SplitBusy as exc:
            note = f"answers not stored yet: {exc}; they are stored on the next poll"
    left = db.execute("SELECT count(*) FROM split_batches WHERE job_id = ? AND collected = 0",
                      [job.id]).fetchone()[0]
    status = job.status
    if not left:
        shard_states = {r[0] for r in db.execute(
            "SELECT status FROM split_batches WHERE job_id = ?", [job.id]).fetchall()}
        status = jobs.FAILED if shard_states <= {"failed"} else jobs.SUCCEEDED
    done = db.execute("SELECT count(*) FROM split_batch_items WHERE job_id = ? AND state != ?",
                      [job.id, SUBMITTED]).fetchone()[0]
    previous = job.result if isinstance(job.result, dict) else {}
    runs = list(previous.get("runs") or []) + ([report.run_id] if report else [])
    result = job_result(db, job.id, runs=runs, previous=previous)
    fields: dict[str, Any] = {"done": done, "result": result}
    if status != job.status:
        fields["status"] = status
        if status == jobs.FAILED:
            fields["error"] = "every batch failed; see the batches' errors"
    jobs.update(db, job.id, **fields)
    out = _result(db, job.id, status)
    out.report, out.note = report, note
    return out


def _result(db: Database, job_id: int, status: str) -> PollResult:
    shards = [{"batch_id": r["batch_id"], "status": r["status"], "requests": r["requests"],
               "error": r["error"]} for r in db.query(
        "SELECT * FROM split_batches WHERE job_id = ? ORDER BY shard", [job_id])]
    return PollResult(job_id, status, shards, item_counts(db, job_id))


def _read_lines(text: str) -> Iterator[dict]:
    for line in text.splitlines():
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("custom_id"), str):
                yield record


class _BatchWriter(_Writer):
    """The live path's writer, storing an answer only while its item is still submitted."""

    def __init__(self, db: Database, name: str, report: SplitReport, job_id: int,
                 settings: dict | None = None) -> None:
        super().__init__(db, name, report, settings)
        self.job_id = job_id

    def write_items(self, batch: list[tuple[str, SplitResult | None]]) -> list[str]:
        """Store results (None: no answer, the item becomes missing); returns the custom ids
        actually stored."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        stored = []
        try:
            for custom, result in batch:
                row = conn.execute("SELECT state FROM split_batch_items WHERE job_id = ? AND"
                                   " custom_id = ?", [self.job_id, custom]).fetchone()
                if row is None or row[0] != SUBMITTED:
                    continue  # unknown line, or stored by an earlier poll
                if result is None:
                    state = MISSING
                else:
                    self._store(conversation_of(custom), result)
                    state = DONE if result.ok and result.pairs else FAILED
                conn.execute("UPDATE split_batch_items SET state = ? WHERE job_id = ? AND"
                             " custom_id = ?", [state, self.job_id, custom])
                stored.append(custom)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return stored


def _collect(db: Database, db_path: str | os.PathLike[str], job: jobs.Job, endpoint: Endpoint,
             client: BatchClient, ended: list[tuple[dict, BatchState]], who: str
             ) -> SplitReport:
    splitter = _job_splitter(job.settings, endpoint)
    model = splitter.llm
    assert isinstance(model, OpenAICompatibleModel)
    rung = job.settings.get("rung") or JSON_SCHEMA
    fmt = structured_format(rung, SPLIT_SCHEMA)
    run_id = start_run(db, "split", {"splitter": splitter.name, "batch_job": job.id,
                                     "started_by": who, "model": splitter.model})
    try:
        claim(db, run_id)
    except SplitBusy as exc:
        finish_run(db, run_id, {}, status="refused", message=str(exc))
        raise
    report = SplitReport(run_id=run_id)
    writer = _BatchWriter(db, splitter.name, report, job.id, job.settings)
    log = CallLog(db_path, run_id=run_id)
    try:
        with Heartbeat(Path(db_path), run_id):
            _store_answers(db, job, client, ended, splitter, model, fmt, writer, log)
    except BaseException as exc:
        log.close()
        finish_run(db, run_id, _counts(report), status="failed",
                   message=f"interrupted: {type(exc).__name__}: {exc}"[:500])
        raise
    log.close()
    _settle(db, report, None, 0)
    finish_run(db, run_id, _counts(report),
               message=f"batch job {job.id}: {report.split} split, {report.failed} failed")
    return report


def _store_answers(db: Database, job: jobs.Job, client: BatchClient,
                   ended: list[tuple[dict, BatchState]], splitter: LLMSplitter,
                   model: OpenAICompatibleModel, fmt: dict | None, writer: _BatchWriter,
                   log: CallLog) -> None:
    """Store every ended batch's answers, chunk by chunk; then mark the batch collected."""
    for row, state in ended:
        answers: dict[str, dict] = {}
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id:
                for record in _read_lines(client.content(file_id)):
                    answers.setdefault(record["custom_id"], record)
        customs = [r[0] for r in db.execute(
            "SELECT custom_id FROM split_batch_items WHERE job_id = ? AND shard = ? AND"
            " state = ?", [job.id, row["shard"], SUBMITTED]).fetchall()]
        for start in range(0, len(customs), WRITE_CHUNK):
            chunk = customs[start:start + WRITE_CHUNK]
            conversations = _conversations(db, [conversation_of(c) for c in chunk])
            results = [(c, _judge(splitter, model, fmt, answers.get(c),
                                  conversations.get(conversation_of(c)), log, job.settings))
                       for c in chunk]
            writer.write_items(results)
        with db.atomic():
            db.execute("UPDATE split_batches SET collected = 1 WHERE job_id = ? AND"
                       " shard = ?", [job.id, row["shard"]])


def _conversations(db: Database, ids: list[str]) -> dict[str, Conversation]:
    return {r["id"]: conversation_from_row(r) for r in _rows(db, ids)}


def _judge(splitter: LLMSplitter, model: OpenAICompatibleModel, fmt: dict | None,
           record: dict | None, conversation: Conversation | None, log: CallLog,
           settings: dict) -> SplitResult | None:
    """The result for one line (None when the provider never answered it)."""
    if record is None or conversation is None:
        return None
    response = record.get("response") if isinstance(record.get("response"), dict) else None
    error = record.get("error") if isinstance(record.get("error"), dict) else None
    status = response.get("status_code") if response else None
    body = response.get("body") if response else None
    if error is not None or status != 200 or not isinstance(body, dict):
        inner = error or ((body or {}).get("error") if isinstance(body, dict) else None) or {}
        code = inner.get("code") if isinstance(inner, dict) else None
        if code in NOT_ANSWERED:
            return None
        message = inner.get("message") if isinstance(inner, dict) else None
        where = f"HTTP {status}" if status else "error"
        return SplitResult(error=model.redact(
            f"batch request failed ({where}{f', {code}' if code else ''}): "
            f"{message or 'no message'}")[:500])
    from openai.types.chat import ChatCompletion

    try:
        completion = completion_from(ChatCompletion.model_validate(body), 0.0, fmt)
    except Exception as exc:  # noqa: BLE001 - an unreadable line fails that conversation
        return SplitResult(error=f"batch answer unreadable: {type(exc).__name__}: {exc}"[:500])
    request = {"custom_id": record.get("custom_id"), "batch": True}
    call = make_record(model=model.model_id, provider=model.provider,
                       endpoint=model.endpoint.safe_url, local=model.endpoint.is_local,
                       tags=None, request=request, started_at=now_iso(), latency_s=0.0,
                       completion=completion)
    call.purpose, call.subject = PURPOSE, conversation_of(str(record.get("custom_id")))
    call.prompt_version = prompt_tag(settings.get("prompt_version"),
                                     settings.get("prompt_version_id"))
    call.cost_usd = estimate_cost(model.model_id, local=model.endpoint.is_local,
                                  input_tokens=completion.input_tokens,
                                  output_tokens=completion.output_tokens, batch=True)
    log.record(call)
    return splitter.judge(completion, conversation)
