"""An evaluation as a persisted job: one model, or a base and a tuned model on the same
held-out items, answered through the model layer (logged in ``llm_calls``, cached), scored
offline and stored as runs; a pair of runs is linked for comparison.

The job row carries the progress (answers so far over all answers to get, plus one step per
scoring), so `reviewer jobs` and the Evaluate page follow it, and a job whose process died
is marked interrupted. Its settings name the endpoint by provider and public URL only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from ..db import connect
from ..jobs import EXECUTOR, Executor, ProgressFn
from ..llm.endpoint import Endpoint
from .embedder import Embedder
from .heldout import HeldOutItem, read_held_out
from .runner import answer_items, score_and_save

KIND = "eval"
EMBEDDERS = ("use", "hash")


class EvalSetupError(ValueError):
    """The evaluation cannot start: unreadable held-out file, unknown endpoint or provider."""


@dataclass(frozen=True)
class EvalSpec:
    """What to evaluate. ``base_model`` adds a base run over the same items, linked to the
    run of ``model`` (the tuned one) for comparison."""

    source: Path  # the held-out file (an export's .valid.jsonl)
    model: str
    base_model: str | None = None
    provider: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    manifest: Path | None = None
    name: str | None = None
    embedder: str = "use"
    concurrency: int = 4
    max_tokens: int = 1024
    use_cache: bool = True
    who: str = "cli"

    def settings(self, endpoint: Endpoint) -> dict[str, Any]:
        """The job's recorded settings: no key, the URL without credentials."""
        data = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()
                if k not in ("base_url", "api_key_env")}
        return {**data, "endpoint": endpoint.to_dict()}


def prepare(spec: EvalSpec, providers_file: str | PathLike[str] | None = None
            ) -> tuple[list[HeldOutItem], Endpoint]:
    """Read the held-out items and resolve the endpoint, before any job is recorded."""
    from ..llm import EndpointError, ProvidersError, load_providers, resolve_endpoint
    from .heldout import HeldOutError

    if spec.embedder not in EMBEDDERS:
        raise EvalSetupError(f"unknown embedder {spec.embedder!r}; known: {', '.join(EMBEDDERS)}")
    try:
        items = read_held_out(spec.source, spec.manifest)
        endpoint = resolve_endpoint(provider=spec.provider, base_url=spec.base_url,
                                    api_key_env=spec.api_key_env,
                                    providers=load_providers(providers_file))
    except (HeldOutError, EndpointError, ProvidersError) as exc:
        raise EvalSetupError(str(exc)) from None
    if not items:
        raise EvalSetupError(f"{spec.source} holds no examples")
    return items, endpoint


def make_embedder(kind: str) -> Embedder:
    from .hash_embedder import HashingEmbedder
    from .use_embedder import UseEmbedder

    return HashingEmbedder() if kind == "hash" else UseEmbedder()


def evaluate(db_path: str | PathLike[str], spec: EvalSpec, items: list[HeldOutItem],
             endpoint: Endpoint, progress: Callable[[int, int], None] | None = None,
             job_id: int | None = None) -> dict[str, Any]:
    """Run the evaluation (the job's work); returns the job's result."""
    from ..llm.cache import ResponseCache
    from ..llm.calls import CallLog
    from ..llm.openai_compat import OpenAICompatibleModel

    sides = ([("base", spec.base_model)] if spec.base_model else []) + [
        ("tuned" if spec.base_model else None, spec.model)]
    # Each side: one step per answer, then one for scoring and storing its run.
    total = (len(items) + 1) * len(sides)

    def reporter(offset: int) -> Callable[[int], None]:
        def report(count: int) -> None:
            if progress is not None:
                progress(offset + count, total)
        return report

    db = connect(db_path)
    calls = CallLog(db_path)
    cache = ResponseCache(db_path) if spec.use_cache else None
    embedder = make_embedder(spec.embedder)
    runs: dict[str, int] = {}
    failed: dict[str, int] = {}
    try:
        for role, model in sides:
            llm = OpenAICompatibleModel(model, endpoint)
            llm.call_log, llm.cache = calls, cache
            offset = len(runs) * (len(items) + 1)
            answers = answer_items(llm, items, max_tokens=spec.max_tokens,
                                   concurrency=spec.concurrency, progress=reporter(offset))
            name = role or spec.name or model
            if role and spec.name:
                name = f"{spec.name} ({role})"
            outcome = score_and_save(db, items, answers, embedder, name=name, model=model,
                                     provider=endpoint.provider, source=spec.source,
                                     who=spec.who, job_id=job_id, role=role)
            reporter(offset)(len(items) + 1)
            runs[role or "run"] = outcome.run_id
            failed[role or "run"] = outcome.failed
        if "base" in runs:
            from . import store

            store.link_pair(db, runs["base"], runs["tuned"])
    finally:
        calls.close()
        if cache is not None:
            cache.close()
        db.close()
    return {"runs": runs, "items": len(items), "failed": failed,
            "run_ids": sorted(runs.values())}


def start_eval_job(db_path: str | PathLike[str], spec: EvalSpec, *,
                   providers_file: str | PathLike[str] | None = None,
                   executor: Executor = EXECUTOR) -> int:
    """Check the setup, record an ``eval`` job and run it on a thread; returns the job id.

    Raises `EvalSetupError` before anything is recorded, `JobBusy` when an evaluation is
    already running on this database."""
    items, endpoint = prepare(spec, providers_file)

    def work(progress: ProgressFn) -> dict[str, Any]:
        # The executor's progress writer knows the job's row; the runs point back to it.
        job_id = getattr(progress, "job_id", None)
        return evaluate(db_path, spec, items, endpoint, progress, job_id)

    return executor.start(db_path, KIND, work, settings=spec.settings(endpoint))
