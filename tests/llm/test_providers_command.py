"""`reviewer providers list`: names, URLs and key variables; never a key value."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reviewer.cli import cli

SECRET = "sk-" + "listed-never-3c5e"


def run(*args, env=None):
    return CliRunner().invoke(cli, ["providers", "list", *args], env=env)


def test_builtins_with_key_state_and_no_key_value(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    result = run()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "providers: built-in (no providers file)"
    assert "openai" in lines[1] and "https://api.openai.com/v1" in lines[1]
    assert "key: OPENAI_API_KEY (set)" in lines[1]
    assert "$AZURE_OPENAI_BASE_URL (not set)" in lines[2]
    assert "key: AZURE_OPENAI_API_KEY (not set)" in lines[2]
    assert "together" in lines[3] and "key: TOGETHER_API_KEY (not set)" in lines[3]
    assert "fireworks" in lines[4] and "key: FIREWORKS_API_KEY (not set)" in lines[4]
    assert "key: no key" in lines[5]
    assert SECRET not in result.output


def test_json_from_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_KEY", SECRET)
    path = tmp_path / "p.toml"
    path.write_text('[providers.lab]\nbase_url = "https://user:pw@lab.example/v1?token=x"\n'
                    'api_key_env = "LAB_KEY"\ndescription = "연구실 서버"\n', encoding="utf-8")
    result = run("--providers", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["source"] == str(path)
    assert data["providers"] == [{"name": "lab", "base_url": "https://lab.example/v1",
                                  "base_url_env": None, "api_key_env": "LAB_KEY",
                                  "key_set": True, "description": "연구실 서버"}]
    assert SECRET not in result.output and "pw" not in result.output


def test_a_broken_file_is_an_error(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[providers.a]\napi_key = "x"\n', encoding="utf-8")
    result = run("--providers", str(path))
    assert result.exit_code == 2 and "api_key_env" in result.stderr  # usage/I-O
