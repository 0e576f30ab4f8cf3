"""Mapped imports: JSON / JSONL / CSV records (or folders of them) turned into conversations
or ready question/answer pairs by a small mapping file or a shipped preset."""

from .paths import MISSING, Path, PathError, parse_path
from .presets import Preset, PresetError, get_preset, list_presets
from .service import (
    MappedReport,
    import_mapped_paths,
    import_mapped_uploads,
    preview,
)
from .spec import MappingError, MappingSpec, load_mapping, mapping_from_dict, parse_mapping_text

__all__ = ["MISSING", "MappedReport", "MappingError", "MappingSpec", "Path", "PathError",
           "Preset", "PresetError", "get_preset", "import_mapped_paths",
           "import_mapped_uploads", "list_presets", "load_mapping", "mapping_from_dict",
           "parse_mapping_text", "parse_path", "preview"]
