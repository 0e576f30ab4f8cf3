"""Small wordings every page shares: times a person reads at a glance, counts in words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def short_time(value: Any) -> str:
    """A stored timestamp (ISO text or Unix seconds) as ``2026-11-27 22:17 UTC``; blank when
    missing, the value itself when it cannot be read."""
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(float(value), UTC)
        else:
            moment = datetime.fromisoformat(str(value))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return str(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(start: Any, end: Any) -> str:
    """How long from ``start`` to ``end`` (ISO texts): ``0.4 s``, ``3 min 5 s``, ``2 h 10 min``;
    blank when either is missing."""
    try:
        seconds = (datetime.fromisoformat(str(end))
                   - datetime.fromisoformat(str(start))).total_seconds()
    except (TypeError, ValueError):
        return ""
    if not start or not end or seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def counts_text(counts: Mapping[str, Any]) -> str:
    """A run's counts in words, zeros and lists left out:
    ``{"imported": 26, "duplicates": 0, "files": 8}`` → ``26 imported · 8 files``."""
    parts = []
    for key, value in counts.items():
        if isinstance(value, int) and not isinstance(value, bool) and value:
            words = key.replace("_", " ")
            if value == 1 and words.endswith("s") and not words.endswith("ss"):
                words = words[:-1]  # 1 warning, 1 file
            parts.append(f"{value:,} {words}")
    return " · ".join(parts)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"
