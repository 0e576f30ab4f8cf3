"""The shared limiter on its own, with real threads: a pause holds every worker back, the
concurrency halves on a 429 and climbs back, a stop refuses every later call."""

from __future__ import annotations

import threading
import time

import pytest

from reviewer.llm.limiter import AdaptiveLimiter, RunStopped


def test_a_pause_seen_by_one_worker_holds_back_the_others():
    limiter = AdaptiveLimiter(4)
    limiter.acquire()
    limiter.release(ok=False)
    paused_at = time.monotonic()
    limiter.rate_limited(0.3)
    admitted: list[float] = []

    def worker() -> None:
        limiter.acquire()
        admitted.append(time.monotonic())
        limiter.release(ok=True)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(admitted) == 3
    assert min(admitted) - paused_at >= 0.3 - 1e-3  # nobody went before the pause ended
    stats = limiter.stats()
    assert stats.rate_limited == 1 and stats.paused_s >= 0.3 - 1e-3


def test_limit_halves_on_429_and_recovers_after_successes():
    limiter = AdaptiveLimiter(8)
    limiter.rate_limited(0)
    assert limiter.limit == 4
    limiter.rate_limited(0)
    assert limiter.limit == 2 and limiter.stats().lowest == 2
    for _ in range(2):  # a stretch as long as the limit raises it by one
        limiter.acquire()
        limiter.release(ok=True)
    assert limiter.limit == 3
    for _ in range(3 + 4 + 5 + 6 + 7 + 10):
        limiter.acquire()
        limiter.release(ok=True)
    assert limiter.limit == 8  # never above the run's concurrency


def test_at_most_limit_calls_in_flight():
    limiter = AdaptiveLimiter(2)
    limiter.acquire()
    limiter.acquire()
    third = threading.Event()

    def worker() -> None:
        limiter.acquire()
        third.set()

    t = threading.Thread(target=worker)
    t.start()
    assert not third.wait(0.2)  # held while two are in flight
    limiter.release(ok=True)
    assert third.wait(10)
    t.join(10)


def test_stop_wakes_waiters_and_refuses_later_calls():
    limiter = AdaptiveLimiter(1)
    limiter.acquire()
    caught: list[BaseException] = []

    def worker() -> None:
        try:
            limiter.acquire()
        except RunStopped as exc:
            caught.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    limiter.stop("stopped: no quota", "quota")
    t.join(10)
    assert len(caught) == 1 and caught[0].reason == "stopped: no quota"
    with pytest.raises(RunStopped):
        limiter.acquire()
    limiter.stop("another reason", "auth")
    assert (limiter.stop_reason, limiter.stop_kind) == ("stopped: no quota", "quota")
