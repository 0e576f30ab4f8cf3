"""Import page: who is staff for conversation dumps, and a mapping's [options] as inputs
(the irc-log preset's staff and gap), used by both the preview and the import."""

from __future__ import annotations

import json
from pathlib import Path

from ui_helpers import open_page

from reviewer.importing.mapping import get_preset
from reviewer.presenters import import_page as view

CHATLOGS = Path(__file__).resolve().parents[1] / "importing" / "chatlogs"
CHAT = """[10:01] <mira> the HN5500 drops its link after an hour
[10:02] <@minsu> which firmware is it on?
[10:03] <mira> 1.2.0
[10:04] <@minsu> please update it to 1.3.1
"""


def stored_roles(db) -> list[list[tuple[str, str]]]:
    return [[(t["speaker"], t["role"]) for t in json.loads(turns)]
            for (turns,) in db.execute("SELECT turns FROM conversations ORDER BY rowid")]


def data_uploader(at):
    (uploader,) = [u for u in at.file_uploader if u.key.startswith("map_data_")]
    return uploader


def test_staff_names_make_a_chat_export_read(db):
    at = open_page("import.py")
    at.text_input(key="import_staff").input("Minsu").run()
    assert "Engineers: minsu · everyone else: customer." in [t.value for t in at.text]
    at.file_uploader[0].upload("chat.txt", CHAT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert stored_roles(db) == [[("mira", "customer"), ("minsu", "engineer"),
                                 ("mira", "customer"), ("minsu", "engineer")]]
    (settings,) = [json.loads(s) for (s,) in db.execute("SELECT settings FROM runs")]
    assert settings["roles"] == {"names": {"minsu": "engineer"}, "others": "customer"}


def test_role_rules_name_people_one_by_one(db):
    at = open_page("import.py")
    at.text_input(key="import_roles").input("minsu=engineer, mira=고객").run()
    at.file_uploader[0].upload("chat.txt", CHAT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert [role for _, role in stored_roles(db)[0]] == ["customer", "engineer"] * 2


def test_a_bad_rule_is_explained_and_nothing_is_imported(db):
    at = open_page("import.py")
    at.file_uploader[0].upload("chat.txt", CHAT.encode(), "text/plain").run()
    at.text_input(key="import_roles").input("minsu=wizard").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Roles: unknown role 'wizard' (use customer, engineer or system)."]
    assert at.button(key="import_go").disabled
    at.text_input(key="import_roles").input("minsu").run()
    assert [e.value for e in at.error] == ["Roles: role rule 'minsu' is not NAME=ROLE."]
    at.text_input(key="import_roles").input("").run()
    assert not at.error and not at.button(key="import_go").disabled
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0


def test_irc_log_options_are_inputs_used_by_preview_and_import(db):
    at = open_page("import.py")
    at.radio(key="import_kind").set_value("mapped").run()
    at.selectbox(key="map_preset").set_value("irc-log").run()
    staff = at.text_input(key="map_option_irc-log_staff")
    gap = at.text_input(key="map_option_irc-log_gap_minutes")
    assert (staff.value, gap.value) == ("", "30")
    staff.input("alice, dave").run()
    at.text_input(key="map_option_irc-log_gap_minutes").input("60").run()
    data_uploader(at).upload("support_en.log", (CHATLOGS / "support_en.log").read_bytes(),
                             "text/plain").run()
    at.button(key="map_preview_go").click().run()
    assert not at.exception
    (preview,) = [d.value for d in at.dataframe if "refused" in d.value.columns]
    assert len(preview) == 2  # cut once, at the quiet night
    # Another gap is another preview: the import waits for it.
    at.text_input(key="map_option_irc-log_gap_minutes").input("30").run()
    assert at.button(key="map_import_go").disabled
    at.button(key="map_preview_go").click().run()
    (preview,) = [d.value for d in at.dataframe if "refused" in d.value.columns]
    assert len(preview) == 3  # also at bob's 53 quiet minutes
    at.button(key="map_import_go").click().run()
    assert not at.exception
    conversations = stored_roles(db)
    assert len(conversations) == 3
    assert ("alice", "engineer") in conversations[0] and ("bob", "customer") in conversations[0]
    assert ("dave", "engineer") in conversations[2]


def test_bad_option_values_are_named_before_anything_is_read(db):
    at = open_page("import.py")
    at.radio(key="import_kind").set_value("mapped").run()
    at.selectbox(key="map_preset").set_value("irc-log").run()
    data_uploader(at).upload("support_en.log", (CHATLOGS / "support_en.log").read_bytes(),
                             "text/plain").run()
    at.text_input(key="map_option_irc-log_gap_minutes").input("soon").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Options: gap_minutes must be a number, got 'soon'."]
    assert at.button(key="map_preview_go").disabled
    at.text_input(key="map_option_irc-log_gap_minutes").input("-5").run()
    assert [e.value for e in at.error] == [
        "Options: gap_minutes must be a positive number, got -5."]
    assert at.button(key="map_preview_go").disabled


def test_option_fields_follow_the_defaults_shape():
    spec = get_preset("irc-log").spec
    fields = {f.key: f for f in view.option_fields(spec)}
    assert (fields["staff"].default, fields["staff"].hint) == ("", "comma-separated")
    assert fields["gap_minutes"].default == "30"
    changed, problem = view.with_options(spec, {"staff": "alice,  상담원_지영 ,",
                                                "gap_minutes": "7.5"})
    assert problem == "" and dict(changed.options) == {"staff": ["alice", "상담원_지영"],
                                                      "gap_minutes": 7.5}
    # An empty number leaves the option out: the reader's own default (no cut at all).
    changed, _ = view.with_options(spec, {"staff": "", "gap_minutes": " "})
    assert dict(changed.options) == {"staff": []}
    assert view.option_fields(get_preset("squad").spec) == []
    assert view.with_options(None, {}) == (None, "")


def test_dump_roles_reads_comma_and_line_separated_rules():
    roles, problem = view.dump_roles("alice\nbob", "carol=customer\n*=system")
    assert problem == ""
    assert dict(roles.names) == {"alice": "engineer", "bob": "engineer", "carol": "customer"}
    assert roles.others == "system"
    assert view.dump_roles("", " ") == (None, "")
    assert view.dump_roles("", "=engineer")[1] == "Roles: role rule '=engineer' is not NAME=ROLE."
