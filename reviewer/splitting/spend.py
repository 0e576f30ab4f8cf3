"""The spend of a running split, counted as its calls are recorded, and its ceiling.

Every call record passes through `SpendMeter` on its way to the run's `CallLog`, so the
running total is the same figure ``llm_calls`` will hold. When it reaches ``--max-cost`` the
run's limiter is stopped: calls already made finish and are stored, no new call starts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..llm.calls import CallLog, CallRecord, CallSink
from ..llm.limiter import AdaptiveLimiter
from ..llm.usage import format_usd

MAX_COST = "max_cost"


class SpendMeter:
    """A call sink that adds up `cost_usd` and forwards every record."""

    def __init__(self, sink: CallSink, *, max_cost: float | None = None,
                 limiter: AdaptiveLimiter | None = None) -> None:
        self.sink = sink
        self.max_cost = max_cost
        self.limiter = limiter
        self.spent = 0.0
        self.calls = 0
        self.unpriced = 0  # answered calls whose price is unknown
        self._lock = threading.Lock()

    def record(self, call: CallRecord) -> None:
        with self._lock:
            self.calls += 1
            if call.cost_usd is not None:
                self.spent += call.cost_usd
            elif call.error is None:
                self.unpriced += 1
            reached = self.max_cost is not None and self.spent >= self.max_cost
            spent = self.spent
        self.sink.record(call)
        if reached and self.limiter is not None and self.max_cost is not None:
            self.limiter.stop(f"stopped: spend reached --max-cost {format_usd(self.max_cost)} "
                              f"({format_usd(spent)} spent)", MAX_COST)


@contextmanager
def metered_calls(target: object, db_path: str | os.PathLike[str], run_id: int | None, *,
                  max_cost: float | None = None,
                  limiter: AdaptiveLimiter | None = None) -> Iterator[SpendMeter | None]:
    """Like `reviewer.llm.recording_calls`, with the records counted on the way."""
    attach = getattr(target, "record_calls_to", None)
    if attach is None:
        yield None
        return
    call_log = CallLog(db_path, run_id=run_id)
    meter = SpendMeter(call_log, max_cost=max_cost, limiter=limiter)
    previous = attach(meter)
    try:
        yield meter
    finally:
        attach(previous)
        call_log.close()
