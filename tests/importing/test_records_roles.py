"""Staff names and NAME=ROLE rules apply to speaker names inside JSON / JSONL / CSV records,
and a long-form CSV conversation of one row holding labelled lines is read as those turns."""

from __future__ import annotations

import io
import json

from reviewer.importing import import_paths, import_uploads
from reviewer.importing.csvfile import parse_csv
from reviewer.importing.records import conversation_from_record
from reviewer.importing.speakers import speaker_roles
from reviewer.models import Conversation

TURNS = {"turns": [{"speaker": "mira", "text": "The HN5500 drops its link."},
                   {"speaker": "Minsu", "text": "Which firmware is it on?"},
                   {"speaker": "joon", "text": "Same here, 1.2.0."},
                   {"speaker": "manager", "text": "Please update to 1.3.1."}]}


def read(record: object, roles=None) -> Conversation:
    return conversation_from_record(record, source="r.json", locator="index 0", fmt="json",
                                    roles=roles)


def roles_of(conv: Conversation) -> list[str]:
    return [t.role for t in conv.turns]


def test_staff_names_in_json_turns_are_engineers_everyone_else_customers():
    assert roles_of(read(TURNS)) == ["unknown", "unknown", "unknown", "engineer"]
    staff = speaker_roles(["minsu"])
    assert roles_of(read(TURNS, staff)) == ["customer", "engineer", "customer", "engineer"]


def test_a_rule_wins_over_the_label_vocabulary_and_others_stay_as_read():
    roles = speaker_roles(rules=["manager=customer", "MINSU=엔지니어"])
    assert roles_of(read(TURNS, roles)) == ["unknown", "engineer", "unknown", "customer"]
    everyone = speaker_roles(rules=["minsu=engineer", "*=customer"])
    assert roles_of(read(TURNS, everyone)) == ["customer", "engineer", "customer", "engineer"]


def test_chat_roles_and_plain_labels_still_read_with_rules():
    chat = {"messages": [{"role": "user", "content": "제 보드가 재부팅돼요."},
                         {"role": "assistant", "content": "펌웨어를 업데이트하세요."}]}
    assert roles_of(read(chat, speaker_roles(["minsu"]))) == ["customer", "engineer"]


def test_one_turn_holding_a_chat_is_split_with_the_rules():
    text = "mira: the board hangs at boot\nminsu: hold BOOT and reflash it\nmira: thanks"
    record = {"turns": [{"speaker": "mira", "text": text}]}
    assert len(read(record).turns) == 1  # without rules the names are not labels
    conv = read(record, speaker_roles(["minsu"]))
    assert [(t.speaker, t.role) for t in conv.turns] == [
        ("mira", "customer"), ("minsu", "engineer"), ("mira", "customer")]


def test_a_text_record_reads_nick_lines_with_the_rules():
    conv = read({"transcript": "<mira> 링크가 끊겨요\n<@민수> 펌웨어 버전이 뭔가요?"},
                speaker_roles(["민수"]))
    assert [(t.speaker, t.role) for t in conv.turns] == [("mira", "customer"),
                                                         ("민수", "engineer")]


def csv_conversations(text: str, roles=None) -> list[Conversation]:
    items = list(parse_csv(io.StringIO(text), "t.csv", roles=roles))
    assert all(isinstance(item, Conversation) for item in items), items
    return items


def test_long_form_csv_speaker_names_take_their_roles():
    text = ("speaker,text\nmira,The board hangs at boot.\n민수,Hold BOOT and reflash it.\n"
            "joon,Mine too.\n")
    (conv,) = csv_conversations(text)
    assert roles_of(conv) == ["unknown"] * 3
    (conv,) = csv_conversations(text, speaker_roles(["민수"]))
    assert roles_of(conv) == ["customer", "engineer", "customer"]


def test_long_form_csv_row_holding_labelled_lines_is_split_into_turns():
    text = ('conversation_id,speaker,text\n'
            '1,Customer,"Customer: The HN5500 drops its link.\nEngineer: Update to 1.3.1.\n'
            'It fixes the watchdog."\n'
            '2,customer,"고객: 드라이버가 안 깔립니다.\n상담원: 어떤 OS인가요?"\n'
            '3,customer,Plain question\n3,engineer,"Engineer: a reply quoting a label\n'
            'Customer: stays one turn"\n')
    first, second, third = csv_conversations(text)
    assert [(t.role, t.text) for t in first.turns] == [
        ("customer", "The HN5500 drops its link."),
        ("engineer", "Update to 1.3.1.\nIt fixes the watchdog.")]
    assert roles_of(second) == ["customer", "engineer"]
    assert len(third.turns) == 2  # several rows: each row is one turn, as written


def test_long_form_csv_row_holding_a_named_chat_is_split_with_the_rules():
    text = 'speaker,text\n,"mira: it hangs\nminsu: reflash it"\n'
    (conv,) = csv_conversations(text)
    assert len(conv.turns) == 1
    (conv,) = csv_conversations(text, speaker_roles(["minsu"]))
    assert [(t.speaker, t.role) for t in conv.turns] == [("mira", "customer"),
                                                         ("minsu", "engineer")]


def test_import_paths_and_uploads_pass_the_roles_to_json_jsonl_and_csv(db, tmp_path):
    (tmp_path / "t.json").write_text(json.dumps([TURNS]), encoding="utf-8")
    (tmp_path / "t.jsonl").write_text(json.dumps({"dialog": [
        {"from": "joon", "value": "Where is the SDK?"},
        {"from": "minsu", "value": "On the downloads page."}]}) + "\n", encoding="utf-8")
    report = import_paths(db, [tmp_path], who="t", roles=speaker_roles(["minsu"]))
    assert report.imported == 2 and not report.rejected
    upload = b"speaker,text\nmira,Is PoE supported?\nminsu,Only on the -P variant.\n"
    import_uploads(db, [("t.csv", io.BytesIO(upload))], who="t",
                   roles=speaker_roles(["minsu"]))
    stored = {fmt: [t["role"] for t in json.loads(turns)]
              for fmt, turns in db.execute("SELECT fmt, turns FROM conversations")}
    assert stored == {"json": ["customer", "engineer", "customer", "engineer"],
                      "jsonl": ["customer", "engineer"], "csv": ["customer", "engineer"]}
