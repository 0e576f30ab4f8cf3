"""What the Export page shows, computed without Streamlit: target and model choices, the
options a form makes, the kept export as page state, token histogram, findings rows,
summary metrics. Building and keeping the export itself is `reviewer.exporting`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exporting import ExportOptions, KeptExport
from ..splitting import DEFAULT_FEW_SHOT
from ..validation import DEFAULT_MODEL, MODELS, PROFILES, get_profile

REVIEW_URL = "review"  # url_path of the Review page in app.py


def target_choices() -> list[str]:
    """Export profiles, the default (openai) first."""
    return sorted(PROFILES, key=lambda name: (name != "openai", name))


def target_label(name: str) -> str:
    return f"{name} · {get_profile(name).description}"


def model_choices() -> list[str]:
    """Models of the price/limit table, the default first, then the still-trainable ones."""
    return sorted(MODELS, key=lambda m: (m != DEFAULT_MODEL, not MODELS[m].can_train(), m))


def model_label(model_id: str) -> str:
    info = MODELS.get(model_id)
    return f"{model_id} ({info.availability()})" if info else model_id


def form_options(*, target: str, model: str | None, epochs: int, multi_turn: bool,
                 check_few_shot: bool, few_shot_file: Path = DEFAULT_FEW_SHOT) -> ExportOptions:
    """The export the page's form asks for. Epochs 0 means the heuristic; the template check
    uses the few-shot file when it is there (the file is optional)."""
    few_shot = few_shot_file if check_few_shot and few_shot_file.exists() else None
    return ExportOptions(target=target, model=model, multi_turn=multi_turn, few_shot=few_shot,
                         epochs=int(epochs) or None)


def result_state(kept: KeptExport, model: str | None) -> dict[str, Any]:
    """A kept export as plain session state (bytes, the report as JSON, where it went)."""
    return {
        "data": kept.data, "report": kept.report.to_json(), "ok": kept.ok, "model": model,
        "token_counts": list(kept.report.token_counts),
        "copy": str(kept.path) if kept.path else None,
        "manifest": str(kept.manifest) if kept.manifest else None,
        "file_name": kept.path.name if kept.path else None, "run_id": kept.run_id,
    }


def pair_link(pair_id: int | None) -> str | None:
    """Relative link that opens the Review page positioned on a pair."""
    return f"{REVIEW_URL}?pair={int(pair_id)}" if pair_id is not None else None


def histogram(values: Sequence[int], bins: int = 20) -> list[dict]:
    """Equal-width buckets over ``values``: ``[{"tokens": "120–139", "examples": 4}, ...]``."""
    if not values:
        return []
    low, high = min(values), max(values)
    width = max(1, -(-(high - low + 1) // bins))
    buckets: dict[int, int] = {}
    for v in values:
        index = (v - low) // width
        buckets[index] = buckets.get(index, 0) + 1
    last = (high - low) // width
    return [
        {"tokens": f"{low + i * width}–{low + (i + 1) * width - 1}",
         "examples": buckets.get(i, 0)}
        for i in range(last + 1)
    ]


def findings_rows(findings: Iterable[Any]) -> list[dict]:
    """Findings (objects or dicts) as table rows with a link to the pair when there is one."""
    rows = []
    for f in findings:
        d = f if isinstance(f, Mapping) else f.to_dict()
        pair_id = d.get("pair_id")
        rows.append({
            "severity": d.get("severity", ""),
            "rule": d.get("rule", ""),
            "line": d.get("line"),
            "pair_id": pair_id,
            "message": d.get("message", ""),
            "open": pair_link(pair_id),
        })
    return rows


def filter_findings(rows: Iterable[dict], *, severities: Iterable[str] | None = None,
                    rules: Iterable[str] | None = None) -> list[dict]:
    """Rows whose severity and rule are in the chosen sets (empty or None: no filter)."""
    sev = set(severities or ())
    rul = set(rules or ())
    return [r for r in rows if (not sev or r["severity"] in sev) and (not rul or r["rule"] in rul)]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SUMMARY_METRICS = (
    ("examples", "Examples"),
    ("total_tokens", "Tokens"),
    ("billed_tokens", "Billed tokens"),
    ("epochs", "Epochs"),
    ("estimated_cost_usd", "Estimated cost (USD)"),
    ("errors", "Errors"),
    ("warnings", "Warnings"),
)


def summary_metrics(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for the headline metrics, in a fixed order."""
    out = []
    for key, label in SUMMARY_METRICS:
        if key in summary:
            value = summary[key]
            if key == "estimated_cost_usd" and isinstance(value, int | float):
                out.append((label, f"${value:,.2f}"))
            else:
                out.append((label, _fmt(value)))
    return out


_AVAILABILITY_WORDS = ("trainable", "training", "shutdown", "availability")


def availability_lines(summary: Mapping[str, Any]) -> list[str]:
    """Readable lines about training availability of the chosen model (wind-down dates)."""
    lines = []
    for key, value in summary.items():
        if isinstance(value, str | int | float) and value not in ("",) and any(
                word in key for word in _AVAILABILITY_WORDS):
            lines.append(f"{key.replace('_', ' ')}: {value}")
    return lines


DETAIL_KEYS = (
    ("model", "Model"),
    ("target", "Target"),
    ("encoding", "Encoding"),
    ("epochs_source", "Epochs from"),
    ("trained_tokens_estimate", "Trained tokens (billed × epochs)"),
    ("max_tokens_per_example", "Per-example token limit"),
    ("examples_over_limit", "Examples over the limit"),
    ("price_source_date", "Prices as of"),
    ("near_duplicate_method", "Near-duplicate method"),
)


def detail_lines(summary: Mapping[str, Any]) -> list[str]:
    """Further facts of the report that have a known meaning, one line each."""
    return [f"{label}: {_fmt(summary[key])}" for key, label in DETAIL_KEYS
            if summary.get(key) not in (None, "")]


def token_stat_rows(summary: Mapping[str, Any]) -> list[dict]:
    """``summary["tokens"]`` ({"total": {"min": …}, "assistant": {…}, …}) as table rows."""
    stats = summary.get("tokens")
    if not isinstance(stats, Mapping):
        return []
    rows = []
    for name, values in stats.items():
        if isinstance(values, Mapping):
            rows.append({"per example": name, **{k: v for k, v in values.items()
                                                 if isinstance(v, int | float)}})
    return rows


def cost_rows(summary: Mapping[str, Any]) -> list[dict]:
    """Estimated cost per model with whether it can still be trained."""
    rows = []
    for item in summary.get("costs") or []:
        if isinstance(item, Mapping):
            rows.append({
                "model": item.get("model", ""),
                "estimated cost (USD)": item.get("estimated_cost_usd"),
                "training per 1M tokens (USD)": item.get("training_per_1m"),
                "can train": item.get("can_train"),
                "availability": item.get("availability", ""),
            })
    return rows
