"""`reviewer prompts list|show|label|stats`: the prompt versions LLM splits used, and how
reviewers treated each one's pairs."""

from __future__ import annotations

import click

from ..prompts.stats import version_stats
from ..prompts.versions import get_version, list_versions, set_label
from .common import EXIT_USAGE, CliContext, Output, output_options, pass_cli


@click.group("prompts")
def command() -> None:
    """Prompt versions and their edit analytics."""


@command.command("list")
@output_options
@pass_cli
def list_prompts(ctx: CliContext, out: Output) -> None:
    """Every stored prompt version, newest first."""
    db = ctx.open_db()
    try:
        rows = [{"id": v.id, "name": v.name(), "hash": v.short_hash, "base": v.base,
                 "examples": v.examples, "created_at": v.created_at}
                for v in list_versions(db)]
    finally:
        db.close()
    out.table(rows, ["id", "name", "hash", "examples", "created_at"],
              empty="no prompt versions yet (an LLM split records one)")


@command.command("show")
@click.argument("version_id", type=int)
@output_options
@pass_cli
def show(ctx: CliContext, version_id: int, out: Output) -> None:
    """One version's full system text and few-shot messages."""
    db = ctx.open_db()
    try:
        version = get_version(db, version_id)
    finally:
        db.close()
    if version is None:
        out.fail(f"no prompt version {version_id}", EXIT_USAGE)

    def lines() -> list[str]:
        head = [f"prompt version {version.id} · {version.name()} · {version.hash}",
                f"created {version.created_at}; {version.examples} example(s)", "",
                version.system_text]
        for message in version.few_shot:
            head.extend(["", f"--- {message.get('role')}", str(message.get("content"))])
        return head

    out.emit({"id": version.id, "hash": version.hash, "base": version.base,
              "label": version.label, "system_text": version.system_text,
              "few_shot": version.few_shot, "created_at": version.created_at}, lines)


@command.command("label")
@click.argument("version_id", type=int)
@click.argument("label")
@output_options
@pass_cli
def label(ctx: CliContext, version_id: int, label: str, out: Output) -> None:
    """Name a version (shown instead of its hash)."""
    db = ctx.open_db()
    try:
        found = set_label(db, version_id, label)
    finally:
        db.close()
    if not found:
        out.fail(f"no prompt version {version_id}", EXIT_USAGE)
    out.emit({"id": version_id, "label": label}, [f"version {version_id}: {label}"])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@command.command("stats")
@output_options
@pass_cli
def stats(ctx: CliContext, out: Output) -> None:
    """Per prompt version: pairs approved unchanged, edited (mean edit size), rejected,
    deleted, and the fields reviewers edited most."""
    db = ctx.open_db()
    try:
        groups = version_stats(db)
    finally:
        db.close()
    if out.as_json:
        out.emit([g.to_dict() for g in groups], [])
        return
    rows = [{"version": g.version_id if g.version_id is not None else "-", "name": g.name,
             "model": g.model or "-", "pairs": g.pairs, "reviewed": g.reviewed,
             "unchanged": _pct(g.share(g.approved_unchanged)), "edited": _pct(g.share(g.edited)),
             "edit size": _pct(g.mean_edit_ratio), "rejected": _pct(g.share(g.rejected)),
             "deleted": _pct(g.share(g.deleted)),
             "most edited": ", ".join(g.most_edited()) or "-"} for g in groups]
    out.table(rows, ["version", "name", "model", "pairs", "reviewed", "unchanged", "edited",
                     "edit size", "rejected", "deleted", "most edited"],
              empty="no pairs yet")
