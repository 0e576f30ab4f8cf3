"""`.json` and `.jsonl` imports, through the real service into a real database."""

from __future__ import annotations

import json

from reviewer.importing import import_paths
from reviewer.models import turns_from_json


def rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM conversations ORDER BY source, locator"))


def test_json_list_of_turn_objects(db, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([
        {"id": "T1", "title": "link", "turns": [
            {"speaker": "Customer", "text": "Link drops?", "timestamp": "10:01"},
            {"speaker": "Engineer", "text": "Update firmware."}]},
        {"dialog": [{"from": "고객", "value": "질문입니다"},
                    {"from": "상담원", "value": "답변입니다"}]},
    ], ensure_ascii=False), encoding="utf-8")
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (2, [])
    first, second = rows(db)
    assert (first["external_id"], first["title"], first["locator"]) == ("T1", "link", "index 0")
    assert [t.role for t in turns_from_json(first["turns"])] == ["customer", "engineer"]
    assert turns_from_json(first["turns"])[0].timestamp == "10:01"
    assert [t.role for t in turns_from_json(second["turns"])] == ["customer", "engineer"]
    assert first["split_status"] == "pending" and first["run_id"] == report.run_id


def test_json_object_holding_a_list_under_any_key(db, tmp_path):
    for key in ("conversations", "data", "whatever"):
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps({"meta": {"n": 1}, key: [
            {"text": f"Customer: {key}?\nEngineer: yes"}]}), encoding="utf-8")
        report = import_paths(db, [path])
        assert report.imported == 1, key


def test_json_single_conversation_object(db, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "q?"},
                                             {"role": "assistant", "content": "a"}]}))
    assert import_paths(db, [path]).imported == 1


def test_json_bad_record_in_the_middle(db, tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"items": [
        {"question": "q1?", "answer": "a1"},
        {"title": "no conversation here"},
        42,
        {"question": "q2?", "answer": "a2"},
    ]}))
    report = import_paths(db, [path])
    assert report.imported == 2
    assert [(r.source, r.locator) for r in report.rejected] == [
        (path.as_posix(), "index 1"), (path.as_posix(), "index 2")]
    assert "no conversation found" in report.rejected[0].reason


def test_invalid_json_file_rejected_with_position(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"text": "Customer: hi"}\n  oops')
    report = import_paths(db, [path])
    assert report.imported == 0
    assert "invalid JSON at line 2" in report.rejected[0].reason


def test_jsonl_chat_format_and_bad_line(db, tmp_path):
    path = tmp_path / "chat.jsonl"
    lines = [
        json.dumps({"messages": [{"role": "system", "content": "HN5500 support"},
                                 {"role": "user", "content": "How fast is SPI?"},
                                 {"role": "assistant", "content": "Up to 80 MHz."}]}),
        "{not json",
        "",
        json.dumps({"messages": [{"role": "system", "content": "only system"}]}),
        json.dumps({"messages": [{"role": "user", "content": [
            {"type": "text", "text": "content parts?"}]},
            {"role": "assistant", "content": "supported"}]}),
    ]
    path.write_text("\n".join(lines) + "\n")
    report = import_paths(db, [path])
    assert report.imported == 2
    assert [r.locator for r in report.rejected] == ["line 2", "line 4"]
    assert "invalid JSON" in report.rejected[0].reason
    assert "only system" in report.rejected[1].reason
    chat = rows(db)[0]
    assert chat["fmt"] == "jsonl-chat"
    assert [t.role for t in turns_from_json(chat["turns"])] == ["system", "customer", "engineer"]


def test_jsonl_turn_missing_text_is_rejected(db, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"turns": [{"speaker": "Customer"}]}) + "\n")
    report = import_paths(db, [path])
    assert report.imported == 0 and "turn 0: no text" in report.rejected[0].reason


def test_unknown_speaker_names_are_inferred_by_order(db, tmp_path):
    path = tmp_path / "names.jsonl"
    path.write_text(json.dumps({"turns": [{"speaker": "Kim", "text": "q?"},
                                          {"speaker": "Lee", "text": "a"}]}) + "\n")
    import_paths(db, [path])
    turns = turns_from_json(rows(db)[0]["turns"])
    assert [t.role for t in turns] == ["customer", "engineer"]
