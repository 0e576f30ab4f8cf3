"""Chat-style transcripts with roles from the user: `<nick>` lines, `Name:` lines, --staff and
--role on `reviewer import`, end to end into a database file."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.importing.speakers import SpeakerRoles, name_key, speaker_roles
from reviewer.importing.transcript import parse_transcript
from reviewer.models import Conversation, turns_from_json

CHAT_EN = (
    "[10:01] <Bob> The HN5500 hangs after an hour.\n"
    "[10:02] <@alice> Which firmware are you on?\n"
    "[10:03] <bob> 1.2.0\n"
    "Alice: Please update to 1.3.1, it fixes the watchdog.\n"
    "Bob: That fixed it, thanks.\n"
)
CHAT_KO = (
    "<김민수> 드라이버 설치가 안 됩니다.\n"
    "<+상담원_지영> 어떤 OS를 쓰시나요?\n"
    "김민수: 윈도우 11입니다.\n"
)


def parse(text: str, roles: SpeakerRoles | None) -> list:
    return list(parse_transcript(text.splitlines(keepends=True), "chat.txt", "txt", roles))


def roles_and_speakers(conv: Conversation) -> list[tuple[str, str]]:
    return [(t.role, t.speaker) for t in conv.turns]


def test_staff_are_engineers_and_everyone_else_customers():
    (conv,) = parse(CHAT_EN, speaker_roles(["alice"]))
    assert roles_and_speakers(conv) == [
        ("customer", "Bob"), ("engineer", "alice"), ("customer", "bob"),
        ("engineer", "Alice"), ("customer", "Bob"),
    ]
    assert conv.turns[0].timestamp == "10:01" and conv.turns[3].timestamp is None
    assert conv.turns[1].text == "Which firmware are you on?"


def test_korean_nicks_and_mode_prefixes():
    (conv,) = parse(CHAT_KO, speaker_roles(["상담원_지영"]))
    assert roles_and_speakers(conv) == [
        ("customer", "김민수"), ("engineer", "상담원_지영"), ("customer", "김민수"),
    ]
    assert conv.turns[2].text == "윈도우 11입니다."


def test_explicit_rules_leave_unnamed_people_as_today():
    roles = speaker_roles([], ["Alice=engineer"])
    (conv,) = parse("Bob: my board hangs\nAlice: update it\nBob: thanks\n"
                    "Customer: one more thing\n", roles)
    # Bob has no rule and is not a known label: his lines continue the turn before them.
    assert [(t.role, t.text) for t in conv.turns] == [
        ("engineer", "update it\nBob: thanks"), ("customer", "one more thing"),
    ]
    assert conv.meta["preamble"] == ["Bob: my board hangs"]


def test_wildcard_rule_and_what_is_not_a_name():
    roles = speaker_roles([], ["Alice=engineer,*=customer"])
    (conv,) = parse("Bob: my board hangs\nsee https://example.com/x\n"
                    "Ratio 3:1 is fine\nAlice: update it\n", roles)
    assert [(t.role, t.speaker) for t in conv.turns] == [("customer", "Bob"),
                                                         ("engineer", "Alice")]
    assert conv.turns[0].text == ("my board hangs\nsee https://example.com/x\n"
                                  "Ratio 3:1 is fine")


def test_without_roles_nick_lines_are_not_turns():
    items = parse(CHAT_EN, None)
    # Only the `Alice:`/`Bob:` lines ... which are not known labels either: no turns.
    assert [item.rule for item in items] == ["no_turns"]


def test_role_rules_and_their_errors():
    roles = speaker_roles(["Alice, @Bob"], ["Carol=고객", "Dave=agent", "*=engineer"])
    assert roles is not None
    assert dict(roles.names) == {"alice": "engineer", "bob": "engineer", "carol": "customer",
                                 "dave": "engineer"}
    assert roles.others == "engineer"
    assert roles.role_of("+ALICE") == "engineer" and roles.role_of("Eve") is None
    assert name_key("  @Jane   Doe ") == "jane doe"
    assert speaker_roles([], []) is None
    for bad in ("alice", "=engineer", "alice=wizard", "@=customer"):
        with pytest.raises(ValueError):
            speaker_roles([], [bad])


def test_cli_staff_end_to_end(tmp_path):
    (tmp_path / "chat.txt").write_text(CHAT_EN + "---\n" + CHAT_KO, encoding="utf-8")
    db_file = tmp_path / "cli.db"
    args = ["--db", str(db_file), "import", "--staff", "alice", "--staff", "상담원_지영",
            str(tmp_path / "chat.txt")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Imported 2 conversations from 1 file" in result.output
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT turns FROM conversations ORDER BY locator").fetchall()
        settings = conn.execute("SELECT settings FROM runs WHERE kind = 'import'").fetchone()
    conversations = [turns_from_json(raw) for (raw,) in rows]
    assert [[t.role for t in turns] for turns in conversations] == [
        ["customer", "engineer", "customer", "engineer", "customer"],
        ["customer", "engineer", "customer"],
    ]
    assert json.loads(settings[0])["roles"]["names"] == {"alice": "engineer",
                                                         "상담원_지영": "engineer"}


def test_cli_role_option_and_bad_rule(tmp_path):
    (tmp_path / "chat.txt").write_text("Bob: it hangs\nAlice: update it\n", encoding="utf-8")
    db_file = tmp_path / "cli.db"
    base = ["--db", str(db_file), "import", str(tmp_path / "chat.txt")]
    bad = CliRunner().invoke(cli, [*base, "--role", "Alice"])
    assert bad.exit_code == 2 and "NAME=ROLE" in bad.output
    assert not db_file.exists() or sqlite3.connect(db_file).execute(
        "SELECT count(*) FROM conversations").fetchone() == (0,)
    good = CliRunner().invoke(cli, [*base, "--role", "Alice=engineer", "--role", "Bob=customer"])
    assert good.exit_code == 0, good.output
    (raw,) = sqlite3.connect(db_file).execute("SELECT turns FROM conversations").fetchone()
    assert [(t.role, t.speaker) for t in turns_from_json(raw)] == [("customer", "Bob"),
                                                                  ("engineer", "Alice")]
