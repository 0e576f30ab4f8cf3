"""Checking a large file in several processes.

The file is cut into byte ranges that start at line starts (:func:`reader.line_starts`).
Worker processes each read their ranges and run the per-example work
(:func:`engine.collect_range`), returning a compact :class:`collect.Part` with line numbers
relative to the range; the parent merges the parts in file order, adding the number of
physical lines before each range, so every line number is the file's own. Results come
back in order while later ranges are still being checked, so memory stays bounded by a few
ranges plus the compact per-example numbers.

Workers are started with ``fork`` (Linux), inheriting the loaded tokenizer and settings.
Small files (under ``MIN_PARALLEL_BYTES``), ``workers=1``, platforms without ``fork``, and
profiles that keep file-wide state while reading (``parallel_safe = False``) are checked in
this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .reader import line_starts

if TYPE_CHECKING:
    from .collect import Part
    from .engine import Validation

MIN_PARALLEL_BYTES = 2 * 2**20
RANGE_BYTES_MIN = 1 * 2**20
RANGE_BYTES_MAX = 8 * 2**20     # small ranges keep each worker's memory small
RANGES_PER_WORKER = 6      # more ranges than workers keeps a busy core from holding up others

_job: tuple[Validation, Path] | None = None  # set in the parent before forking


def default_workers() -> int:
    env = os.environ.get("REVIEWER_VALIDATE_WORKERS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return os.cpu_count() or 1


def _run(bounds: tuple[int, int]) -> Part:
    from .engine import collect_range, release_free_memory

    assert _job is not None
    run, path = _job
    part = collect_range(run, path, bounds[0], bounds[1])
    release_free_memory()  # between ranges, a worker's freed memory goes back to the OS
    return part


def plan(size: int, workers: int) -> int:
    """How many ranges to cut a file of ``size`` bytes into."""
    pieces = workers * RANGES_PER_WORKER
    per = min(max(size // pieces, RANGE_BYTES_MIN), RANGE_BYTES_MAX)
    n = max(1, -(-size // per))
    # a multiple of the workers, so the last round does not leave all but one core idle
    return n if n < workers else -(-n // workers) * workers


def parts(run: Validation, path: Path, *, workers: int | None = None,
          min_bytes: int | None = None) -> Iterator[Part]:
    """The file's parts in file order (one part when checked in this process)."""
    from .engine import collect_range

    min_bytes = MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
    workers = default_workers() if workers is None else max(1, workers)
    size = path.stat().st_size
    usable = (workers > 1 and size >= min_bytes and getattr(run.profile, "parallel_safe", True)
              and sys.platform.startswith("linux")
              and "fork" in multiprocessing.get_all_start_methods())
    if not usable:
        yield collect_range(run, path)
        return
    cuts = line_starts(path, size, plan(size, workers))
    bounds = list(zip(cuts, [*cuts[1:], size], strict=True))
    global _job
    _job = (run, path)
    gc.collect()
    gc.freeze()  # keep the parent's objects out of the children's collections (copy-on-write)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(workers, len(bounds))) as pool:
            yield from pool.imap(_run, bounds)
    finally:
        gc.unfreeze()
        _job = None
