"""The prompt a split sends: the database's few-shot set when it has one, recorded as a
prompt version before the first request.

Which examples: a few-shot file or examples given to the splitter explicitly win; otherwise
the managed set when it is not empty; otherwise the bundled ``data/few_shot.jsonl``. The set
is checked first (`check.check_set`): a set that fails stops the split with the reasons,
rather than teaching the model from a broken example.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..splitting.base import SplitterConfigError
from .check import check_set
from .fewshot_set import prompt_examples
from .versions import record_version, split_prefix_parts


class FewShotSetUnusable(SplitterConfigError):
    """The managed few-shot set fails its checks; the message lists why."""


def prepare_splitter(db: Database, splitter: Any) -> int | None:
    """Give an LLM splitter the managed set (unless it was given examples) and record its
    prompt; returns the prompt version id (None for splitters without a prompt)."""
    if not hasattr(splitter, "prompt_messages"):
        return None
    if not getattr(splitter, "few_shot_explicit", True):
        examples = prompt_examples(db)
        if examples:
            verdict = check_set(examples, model=getattr(splitter, "model", None))
            if not verdict.ok:
                reasons = "; ".join(line for line in verdict.lines()[1:] if
                                    line.startswith("error"))
                raise FewShotSetUnusable(
                    f"the few-shot set cannot be used ({reasons}); fix it with "
                    "`reviewer fewshot check`, or pass --few-shot FILE")
            splitter.use_examples(examples)
            splitter.few_shot_path = None  # the run's settings name the prompt version
    system_text, few_shot = split_prefix_parts(splitter.prompt_messages())
    version_id = record_version(db, system_text, few_shot)
    splitter.prompt_version_id = version_id
    return version_id
