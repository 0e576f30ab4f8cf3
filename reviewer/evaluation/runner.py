"""An evaluation run: ask a model every held-out question, score its answers against the
approved references offline, store the run, and send what it failed back to review."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..llm.base import CallTags, ChatModel, LLMError
from . import store
from .embedder import Embedder
from .heldout import HeldOutItem
from .scoring import EvalItem, score_items

PURPOSE = "eval"
PROMPT_VERSION = "eval-1"  # the held-out messages are sent as exported, nothing added


@dataclass
class EvalOutcome:
    run_id: int
    items: int
    failed: int
    summary: dict[str, Any]


def _ask(llm: ChatModel, item: HeldOutItem, max_tokens: int) -> tuple[str, str | None]:
    messages = ([{"role": "system", "content": item.system}] if item.system else []) + [
        {"role": "user", "content": item.question}]
    try:
        completion = llm.complete(messages, max_tokens=max_tokens,
                                  tags=CallTags(PURPOSE, item.item_id, PROMPT_VERSION))
    except LLMError as exc:
        return "", exc.reason
    if completion.truncated:
        return completion.text or "", None  # a cut answer still scores what it said
    return completion.text or "", None


def answer_items(llm: ChatModel, items: list[HeldOutItem], *, max_tokens: int = 1024,
                 concurrency: int = 4,
                 progress: Callable[[int], None] | None = None) -> list[tuple[str, str | None]]:
    """The model's answer (or its error) to every item, in item order; ``progress`` is
    called with the number answered so far."""
    answers: list[tuple[str, str | None]] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for done, answer in enumerate(pool.map(lambda i: _ask(llm, i, max_tokens), items), 1):
            answers.append(answer)
            if progress is not None:
                progress(done)
    return answers


def score_and_save(db: Database, items: list[HeldOutItem],
                   answers: list[tuple[str, str | None]], embedder: Embedder, *, name: str,
                   model: str, provider: str, source: str | Path, who: str,
                   job_id: int | None = None, role: str | None = None) -> EvalOutcome:
    """Score the answers against the references offline and store the run."""
    scored = score_items([EvalItem(i.item_id, i.question, i.reference, answer)
                          for i, (answer, _) in zip(items, answers, strict=True)], embedder)
    rows = [{"item_id": i.item_id, "pair_id": i.pair_id, "system": i.system,
             "question": i.question, "reference": i.reference, "answer": answer,
             "error": error} for i, (answer, error) in zip(items, answers, strict=True)]
    run_id = store.save_run(db, name=name, model=model, provider=provider, source=str(source),
                            who=who, items=rows, scored=scored, job_id=job_id, role=role)
    return EvalOutcome(run_id, len(items), sum(1 for _, e in answers if e),
                       store.get_run(db, run_id)["summary"])  # type: ignore[index]


def run_eval(db: Database, items: list[HeldOutItem], llm: ChatModel, embedder: Embedder, *,
             name: str, source: str | Path, who: str, max_tokens: int = 1024,
             concurrency: int = 4,
             progress: Callable[[int, int], None] | None = None) -> EvalOutcome:
    """Answer, score and store. A question the model could not answer scores 0 and keeps
    its error, so a flaky endpoint shows up instead of vanishing from the averages."""
    answers = answer_items(llm, items, max_tokens=max_tokens, concurrency=concurrency,
                           progress=None if progress is None
                           else (lambda done: progress(done, len(items))))
    return score_and_save(db, items, answers, embedder, name=name, model=llm.model_id,
                          provider=llm.provider, source=source, who=who)


def send_weak_back(db: Database, run_id: int, *, below: float, who: str) -> list[int]:
    """Flag the source pair of every item scoring below ``below`` (cosine) for review.
    Returns the pair ids (see `sendback.send_back`)."""
    from .sendback import WeakRule, send_back, weak_items

    weak = weak_items(db, run_id, WeakRule(below=below))
    return send_back(db, run_id, [w.item_id for w in weak], who=who)
