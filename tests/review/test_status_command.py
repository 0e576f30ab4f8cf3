import json

from click.testing import CliRunner

from reviewer.cli import cli


def test_status_json_counts(db, db_path, seeded):
    seeded(6, per_conversation=3)
    db.execute("UPDATE pairs SET status = 'deleted' WHERE id = 1")
    db.execute("UPDATE conversations SET split_status = 'failed' WHERE id = 'conv000001'")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pairs"] == {"pending": 5, "approved": 0, "rejected": 0, "deleted": 1}
    assert data["conversations"] == {"pending": 0, "split": 1, "failed": 1}


def test_status_text_on_empty_database(db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "status"])
    assert result.exit_code == 0, result.output
    assert "pairs: 0" in result.output and "  approved  0" in result.output
    assert "conversations: 0" in result.output
