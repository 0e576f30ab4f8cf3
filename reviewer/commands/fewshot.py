"""`reviewer fewshot list|promote|remove|move|check|import|export`: the few-shot set the LLM
splitter's prompt carries (the same functions as the app's Prompt page)."""

from __future__ import annotations

from pathlib import Path

import click

from ..fewshot import FewShotError
from ..prompts import fewshot_set
from ..prompts.check import check_set
from .common import EXIT_FINDINGS, EXIT_USAGE, CliContext, Output, output_options, pass_cli

_WHO = click.option("--who", default="cli", show_default=True,
                    help="Recorded as who changed the set.")


@click.group("fewshot")
def command() -> None:
    """Manage the few-shot examples the LLM splitter learns from."""


@command.command("list")
@output_options
@pass_cli
def list_set(ctx: CliContext, out: Output) -> None:
    """The set in prompt order."""
    db = ctx.open_db()
    try:
        rows = [e.summary() for e in fewshot_set.list_examples(db)]
    finally:
        db.close()
    for row in rows:
        row["place"] = row["position"] + 1
    out.table(rows, ["place", "id", "kind", "turns", "pairs", "first_question", "created_by"],
              empty="the few-shot set is empty (the splitter uses the few-shot file)")


@command.command("promote")
@click.argument("pair_id", type=int, required=False)
@click.option("--conversation", "conversation_id", default=None,
              help="Promote this conversation with all its approved pairs instead.")
@_WHO
@output_options
@pass_cli
def promote(ctx: CliContext, pair_id: int | None, conversation_id: str | None, who: str,
            out: Output) -> None:
    """Add an approved pair (with the stretch of conversation it came from) or a whole
    conversation's approved pairs to the end of the set."""
    if (pair_id is None) == (conversation_id is None):
        out.fail("give a PAIR_ID or --conversation ID (one of them)", EXIT_USAGE)
    db = ctx.open_db()
    try:
        if conversation_id is not None:
            example_id = fewshot_set.promote_conversation(db, conversation_id, who=who)
        else:
            assert pair_id is not None
            example_id = fewshot_set.promote_pair(db, pair_id, who=who)
        size = len(fewshot_set.list_examples(db))
    except fewshot_set.FewShotSetError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    out.emit({"example_id": example_id, "examples": size},
             [f"added example {example_id}; the set has {size} example(s)"])


@command.command("remove")
@click.argument("example_id", type=int)
@output_options
@pass_cli
def remove(ctx: CliContext, example_id: int, out: Output) -> None:
    """Take an example out of the set."""
    db = ctx.open_db()
    try:
        fewshot_set.remove(db, example_id)
    except fewshot_set.FewShotSetError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    out.emit({"removed": example_id}, [f"removed example {example_id}"])


@command.command("move")
@click.argument("example_id", type=int)
@click.option("--to", "place", type=int, required=True, help="New place in the prompt, from 1.")
@output_options
@pass_cli
def move(ctx: CliContext, example_id: int, place: int, out: Output) -> None:
    """Put an example at another place in the prompt."""
    db = ctx.open_db()
    try:
        fewshot_set.move(db, example_id, place)
    except fewshot_set.FewShotSetError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    out.emit({"moved": example_id, "to": place}, [f"example {example_id} is now at {place}"])


@command.command("check")
@click.option("--model", default=None, help="Count tokens with this model's encoding.")
@output_options
@pass_cli
@click.pass_context
def check(click_ctx: click.Context, ctx: CliContext, model: str | None, out: Output) -> None:
    """Validate the set (the export gate on its outputs, the shape of each example) and
    print the prompt's size in tokens. Exits 1 when the set is not usable."""
    db = ctx.open_db()
    try:
        examples = fewshot_set.prompt_examples(db)
    finally:
        db.close()
    verdict = check_set(examples, model=model)
    out.emit(verdict.to_dict(), verdict.lines)
    if not verdict.ok:
        click_ctx.exit(EXIT_FINDINGS)


@command.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Empty the set first.")
@_WHO
@output_options
@pass_cli
def import_set(ctx: CliContext, file: Path, replace: bool, who: str, out: Output) -> None:
    """Add the examples of a few-shot file (export format, optionally with conversations)."""
    db = ctx.open_db()
    try:
        added = fewshot_set.import_file(db, file, who=who, replace=replace)
        size = len(fewshot_set.list_examples(db))
    except FewShotError as exc:
        out.fail(str(exc), EXIT_USAGE)
    finally:
        db.close()
    out.emit({"added": added, "examples": size},
             [f"added {added} example(s); the set has {size}"])


@command.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options
@pass_cli
def export_set(ctx: CliContext, file: Path, out: Output) -> None:
    """Write the set as a few-shot file (usable with `split --few-shot` and
    `validate --few-shot`; each line also keeps its conversation)."""
    db = ctx.open_db()
    try:
        written = fewshot_set.export_file(db, file)
    except OSError as exc:
        out.fail(f"cannot write {file}: {exc}", EXIT_USAGE)
    finally:
        db.close()
    out.emit({"written": written, "file": str(file)},
             [f"wrote {written} example(s) to {file}"])
