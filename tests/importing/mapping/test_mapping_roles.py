"""Speaker-to-role rules: by value, by a boolean field, by lists of names."""

from __future__ import annotations

import pytest

from reviewer.importing.mapping import MappingError, mapping_from_dict
from reviewer.importing.mapping.mapper import map_record
from reviewer.importing.mapping.roles import RolesError, parse_roles


def roles_of(mapping: dict, record) -> list[tuple[str, str]]:
    spec = mapping_from_dict(mapping)
    mapped = map_record(spec, record, (), source="f.json", locator="index 0", fmt="json")
    return [(t.role, t.text) for t in mapped.conversation.turns]


def test_value_map_is_case_and_space_blind_and_can_drop_turns():
    mapping = {"turns": {"path": "original", "speaker": "[0]", "text": "[1]"},
               "roles": {"by": "value", "map": {"Agent": "engineer", "action": "skip"}}}
    record = {"original": [["customer", "Charged twice."], ["action", "Pulled up account"],
                           [" AGENT ", "Refunded."]]}
    assert roles_of(mapping, record) == [("customer", "Charged twice."),
                                         ("engineer", "Refunded.")]


def test_value_rule_falls_back_to_the_importer_vocabulary_then_the_default():
    rule = parse_roles({"by": "value", "map": {}, "default": "customer"})
    assert rule.role({}, "상담원") == "engineer"
    assert rule.role({}, "Support") == "engineer"
    assert rule.role({}, "somebody") == "customer"


def test_flag_rule_reads_a_boolean_field():
    mapping = {"join": " ", "turns": {"path": "turns", "text": "sentences"},
               "roles": {"by": "flag", "field": "is_agent"}}
    record = {"turns": [{"is_agent": False, "sentences": ["앱이", "멈춰요."]},
                        {"is_agent": "true", "sentences": ["업데이트해 주세요."]}]}
    assert roles_of(mapping, record) == [("customer", "앱이 멈춰요."),
                                         ("engineer", "업데이트해 주세요.")]


def test_names_rule_lists_the_staff():
    rule = parse_roles({"by": "names", "engineer": ["minsu", "Alice"], "default": "customer"})
    assert rule.role({}, "alice") == "engineer"
    assert rule.role({}, "Minsu") == "engineer"
    assert rule.role({}, "bob") == "customer"


def test_two_unknown_speakers_first_one_asks():
    mapping = {"turns": {"path": "", "speaker": "who", "text": "said"}}
    record = [{"who": "jane", "said": "The link drops."}, {"who": "kim", "said": "Update it."}]
    assert roles_of(mapping, record) == [("customer", "The link drops."),
                                         ("engineer", "Update it.")]


@pytest.mark.parametrize("bad", [
    {"by": "mood"},
    {"by": "flag"},
    {"by": "value", "map": {"agent": "boss"}},
    {"by": "names", "engineer": "alice"},
])
def test_bad_rules_are_refused(bad):
    with pytest.raises(RolesError):
        parse_roles(bad)
    with pytest.raises(MappingError):
        mapping_from_dict({"turns": {"text": "t"}, "roles": bad})
