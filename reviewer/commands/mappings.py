"""`reviewer mappings list|show NAME`: the shipped mappings (presets) for `reviewer import`."""

from __future__ import annotations

import click

from ..importing.mapping import PresetError, get_preset, list_presets
from .common import CliError, Output, output_options


@click.group("mappings")
def command() -> None:
    """Shipped mappings for `reviewer import --preset NAME`."""


@command.command("list")
@output_options
def list_command(out: Output) -> None:
    """Every preset: its name, what it makes and from which files."""
    rows = []
    for preset in list_presets():
        row = preset.spec.summary()
        row["available"] = not preset.missing
        row["unavailable_because"] = preset.missing
        rows.append(row)
    if out.as_json:
        out.emit(rows, [])
        return
    out.table([{**r, "makes": "ready pairs" if r["output"] == "pairs" else "conversations",
                "available": "yes" if r["available"] else "no (reader missing)"}
               for r in rows], ["name", "makes", "files", "available"])


@command.command("show")
@click.argument("name")
@output_options
def show_command(name: str, out: Output) -> None:
    """A preset's description and its mapping file as shipped."""
    try:
        preset = get_preset(name)
    except PresetError as exc:
        raise CliError(str(exc)) from None
    data = {**preset.spec.summary(), "available": not preset.missing,
            "unavailable_because": preset.missing, "mapping": preset.text}
    lines = [f"{preset.name}: {preset.spec.description}"]
    if preset.missing:
        lines.append(f"Unavailable: {preset.missing}.")
    lines += ["", preset.text.rstrip()]
    out.emit(data, lines)
