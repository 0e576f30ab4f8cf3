"""What the Evaluate page shows, computed without Streamlit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .text import plural, short_time

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


def histogram_rows(summary: dict[str, Any], weak_below: float | None = None
                   ) -> list[dict[str, Any]]:
    """Seed 003's picture: how many answers fall in each cosine band; with ``weak_below``,
    each band says whether it lies in the weak tail (starts below the cut)."""
    rows = []
    for b in summary.get("cosine_histogram", []):
        low, high = b.get("low"), b.get("high")
        label = f"{low:.1f}–{high:.1f}" if low is not None and high is not None else "?"
        row: dict[str, Any] = {"cosine": label, "answers": int(b.get("count", 0))}
        if weak_below is not None:
            row["part"] = "weak tail" if low is not None and low < weak_below else "good"
        rows.append(row)
    return rows


def weak_cut(rule_below: float | None, weak_scores: list[float]) -> float | None:
    """Where the weak tail ends on the cosine axis: the threshold, or just above the best
    weak item when the rule is a lowest share."""
    if rule_below is not None:
        return rule_below
    return max(weak_scores) + 1e-9 if weak_scores else None


def weak_row_style(row: Any) -> list[str]:
    """Pandas Styler rule: the weak tail's rows tinted."""
    tint = "background-color: rgba(230, 90, 60, 0.14)" if row.get("weak") else ""
    return [tint] * len(row)


SORTS = {"weakest first": False, "strongest first": True}
SCORE_COLUMNS = {"cosine": "cosine", "chrF": "chrf", "BLEU": "bleu", "ROUGE-L": "rouge_l"}


def sorted_items(items: list[dict[str, Any]], column: str = "cosine",
                 strongest_first: bool = False) -> list[dict[str, Any]]:
    """Items by one score (ties by item id); a missing score sorts as the lowest."""
    return sorted(items, key=lambda i: ((-1 if strongest_first else 1)
                                        * float(i.get(column) or 0.0), str(i["item_id"])))


