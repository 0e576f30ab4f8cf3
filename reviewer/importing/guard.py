"""The per-file safety net shared by every reader: whatever a file does, the import goes on
with a `Rejection` that names it."""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterator
from typing import TypeVar

from .errors import FileRejected
from .report import Rejection

log = logging.getLogger("reviewer.importing")

T = TypeVar("T")

# Corrupt compressed data and truncated zip members included.
UNREADABLE: tuple[type[BaseException], ...] = (
    UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def guarded(name: str, items: Iterator[T], *, nothing: tuple[str, str],
            unreadable: tuple[type[BaseException], ...] = (),
            passthrough: tuple[type[BaseException], ...] = ()) -> Iterator[T | Rejection]:
    """`items`, with any failure turned into a `Rejection` of file `name`, never an exception.

    ``nothing`` is the (reason, rule) of a file that yields nothing; ``unreadable`` adds error
    types reported as "could not be read"; ``passthrough`` errors are raised as they are (a
    problem with the whole import, not with this file)."""
    produced = False
    try:
        for item in items:
            produced = True
            yield item
    except FileRejected as exc:
        produced = True
        yield Rejection(name, exc.locator, str(exc), exc.rule)
    except RecursionError:
        produced = True
        yield Rejection(name, "", "nested too deeply to read", "nesting_too_deep")
    except passthrough:
        raise
    except UNREADABLE + unreadable as exc:
        produced = True
        yield Rejection(name, "", f"could not be read: {exc}", "unreadable")
    except Exception as exc:  # last resort: one bad file must never abort the batch
        log.warning("unexpected error while importing %s: %s: %s", name,
                    type(exc).__name__, exc)
        produced = True
        yield Rejection(name, "", f"could not be read ({type(exc).__name__}: {exc})",
                        "unreadable")
    if not produced:
        yield Rejection(name, "", *nothing)
