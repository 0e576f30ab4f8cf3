"""Which parser reads which file, and the per-file safety net around them."""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Callable, Iterator

from ..models import Conversation
from .archive import parse_archive
from .csvfile import parse_csv
from .decoding import detect_encoding, open_text
from .errors import FileRejected
from .jsonfile import parse_json
from .jsonlines import parse_jsonl
from .limits import Limits
from .report import Rejection
from .sources import Source
from .speakers import SpeakerRoles
from .transcript import parse_transcript

log = logging.getLogger(__name__)

# Told (file name, encoding codec) once a file's encoding is known, before its records.
EncodingSeen = Callable[[str, str], None]

TRANSCRIPT_TYPES = {".txt": "txt", ".md": "md", ".markdown": "md"}
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".json", ".jsonl", ".ndjson", ".csv",
                      ".tsv", ".zip")


def is_supported(name: str) -> bool:
    return name.lower().endswith(SUPPORTED_SUFFIXES)


def parse_file(source: Source, limits: Limits, on_encoding: EncodingSeen | None = None, *,
               roles: SpeakerRoles | None = None) -> Iterator[Conversation | Rejection]:
    """Everything one file yields; any failure becomes a `Rejection`, never an exception.

    ``on_encoding`` hears each text file's detected encoding (zip members included);
    ``roles`` names the people of chat-style transcripts and of JSON / CSV turns."""
    produced = False
    try:
        for item in _parse(source, limits, on_encoding, roles):
            produced = True
            yield item
    except FileRejected as exc:
        produced = True
        yield Rejection(source.name, exc.locator, str(exc), exc.rule)
    except RecursionError:
        produced = True
        yield Rejection(source.name, "", "nested too deeply to read", "nesting_too_deep")
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            ValueError) as exc:  # corrupt compressed data and truncated members included
        produced = True
        yield Rejection(source.name, "", f"could not be read: {exc}", "unreadable")
    except Exception as exc:  # last resort: one bad file must never abort the batch
        log.warning("unexpected error while importing %s: %s: %s", source.name,
                    type(exc).__name__, exc)
        produced = True
        yield Rejection(source.name, "", f"could not be read ({type(exc).__name__}: {exc})",
                        "unreadable")
    if not produced:
        yield Rejection(source.name, "", "no conversations found in the file", "no_conversations")


def _parse(source: Source, limits: Limits, on_encoding: EncodingSeen | None,
           roles: SpeakerRoles | None) -> Iterator[Conversation | Rejection]:
    suffix = source.suffix
    if suffix == ".zip":
        yield from parse_archive(source, limits, lambda member: parse_file(
            member, limits, on_encoding, roles=roles))
        return
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRejected(
            f"unsupported file type '{suffix or '(none)'}'; supported: "
            + ", ".join(SUPPORTED_SUFFIXES), rule="unsupported_type"
        )
    encoding = detect_encoding(source.open)
    if on_encoding is not None:
        on_encoding(source.name, encoding)
    if suffix in TRANSCRIPT_TYPES:
        with open_text(source.open, encoding) as stream:
            yield from parse_transcript(stream, source.name, TRANSCRIPT_TYPES[suffix], roles)
    elif suffix == ".json":
        with open_text(source.open, encoding) as stream:
            yield from parse_json(stream, source.name, roles)
    elif suffix in (".jsonl", ".ndjson"):
        with open_text(source.open, encoding) as stream:
            yield from parse_jsonl(stream, source.name, roles)
    else:
        with open_text(source.open, encoding, newline="") as stream:
            yield from parse_csv(stream, source.name,
                                 delimiter="\t" if suffix == ".tsv" else None, roles=roles)
