"""Fixtures for the training tests: an export (with a holdout) that passed the gate, and
configured providers whose fine-tuning routes are fakes on loopback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fakes.fine_tuning import FakeFineTuning
from fakes.fireworks import FakeFireworks
from fakes.openai_server import FakeOpenAIServer

from reviewer.cli import cli
from reviewer.db import now_iso
from reviewer.exporting import ExportOptions
from reviewer.exporting.service import export_dataset
from reviewer.review import store

QUESTIONS = ["How do I reset the X200?", "Where is firmware 2.3?", "SPI 클럭은 얼마인가요?",
             "Why does the LED blink red?", "프린터 용지가 걸려요.", "Can I power it from USB?",
             "How long is the warranty?", "배터리가 빨리 닳아요.", "Can it go outdoors?",
             "Does it support night vision?", "What voltage does it need?",
             "모니터에 화면이 안 나와요."]


@pytest.fixture
def exported(db, tmp_path):
    for n, question in enumerate(QUESTIONS):
        db.execute("INSERT INTO conversations (id, text, turns, imported_at) VALUES"
                   " (?, 'x', '[]', ?)", [f"c{n}", now_iso()])
        store.add_pairs(db, [store.NewPair(f"c{n}", "Support chat.", question,
                                           f"Answer number {n} for: {question}",
                                           status="approved", origin="rules")], who="seed")
    result = export_dataset(db, tmp_path / "set.jsonl", ExportOptions(holdout=2), who="t")
    assert result.ok
    return result.manifest




BOX_KEY = "-".join(("box", "secret", "key"))  # assembled: no key-shaped literal is tracked
FW_KEY = "-".join(("fw", "secret", "key"))


@pytest.fixture
def box_key() -> str:
    return BOX_KEY


@pytest.fixture
def fw_key() -> str:
    return FW_KEY


@pytest.fixture
def provider(tmp_path, fake_openai, monkeypatch):
    """Provider ``box``: OpenAI-shaped fine-tuning on the fake server."""
    path = tmp_path / "providers.toml"
    path.write_text(f'[providers.box]\nbase_url = "{fake_openai.base_url}"\n'
                    'api_key_env = "BOX_KEY"\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(path))
    monkeypatch.setenv("BOX_KEY", BOX_KEY)
    return FakeFineTuning(fake_openai)


@pytest.fixture
def fireworks(tmp_path, fake_openai, monkeypatch):
    """Provider ``fw``: Fireworks' routes on the fake server (its base URL is the inference
    one, as for the real host), with a separate storage host behind the signed URLs."""
    storage = FakeOpenAIServer().start()
    try:
        root = fake_openai.base_url.removesuffix("/v1")
        path = tmp_path / "providers.toml"
        path.write_text(f'[providers.fw]\nbase_url = "{root}/inference/v1"\n'
                        'api_key_env = "FW_KEY"\ntraining_api = "fireworks"\n',
                        encoding="utf-8")
        monkeypatch.setenv("REVIEWER_PROVIDERS", str(path))
        monkeypatch.setenv("FW_KEY", FW_KEY)
        monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", "acct-1")
        yield FakeFireworks(fake_openai, storage)
    finally:
        storage.stop()


@pytest.fixture
def train(db_path):
    """``train(*args)``: run ``reviewer --db DB train ARGS`` and return the result."""
    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db_path), "train", *args])
    return run
