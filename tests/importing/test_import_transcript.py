"""Transcript parsing (.txt/.md): labels, timestamps, continuation lines, separators."""

from __future__ import annotations

from reviewer.importing.report import Rejection
from reviewer.importing.transcript import parse_transcript, parse_turn_line
from reviewer.models import Conversation


def parse(text: str) -> list:
    return list(parse_transcript(text.splitlines(keepends=True), "t.txt", "txt"))


def test_labels_timestamps_and_continuations():
    (conv,) = parse(
        "[2024-03-02 10:01] Customer: The link drops.\n"
        "It comes back after reset.\n"
        "[2024-03-02 10:03] Engineer: Which firmware?\n"
        "Note: this line continues the engineer turn\n"
    )
    assert isinstance(conv, Conversation)
    assert [t.role for t in conv.turns] == ["customer", "engineer"]
    assert conv.turns[0].text == "The link drops.\nIt comes back after reset."
    assert conv.turns[0].timestamp == "2024-03-02 10:01"
    assert conv.turns[1].text.endswith("Note: this line continues the engineer turn")
    assert conv.locator == "line 1"


def test_korean_labels_and_fullwidth_colon():
    (conv,) = parse("고객： 드라이버가 안 깔립니다.\n상담원: 어떤 OS인가요?\n"
                    "엔지니어：확인했습니다.\n")
    assert [t.role for t in conv.turns] == ["customer", "engineer", "engineer"]
    assert [t.speaker for t in conv.turns] == ["고객", "상담원", "엔지니어"]


def test_label_variants():
    cases = {
        "User: a": "customer", "Client: a": "customer", "Agent: a": "engineer",
        "Support: a": "engineer", "Assistant: a": "engineer", "상담사: a": "engineer",
        "담당자: a": "engineer", "**Customer:** a": "customer", "Engineer (Minsu): a": "engineer",
        "10:01 Customer: a": "customer", "Q) a": "customer", "A) a": "engineer",
        "- User: a": "customer", "오후 3:15 상담원: a": "engineer",
    }
    for line, role in cases.items():
        turn = parse_turn_line(line)
        assert turn is not None and turn.role == role and turn.text == "a", line


def test_ordinary_lines_are_not_speakers():
    for line in ("Model: HN5500", "https://example.com/x", "Note: reset first", "Ratio 3:1",
                 "[note] Customer: x"):
        assert parse_turn_line(line) is None, line


def test_separators_headings_and_markers():
    items = parse(
        "# First\nQ) How do I flash it?\nA) Use the tool.\n"
        "===\n"
        "Customer: second?\nEngineer: yes\n"
        "## Third\nUser: third?\nAgent: sure\n"
        "-----\n\n"
    )
    assert [c.title for c in items] == ["First", "", "Third"]
    assert items[0].turns[0].text == "How do I flash it?"  # marker stripped
    assert [c.locator for c in items] == ["line 1", "line 5", "line 7"]


def test_block_without_labels_is_rejected_with_its_line():
    items = parse("Customer: q\nEngineer: a\n---\njust some notes\nmore notes\n---\nUser: x\n")
    assert [type(i) for i in items] == [Conversation, Rejection, Conversation]
    assert items[1].locator == "line 4" and "speaker-labelled" in items[1].reason


def test_preamble_becomes_title():
    (conv,) = parse("Ticket 4471 - link drops\nCustomer: q\nEngineer: a\n")
    assert conv.title == "Ticket 4471 - link drops"
