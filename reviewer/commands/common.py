"""Pieces shared by the CLI commands: the database option, output options, errors, exit codes.

Exit codes (documented in the README):

- 0 — done, nothing to report;
- 1 — done, with findings or rejections (bad records, failed conversations, gate errors);
- 2 — usage or I/O problem (bad option, unreadable file or database, no key);
- 3 — busy (another split or job holds the database).

Errors go to stderr as ``Error: …``; with ``--json`` the same error is also printed to
stdout as ``{"error": {"message": …, "exit_code": …}}`` so scripts can read it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlite_utils import Database

from ..db import connect, resolve_db_path

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A usage or I/O problem: ``Error: …`` on stderr, exit code 2."""

    exit_code = EXIT_USAGE


@dataclass
class CliContext:
    """What the `reviewer` group hands to its commands."""

    db_option: str | None = None

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db_option)

    def open_db(self) -> Database:
        """The database, after marking runs and jobs whose process died as interrupted (so
        no command ever shows a killed run as still running)."""
        try:
            db = connect(self.db_path)
        except Exception as exc:  # sqlite3 errors, permission problems
            raise CliError(f"cannot open database {self.db_path}: {exc}") from exc
        from ..jobs.store import reap
        from ..runs import reap_runs

        reap_runs(db, skip_kinds=("split",))  # the next split takes a dead lease over
        reap(db)
        return db


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


@dataclass
class Output:
    """How a command prints: plain lines for people, or one JSON document."""

    as_json: bool = False

    def emit(self, data: Any, lines: Iterable[str] | Callable[[], Iterable[str]]) -> None:
        """Print ``data`` as JSON with ``--json``, else the human ``lines``."""
        if self.as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        for line in (lines() if callable(lines) else lines):
            click.echo(line)

    def table(self, rows: Sequence[dict], columns: Sequence[str], *,
              empty: str = "nothing to show") -> None:
        """Rows as JSON with ``--json``, else as aligned text columns."""
        if self.as_json:
            self.emit(list(rows), [])
            return
        if not rows:
            click.echo(empty)
            return
        cells = [[_cell(r.get(c)) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        for row in cells:
            click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())

    def fail(self, message: str, exit_code: int = EXIT_USAGE) -> NoReturn:
        """Report an error in the shared style and stop with ``exit_code``."""
        if self.as_json:
            click.echo(json.dumps({"error": {"message": message, "exit_code": exit_code}},
                                  ensure_ascii=False))
        click.echo(f"Error: {message}", err=True)
        raise SystemExit(exit_code)


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def output_options(func: F | None = None, *, arg: str = "out") -> Any:
    """Adds ``--json`` and hands the command an `Output` as ``out`` (or ``arg``, for a
    command whose own argument is called ``out``)."""

    def decorate(command: F) -> F:
        @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
        @functools.wraps(command)
        def wrapper(*args: Any, as_json: bool = False, **kwargs: Any) -> Any:
            return command(*args, **{arg: Output(as_json=as_json)}, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate
