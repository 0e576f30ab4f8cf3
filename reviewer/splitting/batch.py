"""Splitting through a provider's Batch API: half the price, answers within 24 hours.

`submit_batch` sends the pending conversations as batch input (one line per conversation,
``custom_id`` = conversation id + prompt version, body = exactly the chat request the live
path sends, on the structured-output rung known for the model), sharded within the
provider's limits, and records a ``split_batch`` job with a row per batch and per
conversation (`split_batches`, `split_batch_items`). Those conversations are left out of
live splits while they are out. `reviewer.splitting.batch_poll` follows the job and stores
the answers; conversations it never got an answer for can be sent again with
``submit_batch(..., resubmit_job=JOB)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from ..db import connect, now_iso
from ..jobs import store as jobs
from ..llm.batch import BatchAPIError, BatchClient, BatchLimits, BatchState, chat_url, shard
from ..llm.openai_compat import OpenAICompatibleModel
from ..llm.structured import JSON_SCHEMA, RUNG_CACHE
from ..llm.structured import response_format as structured_format
from ..models import conversation_from_row
from ..review.statuses import SPLIT_DONE, SPLIT_FAILED, SPLIT_PENDING
from ..runs import finish_run, start_run
from .cost import CostEstimate, check_budget, estimate_split
from .lease import Heartbeat, claim
from .llm import SPLIT_SCHEMA, LLMSplitter
from .prompt import PROMPT_VERSION
from .retrying import choose_retries, held_lines
from .runner import _rows, selectable_ids

KIND = "split_batch"
TOO_LONG = "too long for a batch line; split it live (reviewer split --splitter llm)"
SUBMITTED, DONE, FAILED, MISSING, RESENT = "submitted", "done", "failed", "missing", "resent"


class BatchSplitError(RuntimeError):
    """The batch split cannot be submitted or followed as asked."""


def custom_id(conversation_id: str, prompt_version: str = PROMPT_VERSION) -> str:
    return f"{conversation_id}:{prompt_version}"


def conversation_of(custom: str) -> str:
    return custom.split(":", 1)[0]


@dataclass
class Submission:
    job_id: int | None
    conversations: int
    shards: list[dict] = field(default_factory=list)  # batch_id, requests, bytes
    estimate: CostEstimate | None = None
    error: str | None = None  # a shard could not be submitted (those before it were)
    # failed conversations held back: the same settings would fail again (id, code)
    not_retried: list[tuple[str, str]] = field(default_factory=list)
    # conversations over the context budget: chunks are split live, not in a batch line
    too_long: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["estimate"] = self.estimate.to_dict() if self.estimate else None
        return data

    def lines(self) -> list[str]:
        if self.job_id is None:
            left_out = self._left_out_lines()
            return [f"nothing to submit: no conversation {'else ' if left_out else ''}is "
                    "pending", *left_out]
        out = [f"batch job {self.job_id}: {self.conversations:,} conversation(s) in "
               f"{len(self.shards)} batch(es)"]
        out += [f"  {s['batch_id']}: {s['requests']:,} request(s), {s['bytes']:,} bytes"
                for s in self.shards]
        if self.estimate is not None:
            out.append(self.estimate.line())
        if self.error:
            out.append(f"not submitted: {self.error}")
        out.extend(self._left_out_lines())
        out.append(f"follow it with: reviewer jobs poll {self.job_id}")
        return out

    def _left_out_lines(self) -> list[str]:
        out = held_lines(self.not_retried)
        if self.too_long:
            out.append(f"left out: {len(self.too_long)} conversation(s) {TOO_LONG}")
            out.extend(f"left out {cid}: {TOO_LONG}" for cid in self.too_long)
        return out


def _endpoint_settings(model: OpenAICompatibleModel) -> dict:
    return {"provider": model.endpoint.provider, "base_url": model.endpoint.safe_url,
            "key_env": model.endpoint.key_env}


def _lines(splitter: LLMSplitter, rows: Iterator[dict], rung: str
           ) -> Iterator[tuple[str, bytes]]:
    model = splitter.llm
    if not isinstance(model, OpenAICompatibleModel):
        raise BatchSplitError("the Batch API needs an OpenAI-compatible endpoint")
    url = chat_url(model.endpoint)
    fmt = structured_format(rung, SPLIT_SCHEMA)
    for row in rows:
        conversation = conversation_from_row(row)
        body = model.request(splitter.request_messages(conversation, rung),
                             response_format=fmt,
                             max_tokens=splitter.request_max_tokens(conversation))
        cid = custom_id(row["id"])
        line = {"custom_id": cid, "method": "POST", "url": url, "body": body}
        yield cid, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def submit_batch(db_path: str | os.PathLike[str], splitter: LLMSplitter, *,
                 client: BatchClient | None = None, limits: BatchLimits | None = None,
                 redo: bool = False, retry_failed: bool = False, force_retry: bool = False,
                 resubmit_job: int | None = None, max_cost: float | None = None,
                 who: str = "cli") -> Submission:
    """Send the conversations to the Batch API and record the job (see the module doc).

    With `resubmit_job`, only that job's missing conversations (still unsplit) are sent.
    Raises `SplitBusy` while a live split runs, `CostRefused` over `max_cost`,
    `BatchSplitError` / `BatchAPIError` when nothing could be submitted.
    """
    limits = limits or BatchLimits()
    model = splitter.llm
    if not isinstance(model, OpenAICompatibleModel):
        raise BatchSplitError("the Batch API needs an OpenAI-compatible endpoint")
    rung = RUNG_CACHE.get(model.provider, model.model_id) or JSON_SCHEMA
    db = connect(db_path)
    own_client = client is None
    client = client or BatchClient(model.endpoint)
    try:
        from ..prompts.active import prepare_splitter

        prepare_splitter(db, splitter)  # the same prompt (and few-shot set) a live split sends
        settings = {**splitter.settings(), **_endpoint_settings(model), "rung": rung,
                    "redo": redo, "retry_failed": retry_failed, "force_retry": force_retry,
                    "resubmits": resubmit_job,
                    "max_cost": max_cost, "started_by": who, "batch": True,
                    "max_requests": limits.max_requests, "max_bytes": limits.max_bytes}
        settings.pop("api_key", None)
        run_id = start_run(db, "split", settings)
        try:
            claim(db, run_id)
        except Exception as exc:
            finish_run(db, run_id, {}, status="refused", message=str(exc))
            raise
        try:
            with Heartbeat(Path(db_path), run_id):  # an upload may take minutes
                submission = _submit(db, splitter, client, limits, rung, settings, run_id,
                                     redo=redo, retry_failed=retry_failed,
                                     force_retry=force_retry, resubmit_job=resubmit_job,
                                     max_cost=max_cost)
        except BaseException as exc:
            finish_run(db, run_id, {}, status="failed", message=str(exc)[:500])
            raise
        finish_run(db, run_id, {"submitted": submission.conversations},
                   message=f"batch job {submission.job_id}: {submission.conversations} "
                           f"conversation(s) in {len(submission.shards)} batch(es)")
        return submission
    finally:
        if own_client:
            client.close()
        db.close()


def _submit(db: Database, splitter: LLMSplitter, client: BatchClient, limits: BatchLimits,
            rung: str, settings: dict, run_id: int, *, redo: bool, retry_failed: bool,
            force_retry: bool, resubmit_job: int | None, max_cost: float | None
            ) -> Submission:
    held: list[tuple[str, str]] = []
    if resubmit_job is not None:
        ids = missing_ids(db, resubmit_job)
    else:
        ids = selectable_ids(db, [SPLIT_PENDING] + ([SPLIT_FAILED] if retry_failed else [])
                             + ([SPLIT_DONE] if redo else []))
        if retry_failed:
            choice = choose_retries(db, ids, settings, force=force_retry)
            ids, held = choice.retry, choice.held
    ids, too_long = _one_line_each(db, splitter, ids)
    if not ids:
        return Submission(None, 0, not_retried=held, too_long=too_long)
    estimate = estimate_split(splitter, (conversation_from_row(r) for r in _rows(db, ids)),
                              batch=True)
    check_budget(estimate, max_cost)
    job_id = jobs.create(db, KIND, settings={**settings, "run_id": run_id},
                         provider=settings["provider"], status=jobs.RUNNING, local=False)
    submission = Submission(job_id, 0, estimate=estimate, not_retried=held,
                            too_long=too_long)
    shards = shard(_lines(splitter, _rows(db, ids), rung), limits)
    try:
        for number, part in enumerate(shards):
            data = b"".join(line for _, line in part)
            file_id = client.upload(data, f"split-job{job_id}-{number}.jsonl")
            state = client.create(file_id, metadata={"reviewer_job": str(job_id),
                                                     "shard": str(number)})
            _record_shard(db, job_id, number, state, file_id, [c for c, _ in part])
            submission.shards.append({"batch_id": state.id, "requests": len(part),
                                      "bytes": len(data)})
            submission.conversations += len(part)
    except BatchAPIError as exc:
        submission.error = str(exc)
        if not submission.shards:
            jobs.update(db, job_id, status=jobs.FAILED, error=str(exc),
                        error_type="BatchAPIError")
            raise
    if resubmit_job is not None:
        with db.atomic():
            db.execute("UPDATE split_batch_items SET state = ? WHERE job_id = ? AND state = ?",
                       [RESENT, resubmit_job, MISSING])
    jobs.update(db, job_id, external_id=",".join(s["batch_id"] for s in submission.shards),
                total=submission.conversations,
                result=job_result(db, job_id, estimate=estimate))
    return submission


def _one_line_each(db: Database, splitter: LLMSplitter, ids: list[str]
                   ) -> tuple[list[str], list[str]]:
    """(the conversations that fit one request, those that would need chunks). A batch line
    is one request, so a long conversation stays pending for a live split, which chunks it
    and merges the chunks' pairs."""
    fit: list[str] = []
    too_long: list[str] = []
    for row in _rows(db, ids):
        (fit if splitter.fits_one_request(conversation_from_row(row)) else too_long
         ).append(row["id"])
    return fit, too_long


