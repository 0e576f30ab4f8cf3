"""The validation stream's API as export uses it (one import point)."""

from __future__ import annotations

try:
    from ..validation import (
        PROFILES,
        Finding,
        ValidationReport,
        find_overlap,
        validate_objects,
    )
except ImportError:  # pragma: no cover - until reviewer.validation lands
    from ._fallback import (  # noqa: F401
        PROFILES,
        Finding,
        ValidationReport,
        find_overlap,
        validate_objects,
    )

__all__ = ["PROFILES", "Finding", "ValidationReport", "find_overlap", "validate_objects"]
