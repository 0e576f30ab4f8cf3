"""Shipped mappings (package data under ``reviewer/importing/presets/*.toml``).

A preset whose ``builder`` names a reader function this installation does not have is
still listed (marked unavailable); using it is refused with the reason.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import resources

from .spec import MappingError, MappingSpec, parse_mapping_text

PRESET_PACKAGE = "reviewer.importing.presets"


class PresetError(LookupError):
    """No such preset, or one that cannot be used here."""


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    spec: MappingSpec
    text: str  # the file as shipped (what `reviewer mappings show` prints)

    @property
    def missing(self) -> str:
        """Why the preset cannot be used here ("" when it can)."""
        return builder_missing(self.spec)


def builder_missing(spec: MappingSpec) -> str:
    if not spec.builder:
        return ""
    module = spec.builder.partition(":")[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        return f"its reader {spec.builder} is not part of this installation"
    return ""


def list_presets() -> list[Preset]:
    presets = []
    for entry in sorted(resources.files(PRESET_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            name = entry.name[: -len(".toml")]
            try:
                spec = parse_mapping_text(text, name=entry.name)
            except MappingError as exc:  # a broken shipped file is a bug: say which
                raise PresetError(f"preset {name}: {exc}") from None
            presets.append(Preset(name, spec, text))
    return presets


def get_preset(name: str) -> Preset:
    for preset in list_presets():
        if preset.name == name:
            return preset
    known = ", ".join(p.name for p in list_presets())
    raise PresetError(f"no preset named {name!r} (presets: {known})")


def usable(spec: MappingSpec) -> MappingSpec:
    """The spec, or `PresetError` when its reader is missing here."""
    missing = builder_missing(spec)
    if missing:
        raise PresetError(f"the {spec.name} mapping cannot be used: {missing}")
    return spec
