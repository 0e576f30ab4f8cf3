"""What is known about one recorded fine-tuning job, as the CLI prints it and the Train page
shows it: state, where to call the tuned model, estimated against actual trained tokens and
cost, checkpoints and the metrics rows."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..jobs.store import Job
from .costs import comparison
from .metrics import load_metrics, loss_curve


def job_report(db: Database, job: Job) -> dict[str, Any]:
    result = job.result or {}
    rows = load_metrics(db, job.id)
    return {**job.to_dict(), "costs": comparison(job.settings, result),
            "serving": result.get("serving"), "checkpoints": result.get("checkpoints") or [],
            "metrics": [r.to_dict() for r in rows], "loss_curve": loss_curve(rows),
            "metrics_problems": result.get("metrics_problems") or []}


def tokens_text(value: Any) -> str:
    return f"{int(value):,}" if value is not None else "unknown"


def cost_text(value: Any) -> str:
    return f"${float(value):,.4f}" if value is not None else "unknown"


def report_lines(report: dict[str, Any]) -> list[str]:
    result = report.get("result") or {}
    costs = report["costs"]
    lines = [f"job {report['id']} at {report['provider']}: {report['status']} "
             f"({result.get('raw_status')})",
             f"  provider id: {report['external_id']}",
             f"  tuned model: {result.get('fine_tuned_model') or '-'}"]
    serving = report.get("serving")
    if serving:
        lines.append(f"  call it at: {serving['base_url']}  model: {serving['model']}")
        if serving.get("note"):
            lines.append(f"  note: {serving['note']}")
    epochs = (f"{costs['epochs']} epochs ({costs['epochs_source']})"
              if costs.get("epochs") else "epochs unknown")
    lines += [f"  trained tokens: estimated {tokens_text(costs['estimated_tokens'])} "
              f"({epochs}), actual {tokens_text(costs['actual_tokens'])}"
              + (f" ({costs['tokens_difference_pct']:+.1f}%)"
                 if costs.get("tokens_difference_pct") is not None else ""),
              f"  cost: estimated {cost_text(costs['estimated_cost_usd'])}, actual "
              f"{cost_text(costs['actual_cost_usd'])}"
              + (f" at ${costs['price_per_1m']}/1M training tokens"
                 if costs.get("price_per_1m") is not None else " (no training price known)")]
    if report.get("checkpoints"):
        lines.append(f"  checkpoints: {len(report['checkpoints'])} (`reviewer train "
                     f"checkpoints {report['id']}`)")
    if report.get("metrics"):
        lines.append(f"  metrics: {len(report['metrics'])} steps (`reviewer train metrics "
                     f"{report['id']}`)")
    if report.get("error"):
        lines.append(f"  error: {report['error']}")
    return lines
