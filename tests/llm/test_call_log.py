"""The `llm_calls` log: many writer threads, one real SQLite file, nothing lost."""

from __future__ import annotations

import threading

import pytest

from reviewer.db import connect, opened
from reviewer.llm import CallLog, CallTags, Completion, recording_calls
from reviewer.llm.calls import make_record
from reviewer.llm.pricing import estimate_cost


def record(n: int, **kwargs):
    done = Completion("{}", "stop", input_tokens=100 + n, output_tokens=10, latency_s=0.25,
                      response_id=f"r{n}")
    options = {"model": "gpt-4o-mini", "provider": "openai",
               "endpoint": "https://api.openai.com/v1", "local": False,
               "tags": CallTags("split", f"conv-{n}", "split-v1"), "request": {"n": n},
               "started_at": "2026-11-27T10:00:00+00:00", "latency_s": 0.25,
               "completion": done}
    options.update(kwargs)
    return make_record(**options)


def rows(db_path, sql="SELECT * FROM llm_calls ORDER BY id"):
    with opened(db_path) as db:
        return list(db.query(sql))


def test_many_threads_write_every_record_once(db, db_path):
    threads_n, per_thread = 8, 60
    start = threading.Barrier(threads_n)
    with CallLog(db_path, run_id=7, flush_every=16) as log:
        def work(t: int) -> None:
            start.wait()
            for i in range(per_thread):
                log.record(record(t * 1000 + i))

        threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # While the run's own connection writes too (as the split runner does).
        db.execute("INSERT INTO runs (kind, started_at, status) VALUES ('split', 'x', 'done')")
        db.conn.commit()
    stored = rows(db_path)
    assert len(stored) == threads_n * per_thread == log.written
    assert len({r["subject"] for r in stored}) == threads_n * per_thread
    assert {r["run_id"] for r in stored} == {7}
    first = next(r for r in stored if r["subject"] == "conv-0")
    assert (first["purpose"], first["model"], first["provider"]) == ("split", "gpt-4o-mini",
                                                                     "openai")
    assert (first["input_tokens"], first["output_tokens"], first["latency_ms"]) == (100, 10,
                                                                                  250.0)
    assert first["finish_reason"] == "stop" and first["response_id"] == "r0"
    assert first["prompt_version"] == "split-v1" and len(first["request_hash"]) == 32
    assert first["cost_usd"] == pytest.approx((100 * 0.3 + 10 * 1.2) / 1e6)


def test_records_wait_in_the_buffer_until_a_batch_fills_or_close(db_path):
    log = CallLog(db_path, flush_every=3, flush_seconds=3600)
    log.record(record(1))
    log.record(record(2))
    connect(db_path).close()
    assert rows(db_path) == []
    log.record(record(3))
    assert len(rows(db_path)) == 3
    log.record(record(4))
    log.close()
    assert len(rows(db_path)) == 4
    log.record(record(5))  # a straggler after close is written at once
    assert [r["subject"] for r in rows(db_path)][-1] == "conv-5"


def test_a_failed_write_keeps_the_records(tmp_path):
    blocked = tmp_path / "no-such-dir-file"
    blocked.write_text("not a directory")
    log = CallLog(blocked / "x.db", flush_every=1)
    log.record(record(1))  # cannot open the database: logged, not raised
    assert log.written == 0 and log.pending == 1
    log.close()


def test_recording_calls_binds_and_restores(db_path):
    class Target:
        def __init__(self):
            self.sink = "before"

        def record_calls_to(self, sink):
            previous, self.sink = self.sink, sink
            return previous

    target = Target()
    with recording_calls(target, db_path, 3) as log:
        assert target.sink is log and log.run_id == 3
    assert target.sink == "before"
    with recording_calls(object(), db_path, 3) as nothing:  # the rules splitter
        assert nothing is None


@pytest.mark.parametrize(("model", "local", "tokens", "cost"), [
    ("gpt-4o-mini", False, (1_000_000, 0), 0.3),
    ("gpt-4o-mini-2024-07-18", False, (0, 1_000_000), 1.2),
    ("gpt-4.1", False, (1_000_000, 1_000_000), 15.0),
    ("llama3.2", False, (1000, 1000), None),
    ("", False, (1000, 1000), None),
    ("gpt-4o-mini", True, (1000, 1000), 0.0),
    ("gpt-4o-mini", False, (None, None), None),
])
def test_cost_estimates(model, local, tokens, cost):
    got = estimate_cost(model, local=local, input_tokens=tokens[0], output_tokens=tokens[1])
    assert got == (pytest.approx(cost) if cost is not None else None)
