"""Ready pairs imported through a mapping get the risk flags that apply to them (personal
data, small talk), with the same wording a split pair's flags have; the flags about where a
text comes from never apply (the conversation is the record itself)."""

from __future__ import annotations

import json

from reviewer.importing.mapping import get_preset, import_mapped_paths
from reviewer.models import Turn
from reviewer.review.flags import compute_flags, imported_flags
from reviewer.review.store import update_pair

PAGES = [
    {"title": "HTTP", "category": "guide",
     "body": "HTTP는 요청과 응답을 주고받는 프로토콜입니다. 기본 포트는 80입니다."},
    {"title": "Escalation", "category": "guide",
     "body": "Write to minsu.kim@example.com or call 010-1234-5678 for an escalation."},
    {"title": "안녕하세요", "category": "인사", "body": "감사합니다!"},
    {"title": "Sync channel", "category": "Online", "body": "Open Settings > Channels, choose "
     "Sync, enter the peer address and press Connect; it turns green at 9600 baud."},
]


def stored_flags(db) -> dict[str, list[str]]:
    return {question: [f["code"] for f in json.loads(flags or "[]")]
            for question, flags in db.execute("SELECT question, flags FROM pairs")}


def import_pages(db, tmp_path, pages=PAGES):
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    return import_mapped_paths(db, get_preset("doc-json").spec, [path], who="t")


def test_personal_data_and_small_talk_are_flagged_on_import(db, tmp_path):
    assert import_pages(db, tmp_path).pairs == 4
    assert stored_flags(db) == {
        "HTTP 관련 내용을 알려줘.": [],
        "Escalation 관련 내용을 알려줘.": ["personal_data"],
        "안녕하세요 관련 내용을 알려줘.": ["greeting"],
        # A number the page never repeats is no "unsupported answer" for an imported pair.
        "Sync channel 관련 내용을 알려줘.": [],
    }
    (detail,) = [json.loads(f)[0]["detail"] for (f,) in db.execute(
        "SELECT flags FROM pairs WHERE question LIKE 'Escalation%'")]
    assert "example.com" not in detail and "1234-5678" not in detail  # masked
    assert db.execute("SELECT count(*) FROM pairs WHERE flags IS NULL").fetchone()[0] == 2


def test_the_same_flags_as_a_split_pair_gets_where_they_apply():
    question, answer = "내 이메일은 jiyoung@example.co.kr 입니다", "안녕하세요, 감사합니다!"
    turns = [Turn("customer", question, "Question"), Turn("engineer", answer, "Answer")]
    split = [f for f in compute_flags(question, answer, "", turns)
             if f.code in ("personal_data", "greeting")]
    assert imported_flags(question, answer, "") == split
    assert [f.code for f in split] == ["personal_data", "greeting"]


def test_a_chat_dataset_pair_with_small_talk_is_flagged(db, tmp_path):
    chat = {"messages": [{"role": "system", "content": "You are a support engineer."},
                         {"role": "user", "content": "Hi there!"},
                         {"role": "assistant", "content": "Hello, how can I help you today?"},
                         {"role": "user", "content": "The HN5500 loses its link hourly."},
                         {"role": "assistant", "content": "Update the firmware to 1.3.1."}]}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(chat) + "\n", encoding="utf-8")
    import_mapped_paths(db, get_preset("chat-jsonl").spec, [path], who="t")
    assert stored_flags(db) == {"Hi there!": ["greeting"],
                                "The HN5500 loses its link hourly.": []}


def test_a_second_import_of_the_same_records_adds_no_flags_or_pairs(db, tmp_path):
    import_pages(db, tmp_path)
    again = import_pages(db, tmp_path)
    assert (again.pairs, again.duplicates) == (0, 4)
    assert sum(len(codes) for codes in stored_flags(db).values()) == 2


def test_an_edit_rechecks_the_same_flags_and_no_others(db, tmp_path):
    import_pages(db, tmp_path)
    (pair_id, version), = db.execute(
        "SELECT id, version FROM pairs WHERE question LIKE 'Escalation%'").fetchall()
    # Rewritten far from the record: still no "unsupported answer" for an imported pair.
    update_pair(db, pair_id, {"answer": "Use the escalation form on the customer portal; "
                              "it is answered within one working day."},
                expected_version=version, who="t")
    assert stored_flags(db)["Escalation 관련 내용을 알려줘."] == []
    update_pair(db, pair_id, {"answer": "Mail jiyoung@example.co.kr"},
                expected_version=version + 1, who="t")
    assert stored_flags(db)["Escalation 관련 내용을 알려줘."] == ["personal_data"]
