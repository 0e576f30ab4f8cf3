"""Together's own fine-tuning routes, through the same commands (provider training_api)."""

import json

from click.testing import CliRunner
from fakes.together import FakeTogether

from reviewer.cli import cli
from reviewer.jobs import store as jobs


def test_together_job_from_start_to_tuned_model(db, db_path, exported, tmp_path, fake_openai,
                                                 monkeypatch):
    path = tmp_path / "providers.toml"
    path.write_text(f'[providers.tg]\nbase_url = "{fake_openai.base_url}"\n'
                    'api_key_env = "TG_KEY"\ntraining_api = "together"\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(path))
    monkeypatch.setenv("TG_KEY", "tg-secret")
    together = FakeTogether(fake_openai)

    def train(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), "train", *args])

    started = train("start", str(exported), "--provider", "tg", "--model",
                    "meta-llama/Llama-3.2-1B-Instruct", "--epochs", "2", "--json")
    assert started.exit_code == 0, started.output
    job = json.loads(started.stdout)
    assert together.created[0]["n_epochs"] == 2
    assert together.created[0]["validation_file"].startswith("file-tg-")
    followed = train("follow", str(job["id"]), "--every", "0.01")
    assert followed.exit_code == 0, followed.output
    assert "tuned model: acct/meta-llama/Llama-3.2-1B-Instruct-support" in followed.stdout
    assert jobs.get(db, job["id"]).result["raw_status"] == "completed"
    assert "Fine tune request created" in train("events", str(job["id"])).stdout
    assert set(fake_openai.authorizations()) == {"Bearer tg-secret"}
