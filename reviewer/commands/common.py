"""Pieces shared by the CLI commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from sqlite_utils import Database

from ..db import connect, resolve_db_path


@dataclass
class CliContext:
    """What the `reviewer` group hands to its commands."""

    db_option: str | None = None

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db_option)

    def open_db(self) -> Database:
        try:
            return connect(self.db_path)
        except Exception as exc:  # sqlite3 errors, permission problems
            raise click.ClickException(f"cannot open database {self.db_path}: {exc}") from exc


pass_cli = click.make_pass_decorator(CliContext, ensure=True)
