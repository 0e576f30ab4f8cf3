"""`reviewer import PATH...`: import conversation dumps (files or directories), or records of
any JSON / JSONL / CSV shape through a mapping (`--mapping FILE` or `--preset NAME`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..importing import import_paths
from ..importing.speakers import speaker_roles
from .common import EXIT_FINDINGS, CliContext, CliError, Output, output_options, pass_cli


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=str),
              default=None, help="A mapping file (TOML or JSON) saying how records become "
              "conversations or ready pairs.")
@click.option("--preset", default=None, metavar="NAME",
              help="A shipped mapping (see `reviewer mappings list`).")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Set one of the mapping's [options] (a JSON value, or text; a comma "
                   "list for a list option). Repeatable.")
@click.option("--staff", "staff", multiple=True, metavar="NAMES",
              help="Chat transcripts: these people (comma-separated) are engineers, "
                   "everyone else a customer.")
@click.option("--role", "role_rules", multiple=True, metavar="NAME=ROLE",
              help="Chat transcripts: NAME speaks as customer, engineer or system "
                   "(repeatable; '*=ROLE' for everyone else).")
@output_options
@pass_cli
def command(ctx: CliContext, paths: tuple[str, ...], mapping_file: str | None,
            preset: str | None, options: tuple[str, ...], staff: tuple[str, ...],
            role_rules: tuple[str, ...], out: Output) -> None:
    """Import .txt/.md/.json/.jsonl/.csv/.zip files; directories are searched recursively.

    With --mapping or --preset, records are read through the mapping instead (a folder is
    walked recursively, with a progress counter on stderr).

    Exits 1 when any file or record was rejected (the good ones are still imported).
    """
    try:
        roles = speaker_roles(staff, role_rules)
    except ValueError as exc:
        out.fail(f"--role: {exc}")
    spec = _spec(mapping_file, preset, options)
    db = ctx.open_db()
    try:
        if spec is None:
            report = import_paths(db, list(paths), who="cli", roles=roles)
        else:
            from ..importing.mapping import import_mapped_paths
            from ..importing.mapping.reader import BuilderMissing

            with _Counter(enabled=not out.as_json) as counter:
                try:
                    report = import_mapped_paths(db, spec, list(paths), who="cli",
                                                 progress=counter.update)
                except BuilderMissing as exc:
                    raise CliError(str(exc)) from None
    finally:
        db.close()
    out.emit(report.to_dict(), report.lines)
    if report.rejected:
        raise SystemExit(EXIT_FINDINGS)


def _spec(mapping_file: str | None, preset: str | None, options: tuple[str, ...]) -> Any:
    if mapping_file is None and preset is None:
        if options:
            raise CliError("--option needs --mapping or --preset")
        return None
    if mapping_file is not None and preset is not None:
        raise CliError("give --mapping or --preset, not both")
    from dataclasses import replace

    from ..importing.mapping import MappingError, PresetError, get_preset, load_mapping
    from ..importing.mapping.presets import usable

    try:
        spec = load_mapping(mapping_file) if mapping_file else get_preset(str(preset)).spec
        spec = usable(spec)
    except (MappingError, PresetError) as exc:
        raise CliError(str(exc)) from None
    if options:
        merged = dict(spec.options)
        for item in options:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CliError(f"--option {item!r}: expected KEY=VALUE")
            merged[key.strip()] = _option_value(value, merged.get(key.strip()))
        spec = replace(spec, options=merged)
    return spec


def _option_value(text: str, default: Any) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    if isinstance(default, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


class _Counter:
    """Files done / in all, redrawn in place on stderr (a terminal only)."""

    def __init__(self, *, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False

    def __enter__(self) -> _Counter:
        return self

    def update(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        of = f"/{total:,}" if total else ""
        share = f" ({done * 100 // total}%)" if total else ""
        click.echo(f"\rImporting: {done:,}{of} files{share}", err=True, nl=False)
        self.shown = True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            click.echo("", err=True)
