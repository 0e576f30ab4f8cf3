"""Findings and the validation report shared by ``reviewer validate`` and the export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


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


@dataclass
class ValidationReport:
    summary: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

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
