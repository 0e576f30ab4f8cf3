"""Speaker-to-role rules: which side of the conversation each turn is on.

Three ways, one per mapping (``[roles] by = …``):

* ``value`` — the speaker field's value looked up in ``map`` (case and spaces ignored);
  values not in the map fall back to the importer's own speaker vocabulary
  (Customer / Engineer / 고객 / 상담원 …), then to ``default``;
* ``flag`` — a boolean field of the turn (TweetSumm's ``is_agent``): ``true`` and ``false``
  name the roles;
* ``names`` — lists of speaker names per role (an IRC-style log: the staff are listed,
  everyone else is ``default``).

Roles are ``customer``, ``engineer``, ``system`` or ``skip`` (the turn is dropped, e.g.
ABCD's ``action`` lines); ``user`` and ``assistant`` are accepted as their chat names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...models import Turn
from ..speakers import CUSTOMER, ENGINEER, UNKNOWN, role_for
from .paths import MISSING, Path, parse_path

SKIP = "skip"
ROLE_NAMES = {"customer": CUSTOMER, "user": CUSTOMER, "engineer": ENGINEER,
              "assistant": ENGINEER, "agent": ENGINEER, "system": "system", SKIP: SKIP,
              "unknown": UNKNOWN}
KINDS = ("value", "flag", "names")


class RolesError(ValueError):
    """A ``[roles]`` table that cannot be used."""


def role_name(value: Any, where: str) -> str:
    role = ROLE_NAMES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if role is None:
        raise RolesError(f"{where}: {value!r} is not a role (customer, engineer, system, skip)")
    return role


def _fold(value: Any) -> str:
    return " ".join(str(value).split()).lower()


@dataclass(frozen=True, slots=True)
class RoleRule:
    by: str = "value"
    flag: Path | None = None  # the flag field (by = "flag")
    table: Mapping[str, str] = field(default_factory=dict)  # folded value or name → role
    when_true: str = ENGINEER
    when_false: str = CUSTOMER
    default: str = UNKNOWN

    def role(self, turn: Any, speaker: str) -> str:
        if self.by == "flag":
            flag = self.flag.get(turn) if self.flag is not None else MISSING
            if isinstance(flag, str):
                flag = flag.strip().lower() in ("true", "1", "yes", "y")
            if flag is MISSING or flag is None:
                return self.default
            return self.when_true if flag else self.when_false
        found = self.table.get(_fold(speaker))
        if found is not None:
            return found
        if self.by == "value" and speaker:
            return role_for(speaker) or self.default
        return self.default


def parse_roles(raw: Mapping[str, Any] | None) -> RoleRule:
    if raw is None:
        return RoleRule()
    if not isinstance(raw, Mapping):
        raise RolesError("[roles] must be a table")
    by = raw.get("by", "value")
    if by not in KINDS:
        raise RolesError(f"[roles] by = {by!r}: expected one of {', '.join(KINDS)}")
    default = role_name(raw.get("default", "unknown"), "[roles] default")
    if by == "flag":
        if not isinstance(raw.get("field"), str):
            raise RolesError("[roles] by = \"flag\" needs field = \"…\" (e.g. \"is_agent\")")
        return RoleRule(by, parse_path(raw["field"]),
                        when_true=role_name(raw.get("true", "engineer"), "[roles] true"),
                        when_false=role_name(raw.get("false", "customer"), "[roles] false"),
                        default=default)
    table: dict[str, str] = {}
    if by == "value":
        mapping = raw.get("map", {})
        if not isinstance(mapping, Mapping):
            raise RolesError("[roles] map must be a table of value = role")
        for value, role in mapping.items():
            table[_fold(value)] = role_name(role, f"[roles] map.{value}")
    else:
        for key, names in raw.items():
            if key in ("by", "default"):
                continue
            role = role_name(key, "[roles]")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise RolesError(f"[roles] {key} must be a list of names")
            table.update((_fold(n), role) for n in names)
    return RoleRule(by, table=table, default=default)


def infer_two_speakers(turns: list[Turn]) -> list[Turn]:
    """No rule decided any turn and there are exactly two speakers: the first one to speak
    is the customer (the same guess the plain importer makes)."""
    if not turns or any(t.role != UNKNOWN for t in turns):
        return turns
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    if len(speakers) != 2 or not all(speakers):
        return turns
    roles = {speakers[0]: CUSTOMER, speakers[1]: ENGINEER}
    return [Turn(roles[t.speaker], t.text, t.speaker, t.timestamp) for t in turns]
