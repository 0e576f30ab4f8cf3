"""Text templates with ``{field}`` placeholders, for the system / question / answer of a pair.

A placeholder holds a field path (see `paths`): ``{context}``, ``{answers[0].text}``,
``{answers[].text}`` (every answer, joined). It is looked up in the record first, then in
each object the record was exploded from, nearest first (a SQuAD question finds its
paragraph's ``context`` and its article's ``title``), then among the mapping's constants.
``{{`` and ``}}`` are literal braces. A list of strings (TweetSumm's ``sentences``) is
joined with the mapping's ``join`` text. Everything else in the template is literal, so
seed layouts such as ``{context}<sep>{instruction}`` are written as they look.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .paths import MISSING, Path, PathError, parse_path

_PART = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """A template that cannot be read (unbalanced brace, bad path)."""


class MissingField(LookupError):
    """A placeholder's field is absent from the record (and from its parents)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    parts: tuple[str | Path, ...]

    @property
    def fields(self) -> list[str]:
        return [p.text for p in self.parts if isinstance(p, Path)]

    def render(self, record: Any, parents: Sequence[Any] = (),
               constants: Mapping[str, Any] | None = None, join: str = "\n") -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = lookup(part, record, parents, constants)
            if value is MISSING:
                raise MissingField(part.text)
            out.append(as_text(value, join))
        return "".join(out)


def lookup(path: Path, record: Any, parents: Sequence[Any] = (),
           constants: Mapping[str, Any] | None = None) -> Any:
    """The field in the record, else in the nearest enclosing object, else a constant."""
    if path.explodes:
        for scope in (record, *reversed(parents)):
            value = path.collect(scope)
            if value != []:
                return value
    else:
        value = path.get(record)
        if value is not MISSING:
            return value
        for scope in reversed(parents):
            value = path.get(scope)
            if value is not MISSING:
                return value
    if constants is not None and path.text in constants:
        return constants[path.text]
    return MISSING


def as_text(value: Any, join: str = "\n") -> str:
    """A field value as text: strings as they are, lists joined, numbers printed; null → ""."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return join.join(text for text in (as_text(v, join) for v in value) if text)
    if isinstance(value, dict):
        for key in ("text", "content", "value"):
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def parse_template(text: str) -> Template:
    if not isinstance(text, str):
        raise TemplateError(f"a template must be a string, not {type(text).__name__}")
    parts: list[str | Path] = []
    literal: list[str] = []
    pos = 0
    for match in _PART.finditer(text):
        literal.append(text[pos:match.start()])
        pos = match.end()
        token = match.group()
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif token in ("{", "}"):
            raise TemplateError(f"template {text!r}: unbalanced {token!r} (write {token * 2} "
                                "for a literal brace)")
        else:
            field = match.group(1).strip()
            if not field:
                raise TemplateError(f"template {text!r}: empty placeholder {{}}")
            try:
                path = parse_path(field)
            except PathError as exc:
                raise TemplateError(f"template {text!r}: {exc}") from None
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(path)
    literal.append(text[pos:])
    if "".join(literal):
        parts.append("".join(literal))
    return Template(text, tuple(parts))
