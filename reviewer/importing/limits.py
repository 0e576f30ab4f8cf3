"""Size caps for imports.

Caps are checked before anything is read (file size from ``stat`` or the stream length,
declared sizes in a zip directory) and enforced again while reading, so a file that lies
about its size still cannot make us hold more than the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_zip_members: int = MAX_ZIP_MEMBERS
    max_zip_total_bytes: int = MAX_ZIP_TOTAL_BYTES


DEFAULT_LIMITS = Limits()


def human_bytes(size: int) -> str:
    """``1536`` → ``1.5 KB``; used in rejection messages."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover
