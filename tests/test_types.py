"""The package's type hints hold: mypy checks reviewer/ (it ships py.typed)."""

import subprocess
import sys

from reviewer.paths import PROJECT_DIR


def test_mypy_finds_no_errors_in_the_package():
    assert (PROJECT_DIR / "reviewer" / "py.typed").exists()
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=900)  # settings in pyproject.toml [tool.mypy]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
