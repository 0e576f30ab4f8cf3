"""A record whose only turn is a labelled transcript is read as that transcript's turns."""

from __future__ import annotations

import io

from reviewer.importing.csvfile import parse_csv
from reviewer.importing.records import conversation_from_record
from reviewer.models import Conversation


def read(record: object) -> Conversation:
    return conversation_from_record(record, source="r.json", locator="index 0", fmt="json")


def test_one_turn_with_q_and_a_markers_becomes_two_turns():
    conv = read({"turns": [{"speaker": "customer", "time": "2024-03-02 10:01",
                            "text": "Q) How do I flash the HN5500?\nA) Use the USB tool.\n"
                                    "Hold BOOT while plugging in."}]})
    assert [(t.role, t.speaker, t.text) for t in conv.turns] == [
        ("customer", "Q", "How do I flash the HN5500?"),
        ("engineer", "A", "Use the USB tool.\nHold BOOT while plugging in."),
    ]
    assert [t.timestamp for t in conv.turns] == ["2024-03-02 10:01"] * 2


def test_korean_and_english_labels_inside_one_message():
    text = "고객: 드라이버가 안 깔립니다.\n상담원: 어떤 OS인가요?"
    conv = read({"messages": [{"role": "user", "content": text}]})
    assert [(t.role, t.text) for t in conv.turns] == [("customer", "드라이버가 안 깔립니다."),
                                                      ("engineer", "어떤 OS인가요?")]
    conv = read({"question": "Customer: it hangs\nEngineer: update the firmware", "answer": ""})
    assert [t.role for t in conv.turns] == ["customer", "engineer"]


def test_text_that_does_not_open_with_a_label_stays_one_turn():
    for text in ("My question first\nQ) then a marker\nA) and an answer",
                 "Note: reset first\nModel: HN5500",
                 "Q) one line only"):
        conv = read({"turns": [{"speaker": "engineer", "text": text}]})
        assert [(t.role, t.text) for t in conv.turns] == [("engineer", text)], text


def test_several_turns_are_left_alone():
    conv = read({"turns": [{"speaker": "customer", "text": "Q) a\nA) b"},
                           {"speaker": "engineer", "text": "c"}]})
    assert [t.text for t in conv.turns] == ["Q) a\nA) b", "c"]


def test_csv_question_column_holding_a_whole_exchange():
    data = 'question,answer\n"Q) 재부팅이 반복됩니다.\nA) 전원 어댑터를 바꿔 보세요.",\n'
    (conv,) = parse_csv(io.StringIO(data), "qa.csv")
    assert isinstance(conv, Conversation)
    assert [(t.role, t.text) for t in conv.turns] == [("customer", "재부팅이 반복됩니다."),
                                                      ("engineer", "전원 어댑터를 바꿔 보세요.")]
    assert [t.speaker for t in conv.turns] == ["Q", "A"]
