"""`reviewer demo`: fresh database from the bundled samples, split offline, then the app."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..db import connect
from ..paths import DEMO_DB, SAMPLES_DIR
from .common import CliContext, pass_cli
from .serve import run_app, server_options


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def build_demo(db_path: Path) -> list[str]:
    """Recreate `db_path` from the samples with the offline rules splitter; returns report lines."""
    from ..importing import import_paths
    from ..splitting import make_splitter, split_pending

    _remove_database(db_path)
    db = connect(db_path)
    try:
        imported = import_paths(db, [SAMPLES_DIR], who="demo")
    finally:
        db.close()
    split = split_pending(db_path, make_splitter("rules"), who="demo")
    return [*imported.lines(), *split.lines()]


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop.")
@click.option("--force", is_flag=True,
              help="Allow replacing an existing database given with --db.")
@server_options
@pass_cli
def command(ctx: CliContext, no_serve: bool, force: bool, port: int, address: str,
            hosts: tuple[str, ...]) -> None:
    """Fresh demo database from data/samples (offline rules split), then start the app.

    Uses data/demo.db unless --db is given, so a working database is never replaced by
    accident.
    """
    db_path = Path(ctx.db_option) if ctx.db_option else DEMO_DB
    if ctx.db_option and db_path.exists() and not force:
        raise click.ClickException(f"{db_path} exists; pass --force to replace it with demo data")
    if not SAMPLES_DIR.is_dir():
        raise click.ClickException(f"sample directory not found: {SAMPLES_DIR}")
    for line in build_demo(db_path):
        click.echo(line)
    if not no_serve:
        sys.exit(run_app(db_path, port=port, address=address, hosts=hosts))