def item_rows(items: list[dict[str, Any]], weak_below: float | None = None,
              weak_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """Per-item table in the given order, the weak tail marked: the items in ``weak_ids``
    when given, else those under ``weak_below`` (cosine)."""
    def weak(i: dict[str, Any]) -> bool:
        if weak_ids is not None:
            return i["item_id"] in weak_ids
        return weak_below is not None and (i.get("cosine") or 0) < weak_below

    return [{"weak": "⚑" if weak(i) else "",
             "cosine": round(i.get("cosine") or 0, 3), "chrF": round(i.get("chrf") or 0, 1),
             "BLEU": round(i.get("bleu") or 0, 1), "ROUGE-L": round(i.get("rouge_l") or 0, 3),
             "question": i.get("question") or "", "reference": i.get("reference") or "",
             "model answer": i.get("answer") or (f"(no answer: {i['error']})"
                                                 if i.get("error") else ""),
             "pair": i.get("pair_id")} for i in items]


def picked_item(items: list[dict[str, Any]], selection: Any) -> dict[str, Any]:
    """The item whose row is selected in the table, else the first (the weakest by default)."""
    try:
        rows = selection["selection"]["rows"]
    except (KeyError, TypeError):
        rows = []
    return items[rows[0]] if rows and 0 <= rows[0] < len(items) else items[0]


def item_heading(item: dict[str, Any], weak_ids: set[str]) -> str:
    mark = "weak ⚑ · " if item["item_id"] in weak_ids else ""
    pair = f"pair {item['pair_id']} · " if item.get("pair_id") is not None else ""
    return f"{pair}{mark}cosine {float(item.get('cosine') or 0):.3f}"


def item_texts(item: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for reading one item in full: question, reference, model answer."""
    answer = item.get("answer") or (f"(no answer: {item['error']})" if item.get("error")
                                     else "(no answer)")
    return [("Question", item.get("question") or ""),
            ("Reference answer (approved)", item.get("reference") or ""),
            ("Model answer", answer)]


# How the items table prints each score (the tint styling would otherwise show six digits).
ITEM_FORMATS = {"cosine": "{:.3f}", "chrF": "{:.1f}", "BLEU": "{:.1f}", "ROUGE-L": "{:.3f}"}


def run_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run list: a base/tuned pair names its other run."""
    return [{"run": r["id"], "model": r["model"],
             "role": r.get("role") or (r["name"] if r["name"] not in (None, "") else ""),
             "compared with": r.get("paired_with"), "items": r["items"],
             "without answer": r.get("failed") or 0,
             "scored": short_time(r["created_at"])} for r in runs]


def run_caption(run: dict[str, Any]) -> str:
    """Under a run's scores: what was scored, by what, on which file."""
    embedder = (run.get("metadata") or {}).get("embedder", {}).get("name", "?")
    source = Path(str(run.get("source") or "?")).name
    return (f"Model {run['model']} ({run['provider']}) on {source}; cosine by {embedder}. "
            "chrF and BLEU are 0–100, cosine and ROUGE-L 0–1; higher is closer to the "
            "reference.")


def verdict(pair: Any) -> str:
    """One sentence on top of the side-by-side table: did tuning help, and how sure."""
    rows = [r for r in pair.metrics if r.difference is not None]
    if not rows:
        return "No metric could be compared."
    better = [r for r in rows if r.difference.low > 0]
    worse = [r for r in rows if r.difference.high < 0]
    up = [r for r in rows if r.difference.mean > 0]
    count = f"{len(rows)} metric{'s' if len(rows) != 1 else ''}"
    if better and not worse:
        return (f"Fine-tuning helped: the tuned model is clearly better on {len(better)} of "
                f"{count}.")
    if worse and not better:
        return (f"Fine-tuning made it worse: the tuned model is clearly worse on {len(worse)} "
                f"of {count}.")
    if better and worse:
        return "Mixed: the tuned model is clearly better on some metrics and worse on others."
    lean = ("higher" if len(up) == len(rows) else "lower" if not up else "mixed")
    return (f"Not sure yet: the tuned model scores {lean} on average, but with "
            f"{plural(pair.items, 'item')} every interval of the difference still includes "
            "0. Hold out more pairs to be sure.")


def _ci_text(m: Any, signed: bool = False) -> str:
    if m is None:
        return "-"
    fmt = "+.3f" if signed else ".3f"
    return f"{m.mean:{fmt}} [{m.low:{fmt}}, {m.high:{fmt}}]"


def pair_mean_rows(pair: Any) -> list[dict[str, Any]]:
    """Base, tuned and tuned − base per metric, each a mean with its 95% interval."""
    labels = dict(METRICS)
    return [{"metric": labels[r.metric], "base": _ci_text(r.base), "tuned": _ci_text(r.tuned),
             "tuned − base": _ci_text(r.difference, signed=True),
             "helped": ("yes" if r.difference.low > 0 else "worse" if r.difference.high < 0
                        else "not sure") if r.difference is not None else "-"}
            for r in pair.metrics if r.metric in labels]


def pair_histogram_rows(pair: Any) -> list[dict[str, Any]]:
    """Both runs' cosine histograms over the same bins, long form (one row per bin and run)."""
    rows = []
    for h in pair.histogram:
        label = f"{h.low:.1f}–{h.high:.1f}"
        rows.append({"cosine": label, "run": f"base #{pair.base['id']}", "answers": h.base})
        rows.append({"cosine": label, "run": f"tuned #{pair.tuned['id']}", "answers": h.tuned})
    return rows


def flip_rows(pair: Any) -> list[dict[str, Any]]:
    c = pair.comparison
    return ([{"flip": "weak → good", "base": round(f.base, 3), "tuned": round(f.tuned, 3),
              "question": f.question, "item": f.item_id} for f in c.improved]
            + [{"flip": "good → weak", "base": round(f.base, 3), "tuned": round(f.tuned, 3),
                "question": f.question, "item": f.item_id} for f in c.regressed])


def flip_line(pair: Any) -> str:
    c = pair.comparison
    return (f"Good means cosine ≥ {c.threshold}. Weak → good: {len(c.improved)}; good → weak: "
            f"{len(c.regressed)}; stayed good: {c.stayed_good}; stayed weak: {c.stayed_weak}.")


def ci_note(pair: Any) -> str:
    return (f"Intervals are 95%: a run's mean by {pair.mean_ci_method}; the difference by "
            f"{pair.difference_ci_method}. \"helped\" is yes when the whole interval of the "
            "difference is above 0.")


def cluster_rows(clusters: list[Any]) -> list[dict[str, Any]]:
    return [{"cluster": c.number, "items": c.size, "mean cosine": round(c.mean_score, 3),
             "representative question": c.representative_question} for c in clusters]


def send_label(cluster: Any) -> str:
    return f"Send cluster {cluster.number} to review ({plural(cluster.size, 'item')})"


SEND_BACK_NOTE = ("Sending back flags the pairs these items came from as weak_in_eval (their "
                  "status stays); Review then shows the model's answer beside each reference.")


def histogram_spec(rows: list[dict[str, Any]], color: str | None, title: str,
                   y_title: str = "answers") -> dict[str, Any]:
    """A Vega-Lite bar chart of cosine bands, labels level and the axes titled; with
    ``color``, bars of that field side by side (one run each) or coloured (weak tail)."""
    order = list(dict.fromkeys(r["cosine"] for r in rows))
    encoding: dict[str, Any] = {
        "x": {"field": "cosine", "type": "ordinal", "sort": order,
              "title": "cosine to the reference (bands; higher is closer)",
              "axis": {"labelAngle": 0}},
        "y": {"field": "answers", "type": "quantitative", "title": y_title,
              "axis": {"tickMinStep": 1}},
        "tooltip": [{"field": "cosine"}, {"field": "answers"}],
    }
    if color:
        domain = list(dict.fromkeys(r[color] for r in rows))
        encoding["color"] = {"field": color, "type": "nominal", "title": None,
                             "scale": {"domain": domain}, "legend": {"orient": "top"}}
        if color == "part":
            encoding["color"]["scale"]["range"] = [
                {"weak tail": "#e4572e", "good": "#4c78a8"}.get(d, "#999999") for d in domain]
        else:
            encoding["xOffset"] = {"field": color, "sort": domain}
        encoding["tooltip"].append({"field": color})
    return {"title": title, "mark": {"type": "bar"}, "encoding": encoding}


def job_line(job: Any) -> str:
    """One line for an eval job: where it is, or how it ended."""
    settings = job.settings or {}
    models = (f"{settings.get('base_model')} → {settings.get('model')}"
              if settings.get("base_model") else str(settings.get("model")))
    if job.active:
        return (f"Evaluation job {job.id} ({models}) runs in the background: {job.done} / "
                f"{job.total or '?'} steps. You can keep working meanwhile.")
    runs = (job.result or {}).get("run_ids") or []
    ended = {"succeeded": f"finished: run(s) {', '.join(map(str, runs))}",
             "failed": f"failed: {job.error or ''}",
             "interrupted": "was interrupted (its process stopped); start it again"}
    return f"Evaluation job {job.id} ({models}) {ended.get(job.status, job.status)}."
