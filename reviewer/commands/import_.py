"""`reviewer import PATH...`: import conversation dumps (files or directories)."""

from __future__ import annotations

import click

from ..importing import import_paths
from ..importing.speakers import speaker_roles
from .common import EXIT_FINDINGS, CliContext, Output, output_options, pass_cli


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--staff", "staff", multiple=True, metavar="NAMES",
              help="Chat transcripts: these people (comma-separated) are engineers, "
                   "everyone else a customer.")
@click.option("--role", "role_rules", multiple=True, metavar="NAME=ROLE",
              help="Chat transcripts: NAME speaks as customer, engineer or system "
                   "(repeatable; '*=ROLE' for everyone else).")
@output_options
@pass_cli
def command(ctx: CliContext, paths: tuple[str, ...], staff: tuple[str, ...],
            role_rules: tuple[str, ...], out: Output) -> None:
    """Import .txt/.md/.json/.jsonl/.csv/.zip files; directories are searched recursively.

    Exits 1 when any file or record was rejected (the good ones are still imported).
    """
    try:
        roles = speaker_roles(staff, role_rules)
    except ValueError as exc:
        out.fail(f"--role: {exc}")
    db = ctx.open_db()
    try:
        report = import_paths(db, list(paths), who="cli", roles=roles)
    finally:
        db.close()
    out.emit(report.to_dict(), report.lines)
    if report.rejected:
        raise SystemExit(EXIT_FINDINGS)
