"""What the Train page shows for one job, computed without Streamlit from the same report
`reviewer train status` prints."""

from __future__ import annotations

from typing import Any

from ..training.report import cost_text, tokens_text


def job_label(job: Any) -> str:
    result = job.result or {}
    model = result.get("fine_tuned_model") or job.settings.get("model") or "?"
    return f"#{job.id} · {job.provider} · {job.status} · {model}"


def cost_cards(costs: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, help) for the estimated and actual trained tokens and cost."""
    epochs = (f"{costs['epochs']} epochs ({costs['epochs_source']})" if costs.get("epochs")
              else "epochs unknown")
    price = (f"${costs['price_per_1m']} per 1M training tokens" if costs.get("price_per_1m")
             is not None else "no training price known for this model")
    difference = costs.get("tokens_difference_pct")
    return [
        ("Estimated trained tokens", tokens_text(costs.get("estimated_tokens")),
         f"The training file counted with tiktoken × {epochs}."),
        ("Actual trained tokens", tokens_text(costs.get("actual_tokens")),
         "The provider's billed count, once the job is done"
         + (f" ({difference:+.1f}% against the estimate)." if difference is not None else ".")),
        ("Estimated cost", cost_text(costs.get("estimated_cost_usd")), price),
        ("Actual cost", cost_text(costs.get("actual_cost_usd")), price),
    ]


def checkpoint_rows(checkpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"step": c.get("step"), "model": c.get("model"), "train loss": c.get("train_loss"),
             "valid loss": c.get("valid_loss")} for c in checkpoints]


SERIES = {"train_loss": "train", "valid_loss": "validation (batch)",
          "full_valid_loss": "validation (full)"}


def curve_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The loss curve's points with readable series names."""
    return [{"step": p["step"], "series": SERIES.get(p["series"], p["series"]),
             "loss": p["loss"]} for p in points]


def serving_lines(serving: dict[str, Any] | None) -> list[str]:
    if not serving:
        return []
    return [f"Base URL: {serving['base_url']}", f"Model: {serving['model']}"]
