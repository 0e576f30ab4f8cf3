"""Export approved pairs as validated fine-tuning JSONL (with manifest, optional holdout).

Public entry points live in `service`; the other modules are its steps:
`select` (approved pairs from the DB) → `build` (examples) → `holdout` (train/validation)
→ validation (`reviewer.validation`) → `writer` (atomic files) + `manifest`.
"""

from .options import ExportOptionError, ExportOptions
from .service import (
    ExportResult,
    PreparedExport,
    build_export_bytes,
    default_export_dir,
    export_dataset,
    prepare_export,
    timestamped_copy,
    timestamped_path,
    write_prepared,
)

__all__ = [
    "ExportOptionError",
    "ExportOptions",
    "ExportResult",
    "PreparedExport",
    "build_export_bytes",
    "default_export_dir",
    "export_dataset",
    "prepare_export",
    "timestamped_copy",
    "timestamped_path",
    "write_prepared",
]
