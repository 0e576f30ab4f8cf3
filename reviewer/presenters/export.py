"""What the Export page shows, computed without Streamlit: target and model choices, the
options a form makes, the built report as page state and whether it went stale, the verdict
with its errors or the warnings to acknowledge, where a finding opens in Review, the next step
when there is nothing to export, token histogram, findings rows, summary metrics. Building
and keeping the export itself is `reviewer.exporting`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exporting import ExportOptions, KeptExport
from ..review.statuses import APPROVED
from ..splitting import DEFAULT_FEW_SHOT
from ..validation import DEFAULT_MODEL, MODELS, PROFILES, get_profile

IMPORT_PAGE = "pages/import.py"
REVIEW_PAGE = "pages/review.py"
FINDING_PARAM_LIMIT = 300  # characters of "rule: message" handed to Review in the URL


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
    uses the template the splitter uses: the managed few-shot set when it is not empty, else
    the few-shot file when it is there (the file is optional)."""
    few_shot = few_shot_file if check_few_shot and few_shot_file.exists() else None
    return ExportOptions(target=target, model=model, multi_turn=multi_turn, few_shot=few_shot,
                         epochs=int(epochs) or None, few_shot_set=check_few_shot)


def form_values(options: ExportOptions) -> dict[str, Any]:
    """The page's form widgets (by key) set to what ``options`` were built from."""
    values: dict[str, Any] = {"ex_target": options.target, "ex_epochs": options.epochs or 0,
                              "ex_multi_turn": options.multi_turn,
                              "ex_few_shot": options.few_shot is not None or options.few_shot_set}
    if options.model:
        values["ex_model"] = options.model
    return values


def result_state(kept: KeptExport, options: ExportOptions, *, fingerprint: str,
                 approved: int) -> dict[str, Any]:
    """A kept export as plain session state: bytes, the report as JSON, where it went, the
    options it was built with, and the approved set's fingerprint and count at build time
    (what `stale_reasons` compares against). Token counts per example come from the
    validation report, which counted them anyway."""
    tokens = [int(n) for n in kept.report.token_counts]
    return {
        "data": kept.data, "report": kept.report.to_json(), "ok": kept.ok,
        "model": options.model, "options": options, "token_counts": tokens,
        "fingerprint": fingerprint, "approved": approved,
        "copy": str(kept.path) if kept.path else None,
        "manifest": str(kept.manifest) if kept.manifest else None,
        "file_name": kept.path.name if kept.path else None, "run_id": kept.run_id,
    }


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def stale_reasons(result: Mapping[str, Any], *, fingerprint: str, approved: int,
                  options: ExportOptions | None) -> list[str]:
    """Why a built report no longer describes what an export would be now (empty: current).

    The fingerprint moves with every review event, so an unchanged approved count can
    still mean edited text or a pair swapped for another."""
    reasons = []
    if result.get("fingerprint") != fingerprint:
        then = int(result.get("approved") or 0)
        if then != approved:
            reasons.append(f"the approved pairs changed since it was built "
                           f"({then:,} approved then, {approved:,} now)")
        else:
            reasons.append(f"pairs were edited or reviewed since it was built "
                           f"({approved:,} approved then and now)")
    if options is not None and result.get("options") not in (None, options):
        reasons.append("the options above differ from the ones it was built with")
    return reasons


@dataclass(frozen=True)
class EmptyState:
    """Nothing to export yet: what to say and where the next step is."""

    message: str
    action: str
    page: str


def empty_state(counts: Mapping[str, int]) -> EmptyState | None:
    """The next step when no pair is approved (None when there is something to export)."""
    if counts.get(APPROVED, 0):
        return None
    total = sum(counts.values())
    if not total:
        return EmptyState(
            "There are no pairs yet. Import conversation dumps and split them into "
            "question/answer pairs; once pairs are approved in Review they can be exported "
            "here.", "Import conversations", IMPORT_PAGE)
    which = "The one pair is not" if total == 1 else f"None of the {total:,} pairs is"
    return EmptyState(
        f"{which} approved yet, and only approved pairs are exported. Review the pairs and "
        "approve the good ones first.", "Review pairs", REVIEW_PAGE)


def approved_line(counts: Mapping[str, int]) -> str:
    return (f"{_plural(counts.get(APPROVED, 0), 'approved pair')} will be exported "
            f"({counts.get('pending', 0):,} still pending review).")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    errors: int
    warnings: int
    headline: str


def _total(report: Mapping[str, Any], severity: str) -> int:
    """The report's true total (findings are listed up to a cap per rule)."""
    listed = sum(1 for f in report.get("findings", []) if f.get("severity") == severity)
    key = "errors" if severity == "error" else "warnings"
    return max(int(report.get("summary", {}).get(key) or 0), listed)


def verdict(result: Mapping[str, Any], *, stale: bool = False) -> Verdict:
    """The one line that says whether the export can be downloaded, and what comes next;
    a stale report's line says it is about the last build."""
    report = result["report"]
    errors, warnings = _total(report, "error"), _total(report, "warning")
    if not result["ok"]:
        if stale:
            head = f"The last build was refused ({_plural(errors, 'error')})."
        else:
            them = "it" if errors == 1 else "them"
            head = f"Export refused: {_plural(errors, 'error')}. Fix {them} and build again."
        return Verdict(False, errors, warnings, head)
    examples = _plural(int(report.get("summary", {}).get("examples") or 0), "example")
    passed = "The last build passed validation." if stale else "The file passed validation."
    then = (f"{_plural(warnings, 'warning')} to acknowledge before the download."
            if warnings else "no warnings.")
    return Verdict(True, errors, warnings, f"{passed} {examples}, {then}")


def where(line: int | None) -> str:
    return f"line {line}" if line else "whole file"


def error_rows(report: Mapping[str, Any]) -> list[dict]:
    """The refusing errors, in file order, as rows of the table under the verdict."""
    return [{"rule": r["rule"], "where": where(r["line"]), "pair_id": r["pair_id"],
             "message": r["message"]}
            for r in findings_rows(report.get("findings", [])) if r["severity"] == "error"]


def warning_counts(report: Mapping[str, Any]) -> list[dict]:
    """Warnings per rule, most frequent first, with the first one's message as an example.
    Counts are the report's true totals per rule (more may exist than are listed)."""
    listed: Counter[str] = Counter()
    example: dict[str, str] = {}
    for f in report.get("findings", []):
        if f.get("severity") == "warning":
            listed[f["rule"]] += 1
            example.setdefault(f["rule"], f.get("message", ""))
    totals = report.get("summary", {}).get("rules") or {}
    rows = [{"rule": rule, "warnings": max(n, int(totals.get(rule) or 0)),
             "for example": example[rule]} for rule, n in listed.items()]
    return sorted(rows, key=lambda r: (-r["warnings"], r["rule"]))


def selected_row(rows: Sequence[dict], selection: Sequence[int]) -> dict | None:
    """The table row a reviewer selected (single-row selection), if any."""
    if not selection or not 0 <= selection[0] < len(rows):
        return None
    return rows[selection[0]]


def review_params(row: Mapping[str, Any]) -> dict[str, str] | None:
    """Query parameters that open a finding's pair in Review's focus view, with the finding
    shown above it; None for a finding about the whole file (no pair)."""
    pair_id = row.get("pair_id")
    if pair_id is None:
        return None
    finding = f"{row.get('rule', '')}: {row.get('message', '')}"
    return {"pair": str(int(pair_id)), "finding": finding[:FINDING_PARAM_LIMIT]}


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
    """Findings (objects or dicts) as table rows."""
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
