"""Batch import of conversation dumps (.txt/.md/.json/.jsonl/.csv/.zip) into the store."""

from .limits import DEFAULT_LIMITS, Limits
from .report import ImportReport, Rejection
from .service import import_paths, import_uploads

__all__ = ["DEFAULT_LIMITS", "ImportReport", "Limits", "Rejection", "import_paths",
           "import_uploads"]
