"""The LLM splitter against a real llama-cpp-python server and a real (tiny) model.

What is checked is the protocol, not the model's quality: the ladder lands on the request
form this server takes (json_object with a schema; it answers json_schema with HTTP 500),
every conversation ends split with pairs that pass the local checks or failed with a
reason, and every call is logged. Run alone: ``.venv/bin/python -m pytest -m real_llm``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.llm import load_providers, resolve_endpoint
from reviewer.llm.structured import JSON_OBJECT_SCHEMA, RUNG_CACHE
from reviewer.models import conversation_from_row
from reviewer.splitting import split_pending
from reviewer.splitting.checks import MIN_GROUNDING, grounding
from reviewer.splitting.llm import LLMSplitter

pytestmark = pytest.mark.real_llm

PROVIDER = "llamacpp"
SAMPLES = [
    [("user", "My W5500 board loses its DHCP lease after a day. What should I do?"),
     ("assistant", "Call DHCP_run() once a second so the W5500 renews the lease in time.")],
    [("user", "How many TCP sockets does the W5500 have?"),
     ("assistant", "The W5500 has eight hardware sockets.")],
    [("user", "ESP32-S3 보드에 펌웨어 업로드가 실패합니다. 어떻게 하나요?"),
     ("assistant", "BOOT 버튼을 누른 채 RESET 버튼을 눌러 다운로드 모드로 들어간 뒤 다시 "
                   "업로드하세요.")],
    [("user", "TB-32 보드의 ADC 값이 흔들립니다. 왜 그런가요?"),
     ("assistant", "VREF 핀에 0.1uF 커패시터를 달고 샘플링 시간을 늘리세요.")],
]


def write_providers(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "providers.toml"
    path.write_text(f'[providers.{PROVIDER}]\nbase_url = "{base_url}"\n', encoding="utf-8")
    return path


def import_samples(db_path: Path, tmp_path: Path) -> None:
    """Through the real importer, as a user would bring conversations in."""
    dump = tmp_path / "samples.jsonl"
    dump.write_text("".join(json.dumps({"messages": [{"role": r, "content": t} for r, t in c]},
                                       ensure_ascii=False) + "\n" for c in SAMPLES),
                    encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(dump)])
    assert done.exit_code == 0, done.output


def test_providers_check_finds_the_form_llama_cpp_python_takes(llama_server, tmp_path):
    providers = write_providers(tmp_path, llama_server.base_url)
    done = CliRunner().invoke(cli, ["providers", "check", PROVIDER, "--model", llama_server.model,
                                    "--providers", str(providers), "--json"])
    llama_server.check_alive()
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["structured_output"] == JSON_OBJECT_SCHEMA, result
    assert result["error"] is None
    [refused] = result["refused"]
    assert refused.startswith("json_schema: API error HTTP 500"), refused
    assert RUNG_CACHE.get(PROVIDER, llama_server.model) == JSON_OBJECT_SCHEMA


def test_the_splitter_climbs_the_ladder_and_settles_every_conversation(
        llama_server, db_path, tmp_path):
    import_samples(db_path, tmp_path)
    endpoint = resolve_endpoint(provider=PROVIDER, providers=load_providers(
        write_providers(tmp_path, llama_server.base_url)))
    assert endpoint.api_key is None  # a bare loopback entry gets no key
    # No few-shot examples and a small output limit keep each call to seconds on two cores;
    # one worker, as the server answers one request at a time anyway.
    splitter = LLMSplitter(llama_server.model, endpoint=endpoint, examples=[], max_retries=0,
                           timeout=600, max_output_tokens=200)
    report = split_pending(db_path, splitter, concurrency=1)
    llama_server.check_alive()
    print("\n".join(report.lines()))  # shown with -s: what this model made of the samples

    assert report.processed == len(SAMPLES)
    assert report.split + report.failed == len(SAMPLES)
    assert all(reason.strip() for _, reason in report.failures), report.failures
    assert RUNG_CACHE.get(PROVIDER, llama_server.model) == JSON_OBJECT_SCHEMA
    assert splitter.settings()["structured_output"] == JSON_OBJECT_SCHEMA

    with opened(db_path) as db:
        rows = list(db.query("SELECT * FROM conversations"))
        assert {row["split_status"] for row in rows} <= {"split", "failed"}
        for row in rows:
            pairs = list(db.query("SELECT question, answer, origin FROM pairs"
                                  " WHERE conversation_id = ?", [row["id"]]))
            if row["split_status"] == "failed":
                assert row["split_error"], row
                assert not pairs
                continue
            assert pairs, row
            turns = conversation_from_row(row).turns
            asked = "\n".join(t.text for t in turns if t.role == "customer")
            replied = "\n".join(t.text for t in turns if t.role == "engineer")
            for pair in pairs:
                assert pair["origin"] == f"llm:{llama_server.model}"
                assert grounding(pair["question"], asked) >= MIN_GROUNDING, pair
                assert grounding(pair["answer"], replied) >= MIN_GROUNDING, pair
        calls = list(db.query("SELECT * FROM llm_calls WHERE run_id = ? ORDER BY id",
                              [report.run_id]))
    # json_schema was refused once, on the first call; every conversation was then asked
    # once more, on the rung the server takes, and answered.
    summary = [(c["subject"], c["error"], c["finish_reason"]) for c in calls]
    assert len(calls) == len(SAMPLES) + 1, summary
    assert calls[0]["error"].startswith("API error HTTP 500"), summary
    answered = calls[1:]
    assert all(c["error"] is None for c in answered), summary
    assert all(c["provider"] == PROVIDER and c["endpoint"] == llama_server.base_url
               for c in calls), calls
    assert all(c["input_tokens"] and c["output_tokens"] is not None and c["cost_usd"] == 0
               for c in answered), answered  # a model on this machine costs nothing
