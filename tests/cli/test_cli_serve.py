"""`reviewer serve` really starts the app: the health endpoint answers, the DB is created, and
only the allowed host names get an app session (the DNS-rebinding guard)."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.commands import serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    port: int
    db_path: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """One `reviewer serve` for the module, with one extra allowed host name."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = _free_port()
    db_path = tmp_path / "served.db"
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli", "--db", str(db_path), "serve", "--port",
         str(port), "--allowed-host", "review.test"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as resp:
                    body = resp.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert body == b"ok", log_path.read_text()
        yield Served(port, db_path)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def open_session(port: int, host: str) -> int:
    """Ask for the app's WebSocket (where every page's data flows) with this Host header;
    returns the HTTP status: 101 opens a session, 403 is a refusal."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def test_serve_starts_streamlit_on_loopback(served):
    assert served.db_path.exists()  # created and migrated before the first page asked for it
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/_stcore/health") as resp:
        assert resp.read() == b"ok"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "review.test"])
def test_loopback_and_allowed_names_get_a_session(served, host):
    assert open_session(served.port, f"{host}:{served.port}") == 101


@pytest.mark.parametrize("host", ["evil.test", "evil.test:{port}", "localhost.evil.test:{port}",
                                  "127.0.0.1.evil.test:{port}", "review.test.evil.test",
                                  "user@localhost:{port}"])
def test_a_foreign_host_is_refused(served, host):
    assert open_session(served.port, host.format(port=served.port)) == 403


def test_host_list_from_options():
    assert serve.allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "::1"]
    assert serve.allowed_hosts("0.0.0.0", ["Review.Example.com"]) == [
        "127.0.0.1", "localhost", "::1", "review.example.com"]
    assert serve.allowed_hosts("192.168.7.20") == ["127.0.0.1", "localhost", "::1",
                                                   "192.168.7.20"]
    cmd = serve.streamlit_command(8599, "0.0.0.0", ["*.corp.example"])
    assert [c for c in cmd if c.startswith("--server.allowedHosts=")] == [
        "--server.allowedHosts=127.0.0.1", "--server.allowedHosts=localhost",
        "--server.allowedHosts=::1", "--server.allowedHosts=*.corp.example"]


@pytest.mark.parametrize("bad", ["http://review.example.com", "review.example.com:8501",
                                 "review.example.com/path", "two words", ""])
def test_allowed_host_must_be_a_bare_name(tmp_path, bad):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve",
                                      "--allowed-host", bad])
    assert result.exit_code == 2
    assert "is not a host name" in result.output
