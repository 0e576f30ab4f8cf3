"""Export approved pairs as validated fine-tuning JSONL (with manifest, optional holdout).

Public entry points: `service` (prepare, write, export to a path, download bytes) and
`kept` (the app's timestamped kept copies), both driven by one `ExportOptions`. The other
modules are their steps: `review.store.iter_approved` (approved pairs from the
DB) → `build` (examples) →
`holdout` (train/validation) → validation (`reviewer.validation`) → `writer` (atomic
files) + `manifest`.
"""

from .kept import KeptExport, default_export_dir, export_and_keep, timestamped_path
from .options import ExportOptionError, ExportOptions
from .service import (
    ExportResult,
    PreparedExport,
    build_export_bytes,
    export_dataset,
    prepare_export,
    write_prepared,
)

__all__ = [
    "ExportOptionError",
    "ExportOptions",
    "ExportResult",
    "KeptExport",
    "PreparedExport",
    "build_export_bytes",
    "default_export_dir",
    "export_and_keep",
    "export_dataset",
    "prepare_export",
    "timestamped_path",
    "write_prepared",
]
