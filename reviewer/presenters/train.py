"""What the Train page shows for its jobs, computed without Streamlit from the same report
`reviewer train status` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..training.report import cost_text, tokens_text
from .text import short_time


def job_label(job: Any) -> str:
    result = job.result or {}
    model = result.get("fine_tuned_model") or job.settings.get("model") or "?"
    return f"#{job.id} · {job.provider} · {job.status} · {model}"


def _state(job: Any) -> str:
    """The job's state; the provider's own word too when it says something else."""
    raw = (job.result or {}).get("raw_status")
    return job.status if not raw or raw == job.status else f"{job.status} ({raw})"


def job_rows(jobs: list[Any]) -> list[dict[str, Any]]:
    """The jobs table, newest first."""
    rows = []
    for job in jobs:
        result = job.result or {}
        rows.append({"job": f"#{job.id}", "provider": job.provider, "state": _state(job),
                     "base model": job.settings.get("model"),
                     "tuned model": result.get("fine_tuned_model") or "",
                     "trained tokens": result.get("trained_tokens"),
                     "started": short_time(job.created_at), "error": job.error or ""})
    if not any(row["error"] for row in rows):
        for row in rows:
            del row["error"]  # a column of blanks only pushes the others off screen
    return rows


def state_line(job: Any) -> str:
    """One line under State: what the job is doing, where, since when."""
    return (f"{_state(job).capitalize()} · provider {job.provider}, job "
            f"{job.external_id or '?'} · base model {job.settings.get('model') or '?'} · "
            f"started {short_time(job.created_at)}")


def _change(actual: Any, estimate: Any) -> str | None:
    if actual is None or not estimate:
        return None
    return f"{(float(actual) - float(estimate)) / float(estimate):+.0%} against the estimate"


def cost_cards(costs: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    """(label, value, change against the estimate or None, help) for the estimated and
    actual trained tokens and cost."""
    epochs = (f"{costs['epochs']} epochs ({costs['epochs_source']})" if costs.get("epochs")
              else "epochs unknown")
    price = (f"${costs['price_per_1m']} per 1M training tokens" if costs.get("price_per_1m")
             is not None else "no training price known for this model")
    return [
        ("Estimated trained tokens", tokens_text(costs.get("estimated_tokens")), None,
         f"The training file counted with tiktoken × {epochs}."),
        ("Actual trained tokens", tokens_text(costs.get("actual_tokens")),
         _change(costs.get("actual_tokens"), costs.get("estimated_tokens")),
         "The provider's billed count, once the job is done."),
        ("Estimated cost", cost_text(costs.get("estimated_cost_usd")), None, price),
        ("Actual cost", cost_text(costs.get("actual_cost_usd")),
         _change(costs.get("actual_cost_usd"), costs.get("estimated_cost_usd")), price),
    ]


def checkpoint_rows(checkpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"step": c.get("step"), "checkpoint model": c.get("model"),
             "train loss": c.get("train_loss"), "validation loss": c.get("valid_loss")}
            for c in checkpoints]


SERIES = {"train_loss": "train", "valid_loss": "validation (batch)",
          "full_valid_loss": "validation (full)"}


def curve_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The loss curve's points with readable curve names."""
    return [{"step": p["step"], "curve": SERIES.get(p["series"], p["series"]),
             "loss": p["loss"]} for p in points]


def serving_block(serving: dict[str, Any] | None) -> str:
    """Where to call the tuned model, as lines to copy."""
    if not serving:
        return ""
    return f"base_url = {serving['base_url']}\nmodel = {serving['model']}"


def event_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"when": short_time(e.get("at")), "level": e.get("level") or "",
             "message": e.get("message") or ""} for e in events]


def start_command(manifest: str | None) -> str:
    """The command that trains on the newest export (or a placeholder path)."""
    path = manifest or "out/set.manifest.json"
    if " " in path:
        path = f'"{path}"'
    return (f"reviewer train start {path} --provider NAME --model MODEL\n"
            "reviewer train follow JOB_ID")


def export_note(manifest: str | None) -> str:
    return (f"Newest export: {Path(manifest).name}" if manifest else
            "No export yet: export the approved pairs on the Export page first.")


def latest_manifest(db: Any) -> str | None:
    """The manifest of the newest finished export still on disk, if any."""
    for (settings,) in db.execute("SELECT settings FROM runs WHERE kind = 'export' AND"
                                  " status = 'done' ORDER BY id DESC LIMIT 20").fetchall():
        manifest = json.loads(settings or "{}").get("manifest")
        if manifest and Path(manifest).exists():
            return str(manifest)
    return None
