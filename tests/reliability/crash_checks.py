"""The crash tests' tools: transcripts on disk, the real CLI in a subprocess, and what must
hold in a database and an export directory after any crash and a rerun."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def query(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db_path: Path, table: str) -> int:
    try:
        return int(query(db_path, f"SELECT count(*) FROM {table}")[0][0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def assert_database_clean(db_path: Path) -> None:
    """Integrity ok, no duplicate pairs, no run left running."""
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert query(db_path, "SELECT conversation_id, position, count(*) FROM pairs"
                          " WHERE status != 'deleted' GROUP BY 1, 2 HAVING count(*) > 1") == []
    assert query(db_path, "SELECT id, kind FROM runs WHERE status = 'running'") == []
    # the per-status counts kept by triggers agree with the table
    assert dict(query(db_path, "SELECT status, n FROM pair_status_counts WHERE n != 0")) == dict(
        query(db_path, "SELECT status, count(*) FROM pairs GROUP BY status"))


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a database file (WAL included)."""
    src, dst = sqlite3.connect(str(source)), sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


TRANSCRIPT = ("Customer: My X200 router #{i} keeps dropping Wi-Fi every evening.\n"
              "Engineer: Please update the X200 firmware to 2.{i} and turn off band steering.\n"
              "Customer: Will that erase my settings on unit {i}?\n"
              "Engineer: No, the update keeps all settings.\n"
              "---\n"
              "고객: 프린터 P{i}에서 용지 걸림 오류가 계속 나요.\n"
              "엔지니어: 뒷면 덮개를 열고 걸린 용지를 제거한 뒤 전원을 껐다 켜 주세요. ({i})\n"
              "---\n")


def write_transcripts(directory: Path, conversations: int, per_file: int = 200) -> Path:
    """`conversations` distinct conversations (English and Korean) in .txt files."""
    directory.mkdir(parents=True, exist_ok=True)
    pieces = conversations // 2
    for start in range(0, pieces, per_file // 2):
        text = "".join(TRANSCRIPT.format(i=i) for i in range(start, min(pieces,
                                                                          start + per_file // 2)))
        (directory / f"dump-{start:06d}.txt").write_text(text, "utf-8")
    return directory


def wait_until(condition: Callable[[], bool], ceiling: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail after a generous ceiling."""
    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def kill_when(proc: subprocess.Popen, condition: Callable[[], bool]) -> None:
    """SIGKILL `proc` once `condition()` holds; it must not have finished by then."""
    try:
        wait_until(lambda: condition() or proc.poll() is not None)
    finally:
        if proc.poll() is None:  # also when the wait failed: never leave it running
            proc.send_signal(signal.SIGKILL)
        code = proc.wait(30)
    assert code == -signal.SIGKILL, "it finished before the kill point"


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWER_CRASH")}
    env.update(extra)
    return env


def start_cli(db_path: Path, *args: str, **env: str) -> subprocess.Popen:
    """The CLI in a subprocess about to be killed; its output is not needed (and a pipe
    nobody reads could fill and stall it)."""
    return subprocess.Popen([sys.executable, "-m", "reviewer.cli", "--db", str(db_path), *args],
                            env=cli_env(**env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run_cli(db_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewer.cli", "--db", str(db_path), *args],
                          env=cli_env(**env), capture_output=True, text=True, timeout=300)
