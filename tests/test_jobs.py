import threading

import pytest

from reviewer import jobs
from reviewer.db import connect
from reviewer.splitting import make_splitter, split_pending


def test_job_reports_progress_and_result():
    runner = jobs.JobRunner()
    release = threading.Event()

    def work(progress):
        progress(1, 4)
        release.wait(5)
        progress(4, 4)
        return "finished"

    job = runner.start("split", "a.db", work)
    assert job.running
    with pytest.raises(jobs.JobBusy) as busy:
        runner.start("split", "a.db", work)
    assert busy.value.job is job
    # Another database or another kind is independent.
    other = runner.start("split", "b.db", lambda progress: 1)
    assert runner.wait(other, 5) and other.result == 1
    release.set()
    assert runner.wait(job, 5)
    assert (job.state, job.result, job.fraction) == (jobs.DONE, "finished", 1.0)
    assert runner.latest("split", "a.db") is job
    # Once finished, a new job may start.
    again = runner.start("split", "a.db", lambda progress: 2)
    assert runner.wait(again, 5) and again.result == 2


def test_job_failure_is_captured_not_raised():
    runner = jobs.JobRunner()

    def work(progress):
        raise ValueError("model endpoint refused")

    job = runner.start("split", "a.db", work)
    assert runner.wait(job, 5)
    assert job.state == jobs.FAILED
    assert job.error == "ValueError: model endpoint refused"
    assert job.finished_at is not None


def test_split_runs_as_a_background_job(db_path):
    from reviewer.importing import import_paths
    from reviewer.paths import SAMPLES_DIR

    db = connect(db_path)
    import_paths(db, [SAMPLES_DIR])
    db.close()
    runner = jobs.JobRunner()
    job = runner.start("split", str(db_path),
                       lambda progress: split_pending(db_path, make_splitter("rules"),
                                                      progress=progress))
    assert runner.wait(job, 60)
    assert job.state == jobs.DONE
    assert job.result.split == job.total == job.done == 26
