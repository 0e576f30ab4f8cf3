"""What the Train and Evaluate pages show, computed without Streamlit."""

from __future__ import annotations

from typing import Any

METRICS = (("cosine", "Cosine"), ("chrf", "chrF"), ("bleu", "BLEU"), ("rouge_l", "ROUGE-L"))


def run_label(run: dict[str, Any]) -> str:
    return (f"#{run['id']} {run['name']} · {run['model']} · {run['items']} items"
            f"{' · ' + str(run['failed']) + ' without an answer' if run.get('failed') else ''}")


def mean_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label in METRICS:
        m = summary.get("means", {}).get(key)
        if m:
            rows.append({"metric": label, "mean": round(m["mean"], 3),
                         "95% interval": f"{m['low']:.3f} – {m['high']:.3f}", "n": m["n"]})
    return rows


def histogram_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Seed 003's picture: how many answers fall in each cosine band."""
    rows = []
    for b in summary.get("cosine_histogram", []):
        low, high = b.get("low"), b.get("high")
        label = f"{low:.1f}–{high:.1f}" if low is not None and high is not None else "?"
        rows.append({"cosine": label, "answers": int(b.get("count", 0))})
    return rows


def item_rows(items: list[dict[str, Any]], weak_below: float) -> list[dict[str, Any]]:
    """Per-item table, weakest first, with the weak tail marked."""
    return [{"weak": "⚑" if (i.get("cosine") or 0) < weak_below else "",
             "cosine": round(i.get("cosine") or 0, 3), "chrF": round(i.get("chrf") or 0, 1),
             "question": i.get("question") or "", "reference": i.get("reference") or "",
             "model answer": i.get("answer") or (f"(no answer: {i['error']})"
                                                 if i.get("error") else ""),
             "pair": i.get("pair_id")} for i in items]


def job_rows(jobs: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        result = job.result or {}
        rows.append({"id": job.id, "provider": job.provider, "status": job.status,
                     "provider status": result.get("raw_status"),
                     "base model": job.settings.get("model"),
                     "tuned model": result.get("fine_tuned_model") or "",
                     "trained tokens": result.get("trained_tokens"),
                     "created": job.created_at, "error": job.error or ""})
    return rows
