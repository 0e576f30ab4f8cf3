from pathlib import Path

from reviewer import __version__
from reviewer.exporting.manifest import (
    ManifestFile,
    build_manifest,
    manifest_path_for,
    output_paths,
    token_stats,
)
from reviewer.exporting.writer import WrittenFile


def test_output_names():
    out = Path("exports") / "set.jsonl"
    assert manifest_path_for(out) == Path("exports/set.manifest.json")
    assert output_paths(out, holdout=False) == {"all": out}
    assert output_paths(out, holdout=True) == {
        "train": Path("exports/set.train.jsonl"),
        "valid": Path("exports/set.valid.jsonl"),
    }
    assert manifest_path_for(Path("data.txt")) == Path("data.txt.manifest.json")
    assert manifest_path_for(Path("SET.JSONL")) == Path("SET.manifest.json")


def test_manifest_fields(tmp_path):
    written = WrittenFile(tmp_path / "set.jsonl", "ab" * 32, 120, 2)
    report = {
        "summary": {"examples": 2, "total_tokens": 50, "billed_tokens": 500, "epochs": 10,
                    "estimated_cost_usd": 0.01, "model": "gpt-4o-mini-2024-07-18",
                    "errors": 0},
        "findings": [{"line": 1, "rule": "r", "severity": "warning", "message": "m",
                      "pair_id": 4}],
    }
    manifest = build_manifest(
        manifest_path=tmp_path / "set.manifest.json", target="openai", model=None,
        settings={"seed": 42}, counts={"examples": 2}, report=report,
        files=[ManifestFile("all", written, [(4,), (5, 6)], {"examples": 2})], who="kim",
        created_at="2026-01-01T00:00:00+00:00",
    )
    assert manifest["reviewer_version"] == __version__
    assert manifest["profile"] == "openai"
    assert manifest["model"] == "gpt-4o-mini-2024-07-18"
    assert manifest["created_by"] == "kim"
    assert manifest["validation"] == report
    assert manifest["tokens"] == {"total_tokens": 50, "billed_tokens": 500, "epochs": 10,
                                  "estimated_cost_usd": 0.01,
                                  "model": "gpt-4o-mini-2024-07-18"}
    [entry] = manifest["files"]
    assert entry["path"] == "set.jsonl"
    assert entry["pair_ids"] == [4, 5, 6]
    assert entry["line_pair_ids"] == [[4], [5, 6]]
    assert entry["sha256"] == "ab" * 32 and entry["examples"] == 2


def test_token_stats_ignores_unrelated_keys():
    assert token_stats({"errors": 1, "assistant_tokens_max": 3}) == {"assistant_tokens_max": 3}
