"""Training jobs as persisted job rows: started only from an export that passed the gate
(its manifest, with the sha256 of the file as reviewed), followed across restarts; the
estimate of trained tokens and cost is recorded at the start, the provider's count, the
checkpoints, the metrics and where to call the tuned model as the job goes on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..jobs import store as jobs
from ..tokens import TokenizerUnavailable
from . import costs
from .adapter import Checkpoint, JobInfo, OpenAICompatibleTrainer, TrainingError
from .fireworks import FireworksTrainer
from .metrics import ParsedMetrics, parse_metrics, save_metrics
from .together import TogetherTrainer

KIND = "fine-tune"
JOB_STATUS = {"pending": jobs.QUEUED, "running": jobs.RUNNING, "succeeded": jobs.SUCCEEDED,
              "failed": jobs.FAILED, "cancelled": jobs.CANCELLED}


@dataclass(frozen=True)
class TrainingRequest:
    manifest: Path
    model: str
    use_validation: bool = True
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    suffix: str | None = None
    seed: int | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_files(manifest: Path) -> dict[str, tuple[Path, str]]:
    """The export's files by role ("train" or "all", "valid"), each with its sha256 —
    refused unless the export passed the gate and the files are unchanged since."""
    try:
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainingError(f"cannot read the export manifest {manifest}: {exc}") from None
    summary = (data.get("validation") or {}).get("summary") or {}
    if int(summary.get("errors", 1) or 0):
        raise TrainingError(f"{manifest}: the export did not pass the readiness gate")
    out: dict[str, tuple[Path, str]] = {}
    for entry in data.get("files", []):
        path = Path(manifest).parent / str(entry.get("path", ""))
        if not path.exists():
            raise TrainingError(f"{path} is missing (listed in {manifest})")
        actual = _sha256(path)
        if actual != entry.get("sha256"):
            raise TrainingError(f"{path} changed since it was exported (sha256 differs from "
                                "the manifest); export again")
        out["train" if entry.get("role") == "all" else str(entry.get("role"))] = (path, actual)
    if "train" not in out:
        raise TrainingError(f"{manifest} lists no training file")
    return out


Trainer = OpenAICompatibleTrainer | TogetherTrainer | FireworksTrainer


def trainer_for(provider: str, providers_file: Path | None = None) -> Trainer:
    """The trainer for a configured provider (its ``training_api`` picks the API); the key
    goes to that provider's endpoint only."""
    from ..llm import EndpointError, ProvidersError, load_providers, resolve_endpoint

    try:
        table = load_providers(providers_file)
        endpoint = resolve_endpoint(provider=provider, providers=table)
    except (EndpointError, ProvidersError) as exc:
        raise TrainingError(str(exc)) from None
    api = table[provider].training_api if provider in table else "openai"
    if api == "together":
        return TogetherTrainer(endpoint)
    if api == "fireworks":
        return FireworksTrainer(endpoint)
    return OpenAICompatibleTrainer(endpoint)


def start_training(db: Database, trainer: Trainer, request: TrainingRequest,
                   *, provider: str, who: str) -> int:
    """Upload the export and create one job (never retried); returns the job row id."""
    files = export_files(request.manifest)
    train_path, train_sha = files["train"]
    valid = files.get("valid") if request.use_validation else None
    epochs = request.hyperparameters.get("n_epochs")
    try:
        estimate: dict[str, Any] | None = costs.estimate(
            train_path, request.model, int(epochs) if epochs else None).to_dict()
    except (TokenizerUnavailable, OSError, UnicodeDecodeError):
        estimate = None  # the job can still start; the page says the estimate is unknown
    training_file = trainer.upload(train_path)
    validation_file = trainer.upload(valid[0]) if valid else None
    info = trainer.create(model=request.model, training_file=training_file,
                          validation_file=validation_file,
                          hyperparameters=request.hyperparameters, suffix=request.suffix,
                          seed=request.seed)
    job_id = jobs.create(db, KIND, provider=provider, external_id=info.external_id,
                         input_ref=str(request.manifest), status=JOB_STATUS[info.status],
                         local=False, settings={
                             "model": request.model, "hyperparameters": request.hyperparameters,
                             "suffix": request.suffix, "seed": request.seed,
                             "training_file": training_file, "training_sha256": train_sha,
                             "validation_file": validation_file,
                             "validation_sha256": valid[1] if valid else None,
                             "estimate": estimate, "started_by": who})
    _store(db, job_id, info, trainer)
    return job_id


def _store(db: Database, job_id: int, info: JobInfo, trainer: Trainer | None = None) -> None:
    row = jobs.get(db, job_id)
    previous = (row.result if row is not None else None) or {}
    serving = trainer.serving(info) if trainer is not None else None
    result = {**previous, "raw_status": info.raw_status,
              "fine_tuned_model": info.fine_tuned_model, "trained_tokens": info.trained_tokens,
              "result_files": info.result_files, "epochs": info.epochs,
              "metrics_url": bool(info.metrics_url),
              "serving": serving.to_dict() if serving else previous.get("serving")}
    jobs.update(db, job_id, status=JOB_STATUS[info.status], result=result, error=info.error)


def follow_once(db: Database, trainer: Trainer, job_id: int) -> JobInfo:
    """Ask the provider for the job's state and record it."""
    job = _job(db, job_id)
    info = trainer.retrieve(str(job.external_id))
    _store(db, job_id, info, trainer)
    return info


def job_events(db: Database, trainer: Trainer, job_id: int) -> list[dict]:
    return trainer.events(str(_job(db, job_id).external_id))


def cancel(db: Database, trainer: Trainer, job_id: int) -> JobInfo:
    info = trainer.cancel(str(_job(db, job_id).external_id))
    _store(db, job_id, info, trainer)
    return info


def fetch_results(db: Database, trainer: Trainer,
                  job_id: int) -> tuple[list[Checkpoint], ParsedMetrics | None]:
    """Ask the provider for the job's state, checkpoints and metrics file; keep the
    checkpoints on the job and the metrics rows in ``training_metrics``. Metrics are None
    while the provider has no file for the job."""
    info = follow_once(db, trainer, job_id)
    checkpoints = trainer.checkpoints(info.external_id)
    payload = trainer.metrics_file(info)
    parsed = parse_metrics(payload) if payload is not None else None
    if parsed is not None:
        save_metrics(db, job_id, parsed.rows)
    job = _job(db, job_id)
    jobs.update(db, job_id, result={
        **(job.result or {}), "checkpoints": [c.to_dict() for c in checkpoints],
        "metrics_problems": parsed.problems if parsed is not None else [],
        "metrics_rows": len(parsed.rows) if parsed is not None else None})
    return checkpoints, parsed


def delete_model(trainer: Trainer, model: str) -> bool:
    """Delete a tuned model at the trainer's provider (it cannot be undone)."""
    if not model.strip():
        raise TrainingError("name the tuned model to delete")
    return trainer.delete_model(model.strip())


def _job(db: Database, job_id: int) -> jobs.Job:
    job = jobs.get(db, job_id)
    if job is None or job.kind != KIND or not job.external_id:
        raise TrainingError(f"no fine-tuning job {job_id}")
    return job
