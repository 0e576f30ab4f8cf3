"""A mapping: how the records of a JSON / JSONL / CSV file (or a folder of them) become
conversations to split, or ready question/answer pairs to review.

Written as a small TOML (or JSON) file; every key is checked when it is loaded, so a typo
is an error naming the key rather than a silently empty import. See the README section
"Mapped imports" for the whole syntax; in short::

    name = "doc-json"
    output = "pairs"                      # or "conversation"
    records = "[]"                        # path(s) to the records in each file / line
    require = ["title", "body"]           # records missing one are rejected, named
    [pair]
    system = "Category: {category}"
    question = "{title} 관련 내용을 알려줘."
    answer = "{body}"

A conversation comes from ``[turns]`` (where the list of turns is, and each turn's speaker
and text) with ``[roles]`` saying which side each speaker is on. A mapping with
``builder = "module:function"`` hands whole files to a reader function instead.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from .paths import Path, PathError, parse_path
from .roles import RoleRule, RolesError, parse_roles
from .templates import Template, TemplateError, parse_template

OUTPUTS = ("conversation", "pairs")
FILE_TYPES = ("json", "jsonl", "csv", "text")
SUFFIXES = {"json": (".json",), "jsonl": (".jsonl", ".ndjson"), "csv": (".csv", ".tsv"),
            "text": (".txt", ".log", ".md")}
# Builders are looked up only inside the app's own import package: a mapping file (which
# may be uploaded through the app) can never make the importer load arbitrary code.
BUILDER_PREFIX = "reviewer.importing."
MAX_MAPPING_BYTES = 256 * 1024

_TOP_KEYS = {"name", "description", "output", "records", "files", "join", "require", "title",
             "id", "constants", "pair", "turns", "roles", "builder", "options"}
_PAIR_KEYS = {"system", "question", "answer", "strip_suffixes", "each"}
_TURN_KEYS = {"path", "speaker", "text", "timestamp"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class TurnsSpec:
    path: Path  # the list of turns inside a record ("" = the record is the list)
    speaker: Path | None
    text: Path
    timestamp: Path | None
    roles: RoleRule


@dataclass(frozen=True, slots=True)
class PairSpec:
    system: Template
    question: Template
    answer: Template
    strip_suffixes: tuple[str, ...] = ()
    # One pair per item this path reaches inside the record, all on the record's
    # conversation (a SQuAD paragraph and its questions); None = one pair per record.
    each: Path | None = None


@dataclass(frozen=True, slots=True)
class MappingSpec:
    name: str
    description: str = ""
    output: str = "conversation"
    # Where the records are; with several paths, the first that finds any in a document.
    records: tuple[Path, ...] = field(default_factory=lambda: (parse_path(""),))
    files: tuple[str, ...] = ("json", "jsonl", "csv")
    join: str = "\n"
    require: tuple[Path, ...] = ()
    title: Template | None = None
    external_id: Template | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)
    pair: PairSpec | None = None
    turns: TurnsSpec | None = None
    builder: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    # ``builder``, ``pairs`` (templates), ``chat`` (turns → pairs) or ``conversation``;
    # derived from the fields above when the spec is made.
    kind: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if self.builder:
            kind = "builder"
        elif self.output == "pairs":
            kind = "pairs" if self.pair is not None else "chat"
        else:
            kind = "conversation"
        object.__setattr__(self, "kind", kind)

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(s for kind in self.files for s in SUFFIXES[kind])

    def summary(self) -> dict[str, Any]:
        """What `reviewer mappings list` shows."""
        return {"name": self.name, "kind": self.kind, "output": self.output,
                "files": ", ".join(self.files), "description": self.description}


def _path(value: Any, key: str) -> Path:
    try:
        return parse_path(value)
    except PathError as exc:
        raise MappingError(f"{key}: {exc}") from None


def _records(value: Any) -> tuple[Path, ...]:
    paths = value if isinstance(value, list) else [value]
    if not paths:
        raise MappingError("records: give a path, or a list of paths to try in order")
    return tuple(_path(p, "records") for p in paths)


def _template(value: Any, key: str) -> Template:
    try:
        return parse_template(value)
    except TemplateError as exc:
        raise MappingError(f"{key}: {exc}") from None


def _unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise MappingError(f"{where}: unknown key {extra[0]!r} (expected one of "
                           f"{', '.join(sorted(allowed))})")


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise MappingError(f"{key} must be a table")
    return value


def mapping_from_dict(raw: Any, *, name: str = "") -> MappingSpec:
    """Check and compile a parsed mapping document."""
    if not isinstance(raw, Mapping):
        raise MappingError("a mapping must be a table (TOML) or an object (JSON)")
    _unknown(raw, _TOP_KEYS, "mapping")
    output = raw.get("output", "conversation")
    if output not in OUTPUTS:
        raise MappingError(f"output = {output!r}: expected \"conversation\" or \"pairs\"")
    files = raw.get("files", ["json", "jsonl", "csv"])
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not files or any(f not in FILE_TYPES for f in files):
        raise MappingError(f"files = {files!r}: expected a list of {', '.join(FILE_TYPES)}")
    require = raw.get("require", [])
    if not isinstance(require, list):
        raise MappingError("require must be a list of field paths")
    join = raw.get("join", "\n")
    if not isinstance(join, str):
        raise MappingError("join must be a string")
    spec: dict[str, Any] = {
        "name": str(raw.get("name") or name or "mapping"),
        "description": str(raw.get("description", "")),
        "output": output, "files": tuple(files), "join": join,
        "records": _records(raw.get("records", "")),
        "require": tuple(_path(p, "require") for p in require),
        "constants": dict(_table(raw, "constants") or {}),
        "options": dict(_table(raw, "options") or {}),
    }
    for key, attr in (("title", "title"), ("id", "external_id")):
        if key in raw:
            spec[attr] = _template(raw[key], key)
    builder = raw.get("builder", "")
    if builder:
        if not isinstance(builder, str) or ":" not in builder:
            raise MappingError("builder must read \"module:function\"")
        if not builder.startswith(BUILDER_PREFIX):
            raise MappingError(f"builder {builder!r}: only functions under "
                               f"{BUILDER_PREFIX}* can be named")
        if output != "conversation":
            raise MappingError("a builder makes conversations: output must be \"conversation\"")
        spec["builder"] = builder
        return MappingSpec(**spec)
    if "text" in files:
        raise MappingError("files = \"text\" is only for a builder (plain text has no fields)")
    pair = _table(raw, "pair")
    turns = _table(raw, "turns")
    if pair is not None:
        _unknown(pair, _PAIR_KEYS, "[pair]")
        if output != "pairs":
            raise MappingError("[pair] templates need output = \"pairs\"")
        for key in ("question", "answer"):
            if key not in pair:
                raise MappingError(f"[pair] needs {key} = \"…\"")
        suffixes = pair.get("strip_suffixes", [])
        if not isinstance(suffixes, list) or not all(isinstance(s, str) for s in suffixes):
            raise MappingError("[pair] strip_suffixes must be a list of strings")
        spec["pair"] = PairSpec(_template(pair.get("system", ""), "[pair] system"),
                                _template(pair["question"], "[pair] question"),
                                _template(pair["answer"], "[pair] answer"),
                                tuple(s for s in suffixes if s),
                                _path(pair["each"], "[pair] each") if pair.get("each")
                                else None)
    elif turns is None:
        raise MappingError("a mapping needs [pair] templates, a [turns] table or a builder")
    if turns is not None:
        _unknown(turns, _TURN_KEYS, "[turns]")
        if "text" not in turns:
            raise MappingError("[turns] needs text = \"…\" (the path of a turn's text)")
        try:
            roles = parse_roles(_table(raw, "roles"))
        except (RolesError, PathError) as exc:
            raise MappingError(str(exc)) from None
        spec["turns"] = TurnsSpec(
            _path(turns.get("path", ""), "[turns] path"),
            _path(turns["speaker"], "[turns] speaker") if "speaker" in turns else None,
            _path(turns["text"], "[turns] text"),
            _path(turns["timestamp"], "[turns] timestamp") if "timestamp" in turns else None,
            roles)
    return MappingSpec(**spec)


def parse_mapping_text(text: str, *, name: str, suffix: str = ".toml") -> MappingSpec:
    """A mapping from its file text: TOML, or JSON when the name ends in .json."""
    try:
        raw = json.loads(text) if suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{name}: not valid {'JSON' if suffix == '.json' else 'TOML'}: "
                           f"{exc}") from None
    try:
        return mapping_from_dict(raw, name=FilePath(name).stem)
    except MappingError as exc:
        raise MappingError(f"{name}: {exc}") from None


def load_mapping(path: str | FilePath) -> MappingSpec:
    file = FilePath(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot read mapping {file}: {exc.strerror or exc}") from None
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError(f"{file.name}: a mapping file over 256 KB is not a mapping")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(f"{file.name}: a mapping file must be UTF-8") from None
    return parse_mapping_text(text, name=file.name, suffix=file.suffix)
