"""One rate limiter shared by every worker of a run.

A 429 seen by one worker is a signal about the whole account, not about one request: the
limiter pauses every worker until the server's ``Retry-After`` (or a backoff) has passed and
halves how many calls may be in flight; each stretch of calls without a 429 raises that
number by one again, up to the run's concurrency. An error that no retry can fix (a
missing or wrong key, an exhausted quota) stops the limiter: calls not yet made are refused
at once, and the run ends with that one reason instead of failing every conversation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .base import LLMError


class RunStopped(LLMError):
    """Raised to calls that wait on a stopped limiter: the run is ending."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "stopped")


@dataclass(frozen=True)
class LimiterStats:
    rate_limited: int  # 429 answers seen
    paused_s: float  # total time every worker was held back by Retry-After / backoff
    lowest: int  # the lowest concurrency reached
    current: int
    ceiling: int

    def to_dict(self) -> dict:
        return {"rate_limited": self.rate_limited, "paused_s": round(self.paused_s, 3),
                "lowest_concurrency": self.lowest, "concurrency": self.current,
                "max_concurrency": self.ceiling}


class AdaptiveLimiter:
    """Admits at most `limit` calls at once; `limit` halves on a 429 and creeps back up."""

    def __init__(self, ceiling: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = max(1, int(ceiling))
        self.limit = self.ceiling
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._paused_until = 0.0
        self._streak = 0  # successes since the last 429 (or the last raise of the limit)
        self._rate_limited = 0
        self._paused_s = 0.0
        self._lowest = self.ceiling
        self.stop_reason: str | None = None
        self.stop_kind: str | None = None  # auth | quota | max_cost

    # -- the call's side ----------------------------------------------------------------------
    def acquire(self) -> None:
        """Wait for a free slot and for any pause to pass; `RunStopped` once stopped."""
        with self._cond:
            while True:
                if self.stop_reason is not None:
                    raise RunStopped(self.stop_reason)
                wait = self._paused_until - self._clock()
                if wait <= 0 and self._in_flight < self.limit:
                    self._in_flight += 1
                    return
                self._cond.wait(timeout=wait if wait > 0 else None)

    def release(self, *, ok: bool) -> None:
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            if ok:
                self._streak += 1
                if self.limit < self.ceiling and self._streak >= self.limit:
                    self.limit += 1
                    self._streak = 0
            self._cond.notify_all()

    def rate_limited(self, retry_after: float) -> None:
        """A 429: hold every worker back `retry_after` seconds and halve the limit."""
        with self._cond:
            self._rate_limited += 1
            self._streak = 0
            now = self._clock()
            until = now + max(0.0, retry_after)
            if until > self._paused_until:
                self._paused_s += until - max(now, self._paused_until)
                self._paused_until = until
            self.limit = max(1, self.limit // 2)
            self._lowest = min(self._lowest, self.limit)
            self._cond.notify_all()

    def stop(self, reason: str, kind: str = "stopped") -> None:
        """No more calls: every waiting and later `acquire` raises `RunStopped`."""
        with self._cond:
            if self.stop_reason is None:
                self.stop_reason, self.stop_kind = reason, kind
            self._cond.notify_all()

    @staticmethod
    def describe(stats: dict) -> str:
        """The report line for `LimiterStats.to_dict()` output."""
        return (f"rate limited {stats['rate_limited']} time(s): every worker paused "
                f"{stats['paused_s']:.1f} s in all; concurrency lowered to "
                f"{stats['lowest_concurrency']} (ended at {stats['concurrency']} of "
                f"{stats['max_concurrency']})")

    def stats(self) -> LimiterStats:
        with self._cond:
            return LimiterStats(self._rate_limited, self._paused_s, self._lowest, self.limit,
                                self.ceiling)


@contextmanager
def limiting(target: object, concurrency: int) -> Iterator[AdaptiveLimiter | None]:
    """While the block runs, the model behind `target` (a splitter's ``llm``, or a model)
    calls through one shared `AdaptiveLimiter`; None for targets that make no model calls."""
    model = getattr(target, "llm", target)
    if not hasattr(model, "limiter"):
        yield None
        return
    limiter = AdaptiveLimiter(concurrency)
    previous = model.limiter
    model.limiter = limiter
    try:
        yield limiter
    finally:
        model.limiter = previous
