"""Every shipped preset on its sample file: what is stored, what is refused and why, and
that importing the same files again adds nothing."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.importing.mapping import (
    get_preset,
    import_mapped_paths,
    import_mapped_uploads,
    list_presets,
    preview,
)
from reviewer.importing.report import Rejection
from reviewer.review import store
from reviewer.splitting import split_pending
from reviewer.splitting.rules import RulesSplitter


def run(db, preset: str, *paths, progress=None):
    return import_mapped_paths(db, get_preset(preset).spec, [str(p) for p in paths],
                               who="test", progress=progress)


def pairs(db) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT p.system, p.question, p.answer, p.origin, p.status, c.split_status, c.splitter"
        " FROM pairs p JOIN conversations c ON c.id = p.conversation_id ORDER BY p.id")]


def reasons(report) -> list[tuple[str, str, str]]:
    return [(r.source.rsplit("/", 1)[-1], r.locator, r.reason) for r in report.rejected]


def test_every_preset_is_listed_with_a_description():
    names = {p.name for p in list_presets()}
    assert names == {"squad", "doc-json", "aihub-dialect", "chat-jsonl", "prompt-completion",
                     "speaker-text-arrays", "turns-is-agent", "reply-graph-csv", "irc-log"}
    assert all(p.spec.description for p in list_presets())
    assert "wrong choices are left empty" in get_preset("squad").spec.description


def test_squad_makes_quiz_pairs_in_the_seed_layout(db, samples):
    report = run(db, "squad", samples / "korquad_sample.json")
    # one conversation per paragraph, one pair per question
    assert (report.imported, report.pairs, report.files) == (6, 18, 1)
    assert reasons(report) == [("korquad_sample.json", "index data[0].paragraphs[1].qas[3]",
                                "missing field 'answers[0].text'")]
    rows = pairs(db)
    ko = next(r for r in rows if "경복궁이 처음" in r["answer"])
    assert ko["system"] == "You are the best quiz generator."
    assert ko["question"].endswith("<sep>generate question with context")
    assert ko["question"].startswith("경복궁은 1395년에")
    assert ko["answer"] == ("question : 경복궁이 처음 세워진 해는?, answer : 1395년, "
                            "wrong: <sep><sep>")
    assert {(r["origin"], r["status"], r["split_status"], r["splitter"]) for r in rows} == {
        ("import", "pending", "split", "import")}
    conv = db.execute("SELECT id, title, locator, turns FROM conversations "
                      "WHERE title = '경복궁'").fetchone()
    assert conv[2] == "index data[1].paragraphs[0]"
    assert [t["role"] for t in json.loads(conv[3])] == ["system"] + ["customer", "engineer"] * 3
    chat = store.pairs_of_conversation(db, conv[0])
    assert [json.loads(p["answer_turns"]) for p in chat] == [[2], [4], [6]]


def test_doc_json_pairs_carry_the_category(db, samples):
    report = run(db, "doc-json", samples / "docs_sample.json")
    assert (report.imported, report.pairs) == (4, 4)
    assert reasons(report) == [("docs_sample.json", "index 4", "missing field 'body'")]
    assert pairs(db)[0]["system"] == "Category: [온라인] 업무 가이드"
    assert pairs(db)[2]["question"] == "Sync channel setup 관련 내용을 알려줘."


def test_aihub_dialect_walks_nested_folders_one_pair_per_file(db, samples):
    told: list[tuple[int, int | None]] = []
    report = run(db, "aihub-dialect", samples / "dialect",
                 progress=lambda done, total: told.append((done, total)))
    assert (report.files, report.imported, report.pairs) == (14, 12, 12)
    assert told[-1] == (14, 14)
    assert sorted(reasons(report)) == [
        ("DIAL_0100.json", "", "missing field 'transcription.standard'"),
        ("DIAL_0101.json", "line 1", "invalid JSON at line 1 column 62: Unterminated string "
         "starting at; nothing from this file was imported")]
    row = next(r for r in pairs(db) if r["question"] == "혼저 옵서예")
    assert row["answer"] == "어서 오세요"
    assert row["system"].startswith("다음은 한국어를 소리 나는 대로 적은 것입니다.")


def test_prompt_completion_drops_legacy_separators(db, samples):
    report = run(db, "prompt-completion", samples / "prompt_completion.jsonl")
    assert (report.imported, report.pairs) == (12, 12)
    assert [(loc, rule) for _, loc, rule in
            [(r.source, r.locator, r.rule) for r in report.rejected]] == [
        ("line 13", "missing_field"), ("line 14", "invalid_json")]
    first = pairs(db)[0]
    assert (first["question"], first["answer"], first["system"]) == (
        "How do I reset the HN5500?", "Hold RSTn low for 500 microseconds, then release it.", "")


def test_chat_jsonl_keeps_multi_turn_chats_together(db, samples):
    report = run(db, "chat-jsonl", samples / "chat.jsonl")
    assert (report.imported, report.pairs) == (2, 3)
    assert reasons(report) == [("chat.jsonl", "line 3",
                                "no customer or engineer turns with text")]
    (conv_id,) = db.execute("SELECT conversation_id FROM pairs GROUP BY conversation_id "
                            "HAVING count(*) = 2").fetchone()
    chat = store.pairs_of_conversation(db, conv_id)
    assert [p["position"] for p in chat] == [0, 1]
    assert chat[1]["question"] == "Version 1.2.\nIt is the one that came with the board."
    assert json.loads(chat[1]["question_turns"]) == [3, 4]


def test_conversation_presets_wait_for_a_split(db, samples, db_path):
    abcd = run(db, "speaker-text-arrays", samples / "abcd_sample.json")
    tweets = run(db, "turns-is-agent", samples / "tweetsumm_sample.jsonl")
    assert (abcd.imported, tweets.imported) == (2, 2)
    assert reasons(abcd) == [("abcd_sample.json", "index dev[1]",
                              "missing field 'original' (the list of turns)")]
    assert reasons(tweets) == [("tweetsumm_sample.jsonl", "line 3",
                                "missing field 'dialog.turns' (the list of turns)")]
    assert store.conversation_counts(db)["pending"] == 4
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0
    turns = json.loads(db.execute("SELECT turns FROM conversations WHERE external_id = '1001'"
                                  ).fetchone()[0])
    assert [t["role"] for t in turns] == ["engineer", "customer", "engineer", "customer",
                                          "engineer"]  # the action line is dropped
    split_pending(db_path, RulesSplitter())
    assert store.status_counts(db)["pending"] >= 4


def test_split_redo_never_touches_imported_ready_pairs(db, db_path, samples):
    run(db, "doc-json", samples / "docs_sample.json")
    before = pairs(db)
    report = split_pending(db_path, RulesSplitter(), redo=True)
    assert report.split == 0
    assert pairs(db) == before


@pytest.mark.parametrize("preset, sample", [
    ("squad", "korquad_sample.json"), ("aihub-dialect", "dialect"),
    ("chat-jsonl", "chat.jsonl"), ("turns-is-agent", "tweetsumm_sample.jsonl")])
def test_importing_the_same_records_twice_adds_nothing(db, samples, preset, sample):
    first = run(db, preset, samples / sample)
    counts = (db.execute("SELECT count(*) FROM conversations").fetchone()[0],
              db.execute("SELECT count(*) FROM pairs").fetchone()[0])
    again = run(db, preset, samples / sample)
    assert (again.imported, again.pairs, again.duplicates) == (0, 0, first.imported)
    assert (db.execute("SELECT count(*) FROM conversations").fetchone()[0],
            db.execute("SELECT count(*) FROM pairs").fetchone()[0]) == counts


def test_repeats_inside_one_file_are_duplicates_credited_to_their_first_copy(db, tmp_path):
    lines = [{"prompt": "Reset?", "completion": "Hold RSTn."}] * 3
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    report = run(db, "prompt-completion", path)
    assert (report.imported, report.pairs, report.duplicates) == (1, 1, 2)
    assert report.per_file[str(path)].first_copies_here == [(str(path), "line 1")]


def test_zip_uploads_go_through_the_archive_checks(db, samples):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted((samples / "dialect" / "jeju").rglob("*.json")):
            archive.write(file, f"jeju/{file.name}")
        archive.writestr("../escape.json", "{}")
    buffer.seek(0)
    report = import_mapped_uploads(db, get_preset("aihub-dialect").spec,
                                   [("dialect.zip", buffer)], who="test")
    assert report.pairs == 4
    assert [(r.source, r.rule) for r in report.rejected] == [
        ("dialect.zip:../escape.json", "unsafe_archive_member")]


def test_a_file_of_another_type_is_named(db, tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    report = run(db, "squad", tmp_path / "notes.csv")
    assert [(r.rule, r.reason) for r in report.rejected] == [
        ("unsupported_type", "the squad mapping reads .json files, not '.csv'")]


def test_preview_maps_without_writing(db, samples):
    data = (samples / "korquad_sample.json").read_bytes()
    items = preview(get_preset("squad").spec, [("k.json", io.BytesIO(data))], limit=3)
    assert len(items) == 3 and sum(len(i.pairs) for i in items if not isinstance(i, Rejection)) \
        == 6  # a paragraph, a refused question of the next, that paragraph
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0


CHATLOGS = Path(__file__).parents[1] / "chatlogs"


def test_irc_log_preset_reads_staff_from_its_option(db):
    preset = get_preset("irc-log")
    assert preset.missing == ""
    spec = replace(preset.spec, options={**preset.spec.options, "staff": ["alice", "지원"]})
    report = import_mapped_paths(db, spec, [CHATLOGS / "support_en.log"], who="test")
    assert report.imported == 3 and not report.rejected
    roles = {(row["speaker"], row["role"]) for conv in db["conversations"].rows
             for row in json.loads(conv["turns"])}
    assert ("alice", "engineer") in roles and ("bob", "customer") in roles


def test_reply_graph_preset_rebuilds_threads_and_names_bad_rows(db):
    report = import_mapped_paths(db, get_preset("reply-graph-csv").spec,
                                 [CHATLOGS / "tweets_en.csv", CHATLOGS / "tweets_ko.csv"],
                                 who="test")
    assert report.imported >= 2
    reasons = [r.reason for r in report.rejected]
    assert any("garbled" in reason for reason in reasons)
    assert all(r.source.endswith(".csv") and r.locator.startswith("row ")
               for r in report.rejected)
