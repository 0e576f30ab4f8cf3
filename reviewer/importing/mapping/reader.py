"""Files → records → `Mapped` items (or rejections), streamed.

* ``.jsonl`` / ``.ndjson`` — read line by line; each line is one document.
* ``.csv`` / ``.tsv`` — read row by row; each row is an object keyed by the header.
* ``.json`` — one document. A file is capped by size before it is read (200 MB by default)
  and parsed by the importer's JSON reader, so hostile values (NaN, nesting too deep,
  endless numbers) reject the records that hold them rather than the file.
* ``.zip`` — each member as a file of its own, through the importer's archive checks.

The mapping's ``records`` path picks the records out of each document (with a list of
paths, the first that finds any); with an empty path
a top-level list is a list of records and anything else is one record. Every rejection names
the file, where in it (``line 4``, ``row 3``, ``index data[0].paragraphs[1].qas[2]``) and why.
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import itertools
import logging
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any, TextIO, cast

from ...models import Conversation
from ..archive import parse_archive
from ..decoding import _CONTROL, detect_encoding, open_text
from ..errors import FileRejected, RecordRejected
from ..jsonvalues import Reader, Unreadable, first_unreadable
from ..limits import Limits
from ..report import Rejection
from ..sources import Source
from .mapper import Mapped, map_items
from .spec import MappingSpec

log = logging.getLogger(__name__)

Item = Mapped | Rejection
SMALL_FILE = 1 << 20  # read in one go (one open, one read) below this size
Builder = Callable[[TextIO, str, dict], Iterator[Conversation | Rejection]]


class BuilderMissing(LookupError):
    """A mapping names a reader function that this installation does not have."""


def load_builder(dotted: str) -> Builder:
    module_name, _, function = dotted.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise BuilderMissing(f"the reader {dotted} is not part of this installation "
                                 f"(no module {module_name})") from None
        raise
    builder = getattr(module, function, None)
    if not callable(builder):
        raise BuilderMissing(f"the reader {dotted} is not part of this installation "
                             f"({module_name} has no function {function})")
    return cast(Builder, builder)


def read_source(spec: MappingSpec, source: Source, limits: Limits,
                on_encoding: Callable[[str, str], None] | None = None) -> Iterator[Item]:
    """Everything one file yields; a failure becomes a `Rejection`, never an exception."""
    produced = False
    try:
        for item in _read(spec, source, limits, on_encoding):
            produced = True
            yield item
    except FileRejected as exc:
        produced = True
        yield Rejection(source.name, exc.locator, str(exc), exc.rule)
    except RecursionError:
        produced = True
        yield Rejection(source.name, "", "nested too deeply to read", "nesting_too_deep")
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            ValueError, csv.Error) as exc:
        produced = True
        yield Rejection(source.name, "", f"could not be read: {exc}", "unreadable")
    except BuilderMissing:
        raise
    except Exception as exc:  # one bad file must never abort the batch
        log.warning("unexpected error while importing %s: %s: %s", source.name,
                    type(exc).__name__, exc)
        produced = True
        yield Rejection(source.name, "", f"could not be read ({type(exc).__name__}: {exc})",
                        "unreadable")
    if not produced:
        yield Rejection(source.name, "", "no records found in the file", "no_records")


def _read(spec: MappingSpec, source: Source, limits: Limits,
          on_encoding: Callable[[str, str], None] | None) -> Iterator[Item]:
    suffix = os.path.splitext(source.name)[1].lower()
    if suffix == ".zip":
        def member(inner: Source) -> Iterator[Any]:
            return read_source(spec, inner, limits, on_encoding)

        yield from cast(Iterator[Item], parse_archive(source, limits, member))
        return
    if suffix not in spec.suffixes:
        raise FileRejected(f"the {spec.name} mapping reads {', '.join(spec.suffixes)} files, "
                           f"not '{suffix or '(none)'}'", rule="unsupported_type")
    if source.size <= SMALL_FILE and suffix == ".json" and not spec.builder:
        # One open and one read: the size is known and capped, and reading one byte more
        # than it catches a file that grew meanwhile.
        with (source.seekable or source.open)() as raw:
            data = raw.read(source.size + 1)
        if len(data) > source.size:
            raise FileRejected("file grew while it was being read; refused", rule="too_large")
        text, encoding = _decode_small(data)
        if on_encoding is not None:
            on_encoding(source.name, encoding)
        yield from _json_document(spec, text, source.name)
        return
    encoding = detect_encoding(source.open)
    if on_encoding is not None:
        on_encoding(source.name, encoding)
    newline = "" if suffix in (".csv", ".tsv") else None
    with open_text(source.open, encoding, newline=newline) as stream:
        if spec.builder:
            yield from _built(spec, stream, source.name)
        elif suffix == ".json":
            yield from _json_document(spec, stream.read(), source.name)
        elif suffix in (".jsonl", ".ndjson"):
            yield from _json_lines(spec, stream, source.name)
        else:
            yield from _csv_rows(spec, stream, source.name, "\t" if suffix == ".tsv" else None)


def _decode_small(data: bytes) -> tuple[str, str]:
    """A small file's text: plain UTF-8 without control characters and without a BOM (the
    usual case) is taken at once; anything else goes through the full detection, which
    accepts the same files and names what is wrong with the others."""
    if not data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if not _CONTROL.search(text):
                return text, "utf-8"
    encoding = detect_encoding(lambda: io.BytesIO(data))
    return data.decode(encoding), encoding


def _built(spec: MappingSpec, stream: TextIO, name: str) -> Iterator[Item]:
    builder = load_builder(spec.builder)
    for item in builder(stream, name, dict(spec.options)):
        if isinstance(item, Conversation):
            item.fmt = item.fmt or f"mapped:{spec.name}"
            yield Mapped(item)
        else:
            yield item


def _records(spec: MappingSpec, document: Any) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    if len(spec.records) == 1 and not spec.records[0].steps:
        if isinstance(document, list):
            for index, item in enumerate(document):
                yield str(index), item, ()
        else:
            yield "", document, ()
        return
    for path in spec.records:
        found = False
        for where, value, parents in path.walk(document):
            found = True
            yield where, value, parents
        if found:
            return
    tried = "', '".join(p.text for p in spec.records)
    raise RecordRejected(f"no records at '{tried}'", rule="missing_field")


def _mapped(spec: MappingSpec, document: Any, name: str, base: str, fmt: str,
            check: bool) -> Iterator[Item]:
    try:
        for where, record, parents in _records(spec, document):
            locator = f"{base} {where}".strip() if base else (f"index {where}" if where else "")
            bad = first_unreadable(record) if check else None
            if bad is not None:
                yield Rejection(name, locator, bad.reason, bad.rule)
                continue
            yield from map_items(spec, record, parents, source=name, locator=locator, fmt=fmt)
    except RecordRejected as exc:
        yield Rejection(name, base, str(exc), exc.rule)


def _json_document(spec: MappingSpec, text: str, name: str) -> Iterator[Item]:
    reader = Reader()
    document = reader.load_document(text)
    if isinstance(document, Unreadable):
        raise FileRejected(document.reason, rule=document.rule)
    yield from _mapped(spec, document, name, "", "json", bool(reader.found))


def _json_lines(spec: MappingSpec, lines: TextIO, name: str) -> Iterator[Item]:
    reader = Reader()
    for number, line in enumerate(lines, start=1):
        if line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        locator = f"line {number}"
        try:
            document = reader.load_record(line)
        except RecordRejected as exc:
            yield Rejection(name, locator, str(exc), exc.rule)
            continue
        yield from _mapped(spec, document, name, locator, "jsonl", False)


def _csv_rows(spec: MappingSpec, stream: TextIO, name: str, delimiter: str | None
              ) -> Iterator[Item]:
    first = stream.readline()
    if delimiter is None:
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
    header = [h.lstrip("\ufeff").strip() for h in next(reader, [])]
    if not any(header):
        raise FileRejected("file has no header row", rule="bad_header")
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = dict(zip(header, row, strict=False))
        yield from _mapped(spec, record, name, f"row {number}", "csv", False)
