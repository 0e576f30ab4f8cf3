"""No key reaches an endpoint it was not named for, by any path: the Import page, the CLI,
the environment. The fake server records every request's headers; a named provider gets its
own key and only that."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from reviewer import jobs
from reviewer.cli import cli
from reviewer.commands.serve import app_env
from reviewer.db import opened
from reviewer.importing import import_uploads
from reviewer.llm import ALLOW_CUSTOM_ENV_VAR
from reviewer.models import Conversation, Turn
from reviewer.paths import APP_FILE
from reviewer.splitting import make_splitter

OPENAI_SECRET = "sk-" + "openai-DO-NOT-SEND-4b1c9e"  # assembled at run time
OWN_SECRET = "sk-" + "own-provider-7d2a61"
TRANSCRIPT = ("Customer: My X200 router drops Wi-Fi every evening.\n"
              "Engineer: Update the X200 firmware to 2.1 and turn off band steering.\n")
EN_TURNS = [("customer", "My X200 router drops Wi-Fi every evening."),
            ("engineer", "Update the X200 firmware to 2.1 and turn off band steering.")]


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_SECRET)
    monkeypatch.setenv("OWN_PROVIDER_KEY", OWN_SECRET)


def providers_file(tmp_path: Path, monkeypatch, body: str) -> Path:
    path = tmp_path / "providers.toml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(path))
    return path


def assert_no_key_in_files(db_path: Path, *secrets: str) -> None:
    with opened(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = list(db_path.parent.glob(db_path.name + "*"))
    assert files
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path


# ---- the Import page ------------------------------------------------------------------------

def import_page() -> AppTest:
    at = AppTest.from_file(str(APP_FILE), default_timeout=30)
    at.session_state["reviewer_name"] = "tester"
    at.run()
    at = at.switch_page("pages/import.py").run()
    at.file_uploader[0].upload("support.txt", TRANSCRIPT.encode(), "text/plain").run()
    at.button(key="import_go").click().run()
    at.radio(key="split_kind").set_value("llm").run()
    return at


def split_from_page(at: AppTest, db_path: Path) -> AppTest:
    at.button(key="split_go").click().run()
    with opened(db_path) as db:
        job = jobs.store.latest(db, "split")
    assert job is not None and jobs.EXECUTOR.wait(db_path, job.id, 30)
    return at.run()


def test_page_offers_no_free_url_without_the_opt_in(db, secrets):
    at = import_page()
    assert at.selectbox(key="split_provider").options == ["openai: https://api.openai.com/v1",
                                                          "azure: $AZURE_OPENAI_BASE_URL "
                                                          "(not set)",
                                                          "together: https://api.together.xyz/v1",
                                                          "fireworks: https://api.fireworks.ai"
                                                          "/inference/v1",
                                                          "local: http://127.0.0.1:11434/v1"]
    assert not [t for t in at.text_input if t.key == "split_base_url"]


def test_page_free_url_never_gets_a_key(db, db_path, fake_openai, secrets, monkeypatch):
    monkeypatch.setenv(ALLOW_CUSTOM_ENV_VAR, "1")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", f"Authorization: Bearer {OPENAI_SECRET}\n"
                                                f"X-Team-Token: {OWN_SECRET}")
    at = import_page()
    at.selectbox(key="split_provider").set_value("custom").run()
    assert "API key: none (a URL typed here never gets one)." in [t.value for t in at.text]
    at.text_input(key="split_base_url").set_value(fake_openai.base_url).run()
    at.text_input(key="split_model").set_value("local-model").run()
    at = split_from_page(at, db_path)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Split"] == "1"
    assert fake_openai.authorizations() == ["Bearer not-needed"]
    assert not fake_openai.received(OPENAI_SECRET) and not fake_openai.received(OWN_SECRET)
    assert_no_key_in_files(db_path, OPENAI_SECRET, OWN_SECRET)


def test_page_named_provider_gets_its_own_key(db, db_path, fake_openai, secrets, monkeypatch,
                                              tmp_path):
    providers_file(tmp_path, monkeypatch,
                   f'[providers.lab]\nbase_url = "{fake_openai.base_url}"\n'
                   'api_key_env = "OWN_PROVIDER_KEY"\n')
    at = import_page()
    assert at.selectbox(key="split_provider").value == "lab"
    assert "API key: taken from OWN_PROVIDER_KEY in the environment." in [t.value for t in at.text]
    at.text_input(key="split_model").set_value("local-model").run()
    at = split_from_page(at, db_path)
    assert not at.exception
    assert fake_openai.authorizations() == [f"Bearer {OWN_SECRET}"]
    assert not fake_openai.received(OPENAI_SECRET)
    assert not any(OWN_SECRET in t.value for t in at.text)
    assert_no_key_in_files(db_path, OPENAI_SECRET, OWN_SECRET)


def test_page_refuses_a_provider_that_points_the_openai_key_elsewhere(db, fake_openai, secrets,
                                                                      monkeypatch, tmp_path):
    providers_file(tmp_path, monkeypatch,
                   f'[providers.evil]\nbase_url = "{fake_openai.base_url}"\n'
                   'api_key_env = "OPENAI_API_KEY"\n')
    at = import_page()
    at.button(key="split_go").click().run()
    assert [e.value for e in at.error] == ["Cannot start the llm splitter."]
    assert any("OPENAI_API_KEY is only sent to https://api.openai.com" in t.value
               for t in at.text)
    assert fake_openai.requests == []


# ---- the command line -----------------------------------------------------------------------

def cli_split(db_path: Path, *args: str):
    with opened(db_path) as db:
        import_uploads(db, [("support.txt", io.BytesIO(TRANSCRIPT.encode()))], who="t")
    return CliRunner().invoke(cli, ["--db", str(db_path), "split", "--splitter", "llm",
                                    "--model", "m", "--timeout", "5", *args])


def test_cli_base_url_gets_no_key(db_path, fake_openai, secrets):
    result = cli_split(db_path, "--base-url", fake_openai.base_url)
    assert result.exit_code == 0, result.output
    assert fake_openai.authorizations() == ["Bearer not-needed"]
    assert OPENAI_SECRET not in result.output
    assert_no_key_in_files(db_path, OPENAI_SECRET)


def test_cli_base_url_with_a_named_key(db_path, fake_openai, secrets):
    result = cli_split(db_path, "--base-url", fake_openai.base_url,
                       "--api-key-env", "OWN_PROVIDER_KEY")
    assert result.exit_code == 0, result.output
    assert fake_openai.authorizations() == [f"Bearer {OWN_SECRET}"]
    assert OWN_SECRET not in result.output
    assert_no_key_in_files(db_path, OPENAI_SECRET, OWN_SECRET)


def test_cli_refuses_to_send_the_openai_key_to_another_host(db_path, fake_openai, secrets):
    result = cli_split(db_path, "--base-url", fake_openai.base_url,
                       "--api-key-env", "OPENAI_API_KEY")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY is only sent to https://api.openai.com" in result.stderr
    assert fake_openai.requests == [] and OPENAI_SECRET not in result.output


def test_cli_named_provider_gets_its_own_key(db_path, fake_openai, secrets, monkeypatch,
                                             tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'[providers.lab]\nbase_url = "{fake_openai.base_url}"\n'
                    'api_key_env = "OWN_PROVIDER_KEY"\n', encoding="utf-8")
    result = cli_split(db_path, "--provider", "lab", "--providers", str(path))
    assert result.exit_code == 0, result.output
    assert fake_openai.authorizations() == [f"Bearer {OWN_SECRET}"]
    with opened(db_path) as db:  # the call was recorded (provider, key variable: no key)
        assert [tuple(r) for r in db.execute("SELECT provider, endpoint FROM llm_calls")] == [
            ("lab", fake_openai.base_url)]
        settings = db.execute("SELECT settings FROM runs WHERE kind='split'").fetchone()[0]
        assert json.loads(settings)["key_env"] == "OWN_PROVIDER_KEY"
    assert_no_key_in_files(db_path, OPENAI_SECRET, OWN_SECRET)


def test_env_base_url_gets_no_key(db_path, fake_openai, secrets, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    result = cli_split(db_path)
    assert result.exit_code == 0, result.output
    assert fake_openai.authorizations() == ["Bearer not-needed"]
    assert_no_key_in_files(db_path, OPENAI_SECRET)


def test_env_custom_headers_are_not_sent_to_another_host(fake_openai, secrets, monkeypatch):
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", f"Authorization: Bearer {OPENAI_SECRET}\n"
                                                f"X-Team-Token: {OWN_SECRET}")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-private")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-private")
    splitter = make_splitter("llm", base_url=fake_openai.base_url, timeout=5)
    conversation = Conversation("t.txt", "line 1", [Turn(r, t) for r, t in EN_TURNS], "txt")
    assert splitter.split(conversation).ok
    (request,) = fake_openai.requests
    assert request.authorization == "Bearer not-needed"
    assert request.header("x-team-token") is None
    assert request.header("openai-organization") is None
    assert request.header("openai-project") is None
    assert not fake_openai.received(OPENAI_SECRET) and not fake_openai.received(OWN_SECRET)


# ---- reviewer serve: the opt-in ---------------------------------------------------------------

def test_serve_passes_the_opt_in_to_the_app_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv(ALLOW_CUSTOM_ENV_VAR, "1")  # inherited from the shell: not an opt-in
    assert ALLOW_CUSTOM_ENV_VAR not in app_env(tmp_path / "x.db", allow_custom_endpoint=False)
    assert app_env(tmp_path / "x.db", allow_custom_endpoint=True)[ALLOW_CUSTOM_ENV_VAR] == "1"


def test_serve_help_documents_the_flag():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--allow-custom-endpoint" in result.output
