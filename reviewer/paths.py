"""Where the project's own files live (app, samples), independent of the working directory."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
APP_FILE = PROJECT_DIR / "app.py"
DATA_DIR = PROJECT_DIR / "data"
SAMPLES_DIR = DATA_DIR / "samples"
DEMO_DB = DATA_DIR / "demo.db"
