"""`.csv` imports: long form (one turn per row) and one conversation per row."""

from __future__ import annotations

from reviewer.importing import import_paths
from reviewer.models import turns_from_json


def test_long_form_groups_turns_by_conversation(db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "Conversation ID,Speaker,Message,Timestamp\n"
        "c1,Customer,\"Link drops, why?\",10:01\n"
        "c2,고객,질문입니다,10:02\n"
        "c1,Engineer,\"Check the crystal.\nThen update.\",10:03\n"
        "c2,상담원,답변입니다,10:04\n",
        encoding="utf-8",
    )
    report = import_paths(db, [path])
    assert (report.imported, report.rejected) == (2, [])
    first = db.execute("SELECT turns, external_id, locator FROM conversations "
                       "WHERE external_id = 'c1'").fetchone()
    turns = turns_from_json(first[0])
    assert [t.role for t in turns] == ["customer", "engineer"]
    assert turns[1].text == "Check the crystal.\nThen update."
    assert first[2] == "row 2"


def test_long_form_bad_rows_are_reported_and_good_ones_kept(db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "conversation_id,speaker,text\n"
        "c1,Customer,q?\n"
        ",Engineer,orphan\n"
        "c1,Engineer,\n"
        "c1\n"
        "c1,Engineer,a\n"
    )
    report = import_paths(db, [path])
    assert report.imported == 1
    assert [r.locator for r in report.rejected] == ["row 3", "row 4", "row 5"]
    assert "empty conversation id" in report.rejected[0].reason


def test_one_conversation_per_row(db, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        "id;title;transcript\n"
        "1;t1;\"Customer: q1?\nEngineer: a1\"\n"
        "2;t2;no labels here\n"
        "3;t3;\"User: q3?\nAgent: a3\"\n"
    )
    report = import_paths(db, [path])
    assert report.imported == 2
    assert [(r.locator, "speaker-labelled" in r.reason) for r in report.rejected] == [
        ("row 3", True)]


def test_question_answer_columns_cp949(db, tmp_path):
    path = tmp_path / "qa.csv"
    path.write_bytes("질문,답변\n드라이버가 안 깔려요,재부팅 후 다시 설치하세요\n".encode("cp949"))
    report = import_paths(db, [path])
    assert report.imported == 1
    turns = turns_from_json(db.execute("SELECT turns FROM conversations").fetchone()[0])
    assert turns[0].text == "드라이버가 안 깔려요" and turns[1].role == "engineer"


def test_unrecognised_header_rejects_the_file(db, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("alpha,beta\n1,2\n")
    report = import_paths(db, [path])
    assert report.imported == 0
    assert report.rejected[0].locator == "" and "header not recognised" in report.rejected[0].reason
