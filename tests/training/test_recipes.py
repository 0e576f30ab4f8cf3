"""The export loads unchanged in Hugging Face `datasets` (what TRL, Unsloth and Axolotl read
it with), and the recipes point at the export's own files."""

from __future__ import annotations

import ast

import yaml
from click.testing import CliRunner
from datasets import load_dataset

from reviewer.cli import cli
from reviewer.training.recipes import TOOLS, export_paths, recipe


def test_the_export_loads_in_datasets_as_chat_messages(exported):
    train, valid = export_paths(exported)
    data = load_dataset("json", data_files={"train": str(train), "validation": str(valid)})
    assert data["train"].num_rows == 10 and data["validation"].num_rows == 2
    first = data["train"][0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert any("한" <= ch <= "힣" for row in data["train"]["messages"] for m in row
               for ch in m["content"])  # Korean survives


def test_recipes_are_valid_and_name_the_files(exported):
    train, valid = export_paths(exported)
    for tool in TOOLS:
        text = recipe(tool, train, valid)
        assert str(train) in text and str(valid) in text
        if tool == "axolotl":
            config = yaml.safe_load(text)
            assert config["datasets"][0]["field_messages"] == "messages"
        else:
            ast.parse(text)  # runnable Python
    printed = CliRunner().invoke(cli, ["train", "recipe", str(exported), "--tool", "axolotl"])
    assert printed.exit_code == 0 and "type: chat_template" in printed.output
