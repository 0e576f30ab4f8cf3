"""What the Prompt page shows, computed without Streamlit: the few-shot set, its check, the
prompt versions and their edit analytics."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ..prompts.check import SetCheck
from ..prompts.fewshot_set import StoredExample
from ..prompts.stats import VersionStats
from ..splitting.prompt import render_transcript

OUTCOMES = (("approved_unchanged", "approved unchanged"), ("edited", "edited"),
            ("rejected", "rejected"), ("deleted", "deleted"))


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def example_rows(examples: Sequence[StoredExample],
                 tokens: Sequence[int] = ()) -> list[dict]:
    """One row per example, in prompt order."""
    rows = []
    for index, stored in enumerate(examples):
        first = stored.example.pairs[0].question if stored.example.pairs else ""
        rows.append({"place": index + 1, "id": stored.id, "from": _origin(stored),
                     "turns": len(stored.example.turns), "pairs": len(stored.example.pairs),
                     "tokens": tokens[index] if index < len(tokens) else None,
                     "first question": _short(first), "added by": stored.created_by})
    return rows


def _origin(stored: StoredExample) -> str:
    if stored.kind == "pair":
        return f"pair {', '.join(str(p) for p in stored.pair_ids)}"
    if stored.kind == "conversation":
        return f"conversation ({len(stored.pair_ids)} pairs)"
    return "imported file"


def example_label(stored: StoredExample, place: int) -> str:
    first = stored.example.pairs[0].question if stored.example.pairs else ""
    return f"{place}. #{stored.id} · {_short(first, 60)}"


def example_input(stored: StoredExample) -> str:
    """The input exactly as the prompt numbers it."""
    return render_transcript(list(stored.example.turns))


_NUMBER_LIST = re.compile(r"\[\s*((?:\d+,\s*)*\d+)\s*\]")


def example_output(stored: StoredExample) -> str:
    """The expected answer, indented, with each list of turn numbers on one line."""
    text = json.dumps(stored.example.output(), ensure_ascii=False, indent=2)
    return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(m.group(1).replace(",", " ").split())
                            + "]", text)


def _turns(numbers: object) -> str:
    if not isinstance(numbers, list) or not numbers:
        return ""
    word = "turn" if len(numbers) == 1 else "turns"
    return f" ({word} {', '.join(str(n) for n in numbers)})"


def example_output_text(stored: StoredExample) -> str:
    """The expected answer as a person reads it: the summary, then each pair with the
    turns it comes from (the JSON the model sees is shown apart)."""
    output = stored.example.output()
    lines = [f"Summary: {output.get('system') or ''}"]
    for n, pair in enumerate(output.get("pairs") or [], start=1):
        lines += ["", f"Pair {n}",
                  f"Question{_turns(pair.get('question_turns'))}: {pair.get('question', '')}",
                  f"Answer{_turns(pair.get('answer_turns'))}: {pair.get('answer', '')}"]
    return "\n".join(lines)


def size_line(verdict: SetCheck) -> str:
    return (f"The splitter's prompt is {verdict.prompt_tokens:,} tokens ({verdict.encoding}) "
            "without examples.")


def check_headline(verdict: SetCheck) -> tuple[bool, str]:
    """(usable, one line) for the set's check."""
    errors = sum(1 for p in verdict.problems if p.severity == "error")
    warnings = len(verdict.problems) - errors
    size = f"The prompt is {verdict.prompt_tokens:,} tokens ({verdict.encoding})"
    if not verdict.examples:
        return True, (f"The set is empty: splits use the few-shot file. {size} without "
                      "examples.")
    if errors:
        return False, (f"{errors} error(s): this set cannot be used until they are fixed. "
                       f"{size}.")
    extra = f", {warnings} warning(s)" if warnings else ""
    return True, f"Usable: {verdict.examples} example(s) pass the checks{extra}. {size}."


def problem_rows(verdict: SetCheck) -> list[dict]:
    """The check's findings; an empty set's own warning is left out (the page says so in
    words already)."""
    return [{"example": p.place or "set", "severity": p.severity, "rule": p.rule,
             "message": p.message} for p in verdict.problems
            if verdict.examples or p.rule != "empty_set"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def version_rows(groups: Sequence[VersionStats]) -> list[dict]:
    """The analytics table: one row per prompt version (and the unversioned pairs)."""
    return [{"version": g.name, "model": g.model or "–", "pairs": g.pairs,
             "reviewed": g.reviewed,
             "approved unchanged": _pct(g.share(g.approved_unchanged)),
             "edited": _pct(g.share(g.edited)), "mean edit size": _pct(g.mean_edit_ratio),
             "rejected": _pct(g.share(g.rejected)), "deleted": _pct(g.share(g.deleted)),
             "most edited": ", ".join(g.most_edited()) or "–"} for g in groups]


OUTCOME_COLOURS = {"approved unchanged": "#2e7d32", "edited": "#f2a900",
                   "rejected": "#c62828", "deleted": "#9e9e9e"}


def chart_rows(groups: Sequence[VersionStats]) -> list[dict]:
    """Long form for a stacked bar chart: share of reviewed pairs per outcome and version
    (versions without reviewed pairs are left out)."""
    rows = []
    for g in groups:
        if not g.reviewed:
            continue
        for order, (key, label) in enumerate(OUTCOMES):
            rows.append({"version": g.name, "outcome": label, "order": order,
                         "share": round(getattr(g, key) / g.reviewed, 4)})
    return rows


def chart_spec(rows: Sequence[dict]) -> dict:
    """A Vega-Lite stacked bar per version: outcomes in the order a reviewer thinks of them
    (unchanged, edited, rejected, deleted), each its own colour, shares as percentages,
    version names in full."""
    versions = list(dict.fromkeys(r["version"] for r in rows))
    labels = [label for _, label in OUTCOMES]
    return {
        "mark": {"type": "bar"},
        "height": {"step": 34},
        "encoding": {
            "y": {"field": "version", "type": "nominal", "sort": versions, "title": None,
                  "axis": {"labelLimit": 320}},
            "x": {"field": "share", "type": "quantitative", "stack": "zero",
                  "title": "share of reviewed pairs", "scale": {"domain": [0, 1]},
                  "axis": {"format": "%"}},
            "color": {"field": "outcome", "type": "nominal", "title": None,
                      "scale": {"domain": labels,
                                "range": [OUTCOME_COLOURS[label] for label in labels]},
                      "legend": {"orient": "top"}},
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [{"field": "version"}, {"field": "outcome"},
                        {"field": "share", "format": ".0%"}],
        },
    }