def _record_shard(db: Database, job_id: int, number: int, state: BatchState, file_id: str,
                  custom_ids: list[str]) -> None:
    with db.atomic():
        db.table("split_batches").insert({
            "job_id": job_id, "shard": number, "batch_id": state.id, "input_file_id": file_id,
            "status": state.status, "requests": len(custom_ids), "collected": 0,
            "updated_at": now_iso()})
        db.conn.executemany(
            "INSERT OR REPLACE INTO split_batch_items (job_id, shard, custom_id,"
            " conversation_id, state) VALUES (?, ?, ?, ?, ?)",
            [(job_id, number, c, conversation_of(c), SUBMITTED) for c in custom_ids])


def missing_ids(db: Database, job_id: int) -> list[str]:
    """Conversations `job_id` never got an answer for that are still unsplit."""
    return [r[0] for r in db.execute(
        "SELECT i.conversation_id FROM split_batch_items i JOIN conversations c"
        " ON c.id = i.conversation_id WHERE i.job_id = ? AND i.state = ?"
        " AND c.split_status IN (?, ?) ORDER BY c.rowid",
        [job_id, MISSING, SPLIT_PENDING, SPLIT_FAILED]).fetchall()]


def item_counts(db: Database, job_id: int) -> dict[str, int]:
    return {state: n for state, n in db.execute(
        "SELECT state, count(*) FROM split_batch_items WHERE job_id = ? GROUP BY state",
        [job_id]).fetchall()}


def job_result(db: Database, job_id: int, *, runs: list[int] | None = None,
                previous: dict | None = None, estimate: CostEstimate | None = None) -> dict:
    result = dict(previous or {})
    result["items"] = item_counts(db, job_id)
    result["runs"] = runs or []
    if estimate is not None:
        result["estimate"] = estimate.to_dict()
    if result["runs"]:
        marks = ",".join("?" * len(result["runs"]))
        cost, unpriced = db.execute(
            f"SELECT sum(cost_usd), sum(error IS NULL AND cost_usd IS NULL) FROM llm_calls"
            f" WHERE run_id IN ({marks})", result["runs"]).fetchone()
        result["cost_usd"], result["unpriced_calls"] = cost, int(unpriced or 0)
    return result


def active_jobs(db: Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM jobs WHERE kind = ? AND status IN (?, ?)"
                                     " ORDER BY id", [KIND, *jobs.ACTIVE]).fetchall()]
