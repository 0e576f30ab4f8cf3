"""Cancelling a Batch API split: the provider stops its batches, the conversations come back.

Each batch of the job that is still out is cancelled at the provider (the SDK's cancel). The
conversations of every batch the provider accepted the cancel for are released: their items
become ``cancelled``, so live splits and later batches take them again (their split status
never changed while they were out). Answers the provider still delivers for a cancelled
batch are not stored. When every batch was cancelled the job is marked cancelled; a batch
whose cancel failed keeps its conversations and the job stays open, so `jobs poll` can
still collect it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..db import connect, now_iso
from ..jobs import store as jobs
from ..llm.batch import BatchAPIError, BatchClient
from .batch import KIND, SUBMITTED, BatchSplitError, item_counts, job_result

CANCELLED = "cancelled"  # an item whose batch was cancelled: the conversation is free again


@dataclass
class CancelResult:
    job_id: int
    status: str  # the job's status afterwards
    cancelled: list[str] = field(default_factory=list)  # batch ids the provider cancels
    errors: list[str] = field(default_factory=list)  # batches whose cancel failed
    released: int = 0  # conversations given back to live splits

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        out = [f"batch job {self.job_id}: {self.status}; {len(self.cancelled)} batch(es) "
               f"cancelled at the provider; {self.released:,} conversation(s) released "
               "for live splits"]
        out.extend(f"  not cancelled: {e}" for e in self.errors)
        if self.errors:
            out.append(f"the job stays open: reviewer jobs poll {self.job_id} collects what "
                       "those batches answer")
        return out


def cancel_batch_job(db_path: str | os.PathLike[str], job_id: int, *,
                     client: BatchClient | None = None,
                     providers_file: Path | None = None) -> CancelResult:
    """Cancel job `job_id`'s batches at the provider and release their conversations."""
    from .batch_poll import _job_endpoint

    db = connect(db_path)
    try:
        job = jobs.get(db, job_id)
        if job is None or job.kind != KIND:
            raise BatchSplitError(f"no batch split job {job_id}")
        if not job.active:
            raise BatchSplitError(f"batch job {job_id} has already ended ({job.status})")
        own_client = client is None
        client = client or BatchClient(_job_endpoint(job.settings, providers_file))
        result = CancelResult(job_id, job.status)
        try:
            for row in db.query("SELECT shard, batch_id FROM split_batches WHERE job_id = ?"
                                " AND collected = 0 ORDER BY shard", [job_id]):
                try:
                    state = client.cancel(row["batch_id"])
                except BatchAPIError as exc:
                    result.errors.append(str(exc))
                    continue
                result.cancelled.append(row["batch_id"])
                with db.atomic():
                    result.released += db.execute(
                        "UPDATE split_batch_items SET state = ? WHERE job_id = ? AND shard = ?"
                        " AND state = ?", [CANCELLED, job_id, row["shard"], SUBMITTED]
                    ).rowcount
                    db.execute("UPDATE split_batches SET status = ?, collected = 1,"
                               " updated_at = ? WHERE job_id = ? AND shard = ?",
                               [state.status, now_iso(), job_id, row["shard"]])
        finally:
            if own_client:
                client.close()
        previous = job.result if isinstance(job.result, dict) else {}
        fields: dict = {"result": job_result(db, job_id, runs=list(previous.get("runs") or []),
                                             previous=previous),
                        "done": sum(n for s, n in item_counts(db, job_id).items()
                                    if s != SUBMITTED)}
        if not result.errors:
            fields["status"] = result.status = jobs.CANCELLED
        jobs.update(db, job_id, **fields)
        return result
    finally:
        db.close()
