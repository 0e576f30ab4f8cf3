"""The fine-tune readiness gate: format rules, tokens and cost, duplicates, personal data,
template conformance and export profiles."""

from ..catalog import DEFAULT_MODEL, MODELS, ModelInfo, lookup_model
from .engine import Validation, find_overlap, validate_file, validate_objects
from .findings import ERROR, WARNING, Finding, ValidationReport
from .profiles import PROFILES, Profile, get_profile
from .reader import MAX_FILE_BYTES, MAX_LINE_BYTES, ReadError
from .template import FewShotFileError, load_few_shot_file

__all__ = [
    "DEFAULT_MODEL", "ERROR", "MAX_FILE_BYTES", "MAX_LINE_BYTES", "MODELS", "PROFILES",
    "WARNING", "FewShotFileError", "Finding", "ModelInfo", "Profile", "ReadError", "Validation",
    "ValidationReport", "find_overlap", "get_profile", "load_few_shot_file", "lookup_model",
    "validate_file", "validate_objects",
]
