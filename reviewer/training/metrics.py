"""A job's training metrics: parsed from the provider's metrics file, kept in
``training_metrics`` (one row per step), and shaped into the loss curve.

OpenAI (and Azure OpenAI) write a CSV result file (``step, train_loss, train_accuracy,
valid_loss, valid_mean_token_accuracy``, more columns on newer jobs), served base64-encoded.
Fireworks links a metrics file from the job; its layout is not documented, so JSON lines
with the same names (or ``loss``/``eval_loss``) are read as well as CSV. A row that cannot be
read is skipped and named (line and reason); the others still make the curve.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlite_utils import Database

VALUES = ("train_loss", "valid_loss", "full_valid_loss", "train_accuracy", "valid_accuracy",
          "full_valid_accuracy")
# Column names seen in result files, mapped to ours.
ALIASES = {
    "step": "step", "train_loss": "train_loss", "loss": "train_loss",
    "valid_loss": "valid_loss", "eval_loss": "valid_loss", "full_valid_loss": "full_valid_loss",
    "train_accuracy": "train_accuracy", "train_mean_token_accuracy": "train_accuracy",
    "valid_accuracy": "valid_accuracy", "valid_mean_token_accuracy": "valid_accuracy",
    "full_valid_accuracy": "full_valid_accuracy",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
}
CURVES = ("train_loss", "valid_loss", "full_valid_loss")


@dataclass(frozen=True)
class MetricRow:
    step: int
    train_loss: float | None = None
    valid_loss: float | None = None
    full_valid_loss: float | None = None
    train_accuracy: float | None = None
    valid_accuracy: float | None = None
    full_valid_accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParsedMetrics:
    rows: list[MetricRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: why", one per skipped row


def decode(payload: bytes | str) -> str:
    """The text of a metrics file, undoing the base64 wrapping OpenAI serves it in."""
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    stripped = text.strip()
    if stripped and "," not in stripped and "{" not in stripped:
        try:
            return base64.b64decode("".join(stripped.split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return text
    return text


def _number(raw: Any, column: str) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{column} is not a number ({raw!r})")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{column} is not a number ({str(raw)[:40]!r})") from None
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise ValueError(f"{column} is infinite")
    return value


def _row(values: dict[str, Any]) -> MetricRow:
    step = _number(values.get("step"), "step")
    if step is None:
        raise ValueError("no step")
    if step != int(step) or step < 0:
        raise ValueError(f"step is not a whole number ({values.get('step')!r})")
    return MetricRow(int(step), **{name: _number(values.get(name), name) for name in VALUES})


def parse_metrics(payload: bytes | str) -> ParsedMetrics:
    """Rows (sorted by step, the last row of a repeated step wins) and the lines skipped."""
    text = decode(payload).lstrip("\ufeff")
    first = text.lstrip()[:1]
    out = ParsedMetrics()
    by_step: dict[int, MetricRow] = {}
    for line, values in (_json_lines(text, out) if first == "{" else _csv_lines(text, out)):
        try:
            row = _row(values)
        except ValueError as exc:
            out.problems.append(f"line {line}: {exc}")
            continue
        by_step[row.step] = row
    out.rows = [by_step[step] for step in sorted(by_step)]
    return out


def _csv_lines(text: str, out: ParsedMetrics):
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        out.problems.append("line 1: the file is empty")
        return
    names = [ALIASES.get(h.strip().lower(), "") for h in header]
    if "step" not in names:
        out.problems.append("line 1: no step column in the header")
        return
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            out.problems.append(f"line {reader.line_num}: {len(cells)} fields, the header "
                                f"has {len(names)}")
            continue
        yield reader.line_num, {n: c for n, c in zip(names, cells, strict=True) if n}


def _json_lines(text: str, out: ParsedMetrics):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            out.problems.append(f"line {number}: not JSON")
            continue
        if not isinstance(data, dict):
            out.problems.append(f"line {number}: not an object")
            continue
        yield number, {ALIASES[k.lower()]: v for k, v in data.items()
                       if isinstance(k, str) and k.lower() in ALIASES}


def loss_curve(rows: list[MetricRow]) -> list[dict[str, Any]]:
    """Long-form points for a line chart: ``{"step", "series", "loss"}``, one per known
    value (train, valid, full valid)."""
    return [{"step": row.step, "series": name, "loss": getattr(row, name)}
            for row in rows for name in CURVES if getattr(row, name) is not None]


def save_metrics(db: Database, job_id: int, rows: list[MetricRow]) -> None:
    """Replace the job's stored rows with these."""
    with db.atomic():
        db.execute("DELETE FROM training_metrics WHERE job_id = ?", [int(job_id)])
        if rows:
            db.table("training_metrics").insert_all(
                [{"job_id": int(job_id), **row.to_dict()} for row in rows])


def load_metrics(db: Database, job_id: int) -> list[MetricRow]:
    names = ", ".join(("step", *VALUES))
    cursor = db.execute(f"SELECT {names} FROM training_metrics WHERE job_id = ? ORDER BY step",
                        [int(job_id)])
    return [MetricRow(*row) for row in cursor.fetchall()]
