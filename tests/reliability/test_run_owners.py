"""A run whose process is gone is marked interrupted, and a dead split's lease is taken over
at once; runs of live processes, or of other hosts that still beat, are left alone."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from reviewer.db import now_iso
from reviewer.jobs.store import this_process
from reviewer.runs import STALE_AFTER, recent_runs, start_run
from reviewer.splitting import SplitBusy, make_splitter, split_pending
from reviewer.splitting.lease import claim


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited (and been waited for)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running(db, kind="import", *, host=None, pid=None, pid_started=None, heartbeat_at=None,
             started_at=None) -> int:
    cursor = db.execute(
        "INSERT INTO runs (kind, started_at, status, heartbeat_at, host, pid, pid_started)"
        " VALUES (?, ?, 'running', ?, ?, ?, ?)",
        [kind, started_at or now_iso(), heartbeat_at, host, pid, pid_started])
    return int(cursor.lastrowid)


def _status(db, run_id: int) -> tuple[str, str | None, str | None]:
    return db.execute("SELECT status, finished_at, message FROM runs WHERE id = ?",
                      [run_id]).fetchone()


def test_a_new_run_records_its_process(db):
    run_id = start_run(db, "import", {})
    host, pid, started = this_process()
    assert db.execute("SELECT host, pid, pid_started FROM runs WHERE id = ?",
                      [run_id]).fetchone() == (host, pid, started)


def test_listing_runs_marks_a_dead_processes_run_interrupted(db, dead_pid):
    dead = _running(db, host=socket.gethostname(), pid=dead_pid, pid_started="1")
    host, pid, started = this_process()
    alive = _running(db, "export", host=host, pid=pid, pid_started=started)
    reused = _running(db, "export", host=host, pid=pid, pid_started="not-this-one")
    by_id = {r["id"]: r for r in recent_runs(db)}
    assert by_id[dead]["status"] == "interrupted" and by_id[dead]["finished_at"]
    assert f"pid {dead_pid}" in by_id[dead]["message"]
    assert by_id[alive]["status"] == "running"
    assert by_id[reused]["status"] == "interrupted"  # the pid now belongs to another process


def test_starting_a_run_marks_dead_runs_and_says_so(db, dead_pid):
    dead = _running(db, "import", host=socket.gethostname(), pid=dead_pid)
    run_id = start_run(db, "export", {})
    assert _status(db, dead)[0] == "interrupted"
    assert f"run {dead} (import) marked interrupted" in _status(db, run_id)[2]


def test_other_hosts_runs_go_by_their_heartbeat(db):
    old = (datetime.now(UTC) - STALE_AFTER - timedelta(seconds=5)).isoformat()
    stale = _running(db, "split", host="elsewhere", pid=1, heartbeat_at=old)
    beating = _running(db, "split", host="elsewhere", pid=1, heartbeat_at=now_iso())
    silent = _running(db, "import", host="elsewhere", pid=1)  # no heartbeat: cannot tell
    ancient = _running(db, "import", started_at="2020-01-01T00:00:00+00:00")  # no owner
    recent_runs(db)
    assert _status(db, stale)[0] == "interrupted"
    assert _status(db, beating)[0] == "running"
    assert _status(db, silent)[0] == "running"
    assert _status(db, ancient)[0] == "interrupted"


def test_claim_takes_over_a_dead_splits_fresh_lease(db, dead_pid):
    dead = _running(db, "split", host=socket.gethostname(), pid=dead_pid,
                    heartbeat_at=now_iso())
    cursor = db.execute("INSERT INTO runs (kind, started_at, status) VALUES "
                        "('split', ?, 'running')", [now_iso()])
    mine = int(cursor.lastrowid)
    assert claim(db, mine) == [dead]
    assert _status(db, dead)[0] == "interrupted"
    assert f"run {mine} took over its split lease" in _status(db, dead)[2]
    assert f"took over the split lease of run {dead}" in _status(db, mine)[2]


def test_a_killed_split_does_not_block_the_next(db, db_path, add_conversation, dead_pid):
    add_conversation(2)
    dead = _running(db, "split", host=socket.gethostname(), pid=dead_pid,
                    heartbeat_at=now_iso())
    report = split_pending(db_path, make_splitter("rules"))
    assert report.split >= 1
    status, _, message = _status(db, report.run_id)
    assert status == "done" and "its split lease is taken over" in message
    assert message.endswith(f"{report.split} split, 0 failed")
    assert _status(db, dead)[0] == "interrupted"


def test_a_live_split_on_this_host_still_blocks(db, db_path, add_conversation):
    add_conversation(2)
    host, pid, started = this_process()
    _running(db, "split", host=host, pid=pid, pid_started=started, heartbeat_at=now_iso())
    with pytest.raises(SplitBusy):
        split_pending(db_path, make_splitter("rules"))


def test_overview_shows_an_interrupted_run(db, dead_pid):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    dead = _running(db, "export", host=socket.gethostname(), pid=dead_pid)
    app = Path(__file__).resolve().parents[2] / "app.py"
    at = AppTest.from_file(str(app), default_timeout=30)
    at.session_state["reviewer_name"] = "tester"
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning if f"Interrupted run(s): {dead}." in w.value]
    table = at.dataframe[-1].value
    assert table.loc[table["run"] == dead, "status"].tolist() == ["interrupted"]


def test_any_command_that_opens_the_database_marks_dead_runs(tmp_path):
    """`reviewer status` (which starts no run) still marks a killed run interrupted."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from reviewer.cli import cli
    from reviewer.db import connect

    db_path = tmp_path / "r.db"
    code = ("import os, signal, sys; from reviewer.db import connect; "
            "from reviewer.runs import start_run; db = connect(sys.argv[1]); "
            "start_run(db, 'import', {}); db.close(); os.kill(os.getpid(), signal.SIGKILL)")
    subprocess.run([sys.executable, "-c", code, str(db_path)], timeout=60)
    assert CliRunner().invoke(cli, ["--db", str(db_path), "status"]).exit_code == 0
    db = connect(db_path)
    try:
        assert db.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
    finally:
        db.close()
