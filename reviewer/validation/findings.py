"""Findings and the validation report shared by ``reviewer validate`` and the export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
FINDINGS_PER_RULE = 1000  # listed per rule; the rest are only counted


@dataclass(frozen=True)
class Finding:
    """One problem: the 1-based physical line (0 = the whole file), rule, severity, message.

    Optional context: ``pair_id`` (the database pair behind the line), ``file`` (which file
    of a multi-file export the line is in), and for findings about two examples (train /
    validation overlap) the other example's ``other_line`` and ``other_pair_id``.
    """

    line: int
    rule: str
    severity: str  # "error" | "warning"
    message: str
    pair_id: int | None = None
    file: str | None = None
    other_line: int | None = None
    other_pair_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "rule": self.rule, "severity": self.severity,
                               "message": self.message}
        for key in ("pair_id", "file", "other_line", "other_pair_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def error(line: int, rule: str, message: str, pair_id: int | None = None,
          **context: Any) -> Finding:
    return Finding(line, rule, ERROR, message, pair_id, **context)


def warning(line: int, rule: str, message: str, pair_id: int | None = None,
            **context: Any) -> Finding:
    return Finding(line, rule, WARNING, message, pair_id, **context)


class Sink:
    """Findings of a run, at most ``FINDINGS_PER_RULE`` listed per rule (the first ones to
    arrive); the true totals are counted."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.per_rule: Counter[str] = Counter()
        self.errors = 0
        self.warnings = 0

    def room(self, rule: str) -> int:
        """How many more findings of ``rule`` would be listed."""
        return max(0, FINDINGS_PER_RULE - self.per_rule[rule])

    def count(self, rule: str, severity: str, n: int = 1) -> None:
        """Count findings that are not listed."""
        self.per_rule[rule] += n
        if severity == ERROR:
            self.errors += n
        else:
            self.warnings += n

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if self.per_rule[f.rule] < FINDINGS_PER_RULE:
                self.items.append(f)
            self.count(f.rule, f.severity)

    @property
    def omitted(self) -> dict[str, int]:
        listed = Counter(f.rule for f in self.items)
        return {r: n - listed[r] for r, n in self.per_rule.items() if n > listed[r]}


@dataclass
class ValidationReport:
    """``summary`` and ``findings`` (see :meth:`to_json`); ``token_counts`` has the token
    count of every counted example in line order (what the token statistics are made of),
    kept out of the JSON."""

    summary: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    token_counts: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "findings": [f.to_dict() for f in self.findings]}

    def lines(self) -> list[str]:
        """A readable report: summary first, then every finding."""
        s = self.summary
        out = [
            f"examples: {s.get('examples', 0)}   errors: {s.get('errors', 0)}   "
            f"warnings: {s.get('warnings', 0)}   target: {s.get('target')}   "
            f"model: {s.get('model')} ({s.get('encoding')})",
        ]
        if s.get("encoding_note"):
            out.append(f"note: {s['encoding_note']}")
        tok = s.get("tokens") or {}
        if tok.get("total"):
            t, a = tok["total"], tok.get("assistant") or {}
            out.append(
                f"tokens per example: min {t['min']}  median {t['median']}  p90 {t['p90']}  "
                f"max {t['max']}   assistant: min {a.get('min')}  median {a.get('median')}  "
                f"p90 {a.get('p90')}  max {a.get('max')}"
            )
        out.append(
            f"total tokens: {s.get('total_tokens', 0)}   billed per epoch: "
            f"{s.get('billed_tokens', 0)}   epochs: {s.get('epochs')}   "
            f"over limit ({s.get('max_tokens_per_example')}): {s.get('examples_over_limit', 0)}"
        )
        cost = s.get("estimated_cost_usd")
        cost_text = "unknown (model not in the price table)" if cost is None else f"${cost:,.2f}"
        out.append(f"estimated training cost: {cost_text}   {s.get('training_availability') or ''}")
        for row in s.get("costs") or []:
            price = row["estimated_cost_usd"]
            out.append(f"  {row['model']:<26} {'$' + format(price, ',.2f'):>12}  "
                       f"{row['availability']}")
        if s.get("price_source_date"):
            out.append(f"prices as of {s['price_source_date']}")
        omitted = s.get("omitted_findings") or {}
        for f in self.findings:
            where = f"line {f.line}" if f.line else "file"
            if f.file:
                where = f"{f.file} {where}"
            pair = f" pair {f.pair_id}" if f.pair_id is not None else ""
            out.append(f"{f.severity.upper():<7} {where}{pair} [{f.rule}] {f.message}")
        for rule, count in omitted.items():
            out.append(f"… {count} more [{rule}] findings not listed")
        out.append("READY: no errors" if self.ok else "NOT READY: fix the errors above")
        return out
