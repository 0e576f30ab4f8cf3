"""The one speaker vocabulary: labels and Q)/A) markers, shared by import and splitting."""

import pytest

from reviewer.importing.speakers import (
    CUSTOMER,
    ENGINEER,
    MARKER_WORDS,
    SPEAKER_LABELS,
    SYSTEM,
    has_marker,
    marker_role,
    role_for,
    strip_markers,
)
from reviewer.importing.transcript import parse_turn_line


def test_every_label_maps_to_its_role_in_english_and_korean():
    for role, labels in SPEAKER_LABELS.items():
        for label in labels:
            assert role_for(label) == role, label
            assert role_for(f"**{label.upper()}** (Minsu)") == role, label
    assert role_for("고객님") == CUSTOMER and role_for("상담사") == ENGINEER
    assert role_for("시스템") == SYSTEM and role_for("Minsu") is None


def test_structured_only_roles_are_not_speakers_in_a_transcript():
    assert role_for("model") == ENGINEER
    assert role_for("model", transcript=True) is None
    assert parse_turn_line("Model: HN5500 rev B") is None
    assert parse_turn_line("Manager: I will escalate this.").role == ENGINEER
    assert parse_turn_line("Asker: the board reboots").role == CUSTOMER


@pytest.mark.parametrize("word", sorted(MARKER_WORDS))
@pytest.mark.parametrize("paren", [")", "）"])
def test_import_and_marker_stripping_read_the_same_markers(word, paren):
    line = f"{word.upper()}{paren} 링크가 끊어집니다"
    parsed = parse_turn_line(line)
    assert parsed is not None and parsed.role == marker_role(word) == MARKER_WORDS[word]
    assert parsed.text == strip_markers(line) == "링크가 끊어집니다"
    assert has_marker(f"intro\n{line}")


def test_only_leading_markers_count():
    text = "The options are (a) and (b).\nSee note Q) below."
    assert not has_marker(text) and strip_markers(text) == text
    assert strip_markers("  Q) first\nA)  second  ") == "first\nsecond"
    assert marker_role("x") is None
