import os
import subprocess
import sys
import threading

import pytest

from reviewer import jobs
from reviewer.db import connect
from reviewer.jobs import store
from reviewer.splitting import make_splitter, split_pending


def test_job_progress_and_result_are_persisted(db, db_path):
    executor = jobs.Executor()
    release = threading.Event()

    def work(progress):
        progress(1, 4)
        release.wait(30)
        progress(4, 4)
        return {"answer": "finished"}

    job_id = executor.start(db_path, "split", work, settings={"splitter": "rules"})
    running = store.get(db, job_id)
    assert running.status == jobs.RUNNING and running.settings == {"splitter": "rules"}
    with pytest.raises(jobs.JobBusy) as busy:
        executor.start(db_path, "split", work)
    assert busy.value.job.id == job_id
    # Another kind is independent.
    other = executor.start(db_path, "eval", lambda progress: 1)
    assert executor.wait(db_path, other, 30) and store.get(db, other).result == 1
    release.set()
    assert executor.wait(db_path, job_id, 30)
    done = store.get(db, job_id)
    assert (done.status, done.result, done.done, done.total) == (
        jobs.SUCCEEDED, {"answer": "finished"}, 4, 4)
    assert done.finished_at and done.fraction == 1.0
    assert store.latest(db, "split").id == job_id
    # Once finished, a new job of the kind may start.
    again = executor.start(db_path, "split", lambda progress: 2)
    assert executor.wait(db_path, again, 30) and store.get(db, again).result == 2


def test_job_failure_is_recorded_not_raised(db, db_path):
    executor = jobs.Executor()

    def work(progress):
        raise ValueError("model endpoint refused")

    job_id = executor.start(db_path, "split", work)
    assert executor.wait(db_path, job_id, 30)
    job = store.get(db, job_id)
    assert (job.status, job.error, job.error_type) == (
        jobs.FAILED, "ValueError: model endpoint refused", "ValueError")
    assert job.finished_at is not None


def test_a_job_whose_process_died_is_marked_interrupted(db):
    # A real process that claims a job, then is killed before finishing it.
    code = ("import sys, os, signal; from reviewer.db import connect; "
            "from reviewer.jobs import store; db = connect(sys.argv[1]); "
            "print(store.create(db, 'split', status='running'), flush=True); "
            "db.close(); os.kill(os.getpid(), signal.SIGKILL)")
    db_file = db.execute("PRAGMA database_list").fetchone()[2]
    proc = subprocess.run([sys.executable, "-c", code, db_file], capture_output=True,
                          text=True, timeout=60, env=os.environ.copy())
    job_id = int(proc.stdout.strip())
    assert store.get(db, job_id).status == jobs.RUNNING  # nobody has looked yet
    assert store.active(db, "split") is None  # looking reaps it
    job = store.get(db, job_id)
    assert job.status == jobs.INTERRUPTED and "stopped" in (job.error or "")
    # A job of this (live) process is left alone.
    mine = store.create(db, "split", status="running")
    assert store.reap(db) == []
    assert store.get(db, mine).status == jobs.RUNNING


def test_remote_jobs_are_never_reaped(db):
    job_id = store.create(db, "fine-tune", provider="openai", external_id="ftjob-1",
                          status="running", local=False)
    assert store.reap(db) == []
    assert store.get(db, job_id).status == jobs.RUNNING


def test_unknown_fields_and_statuses_are_refused(db):
    job_id = store.create(db, "split")
    with pytest.raises(ValueError):
        store.update(db, job_id, status="exploded")
    with pytest.raises(ValueError):
        store.update(db, job_id, pid=1)


def test_split_runs_as_a_background_job(db_path):
    from reviewer.importing import import_paths
    from reviewer.paths import SAMPLES_DIR

    db = connect(db_path)
    try:
        import_paths(db, [SAMPLES_DIR])
        executor = jobs.Executor()
        job_id = executor.start(db_path, "split",
                                lambda progress: split_pending(db_path, make_splitter("rules"),
                                                               progress=progress))
        assert executor.wait(db_path, job_id, 60)
        job = store.get(db, job_id)
        assert job.status == jobs.SUCCEEDED
        assert job.result["split"] == job.total == job.done == 26
    finally:
        db.close()
