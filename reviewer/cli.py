"""Command-line interface: the `reviewer` group and its commands.

Each command lives in `reviewer/commands/<name>.py` and calls the same functions the
Streamlit pages call; this module only assembles the group.
"""

from __future__ import annotations

import click

from . import __version__
from .commands import (
    demo,
    eval_,
    export,
    fewshot,
    import_,
    jobs,
    llm_calls,
    mappings,
    pairs,
    prompts,
    providers,
    runs,
    serve,
    split,
    status,
    train,
    validate,
)
from .commands.common import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file (default: $REVIEWER_DB, else data/reviewer.db).",
)
@click.version_option(__version__, prog_name="reviewer")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """Turn support conversations into reviewed, validated fine-tuning data."""
    ctx.obj = CliContext(db_path)


for _module in (import_, split, status, pairs, runs, jobs, export, validate, train, eval_,
                serve, demo, providers, llm_calls, fewshot, prompts, mappings):
    cli.add_command(_module.command)


if __name__ == "__main__":  # pragma: no cover
    cli()
