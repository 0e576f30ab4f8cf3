""""Train it yourself": ready-to-run starting points for TRL, Unsloth and Axolotl on an
export. The export's chat lines (``{"messages": [...]}``) are what all three load as is."""

from __future__ import annotations

import json
from pathlib import Path

TOOLS = ("trl", "unsloth", "axolotl")
DEFAULT_BASE = "Qwen/Qwen2.5-0.5B-Instruct"


def export_paths(manifest: Path) -> tuple[Path, Path | None]:
    """(training file, held-out file or None) named by an export's manifest."""
    data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    roles = {entry.get("role"): Path(manifest).parent / str(entry.get("path"))
             for entry in data.get("files", [])}
    train = roles.get("train") or roles.get("all")
    if train is None:
        raise ValueError(f"{manifest} lists no training file")
    return train, roles.get("valid")


def recipe(tool: str, train: Path, valid: Path | None, *, base_model: str = DEFAULT_BASE,
           output_dir: str = "out/tuned") -> str:
    """The snippet for one tool (Python for TRL and Unsloth, YAML for Axolotl)."""
    files = {"train": str(train), **({"validation": str(valid)} if valid else {})}
    if tool == "trl":
        return f'''from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

data = load_dataset("json", data_files={json.dumps(files)})
trainer = SFTTrainer(
    model={json.dumps(base_model)},
    train_dataset=data["train"],
    eval_dataset=data.get("validation"),
    args=SFTConfig(output_dir={json.dumps(output_dir)}, num_train_epochs=3,
                   assistant_only_loss=True),
)
trainer.train()
'''
    if tool == "unsloth":
        return f'''from unsloth import FastLanguageModel
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained({json.dumps(base_model)},
                                                     max_seq_length=4096, load_in_4bit=True)
model = FastLanguageModel.get_peft_model(model, r=16, lora_alpha=16)
data = load_dataset("json", data_files={json.dumps(files)})
trainer = SFTTrainer(model=model, tokenizer=tokenizer, train_dataset=data["train"],
                     eval_dataset=data.get("validation"),
                     args=SFTConfig(output_dir={json.dumps(output_dir)}, num_train_epochs=3))
trainer.train()
'''
    if tool == "axolotl":
        lines = [f"base_model: {base_model}", "datasets:", f"  - path: {train}",
                 "    type: chat_template", "    field_messages: messages"]
        if valid:
            lines += ["test_datasets:", f"  - path: {valid}", "    type: chat_template",
                      "    field_messages: messages", "    split: train"]
        lines += ["chat_template: tokenizer_default", "sequence_len: 4096",
                  "adapter: lora", "lora_r: 16", "lora_alpha: 16", "num_epochs: 3",
                  "micro_batch_size: 2", "learning_rate: 0.0002", f"output_dir: {output_dir}"]
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")
