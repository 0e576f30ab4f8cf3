"""Reading `llm_calls` back: recent calls, and tokens and spend per model."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class ModelSpend:
    model: str
    provider: str
    calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None when no call of this model had a known price
    unpriced_calls: int  # answered calls whose price is unknown (not in the sum)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SpendSummary:
    models: list[ModelSpend]

    @property
    def calls(self) -> int:
        return sum(m.calls for m in self.models)

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.models)

    @property
    def output_tokens(self) -> int:
        return sum(m.output_tokens for m in self.models)

    @property
    def cost_usd(self) -> float | None:
        known = [m.cost_usd for m in self.models if m.cost_usd is not None]
        return sum(known) if known else None

    def to_dict(self) -> dict:
        return {"calls": self.calls, "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens, "cost_usd": self.cost_usd,
                "models": [m.to_dict() for m in self.models]}


def format_usd(value: float | None) -> str:
    """``$0.0123``, or ``-`` when unknown."""
    return "-" if value is None else f"${value:.4f}"


def spend_rows(summary: SpendSummary) -> list[dict]:
    """One display row per model (the Overview table)."""
    return [{"model": m.model, "provider": m.provider, "calls": m.calls, "errors": m.errors,
             "tokens in": m.input_tokens, "tokens out": m.output_tokens,
             "estimated cost": format_usd(m.cost_usd), "unpriced calls": m.unpriced_calls}
            for m in summary.models]


def spend_summary(db: Database, *, run_id: int | None = None) -> SpendSummary:
    """Calls, tokens and estimated cost per (model, provider), most expensive first."""
    where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
    rows = db.execute(
        "SELECT model, provider, count(*), sum(error IS NOT NULL), "
        "coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), sum(cost_usd), "
        "sum(error IS NULL AND cost_usd IS NULL) "
        f"FROM llm_calls {where} GROUP BY model, provider "
        "ORDER BY coalesce(sum(cost_usd), 0) DESC, count(*) DESC, model", params).fetchall()
    return SpendSummary([ModelSpend(model=r[0], provider=r[1], calls=r[2], errors=r[3],
                                    input_tokens=r[4], output_tokens=r[5], cost_usd=r[6],
                                    unpriced_calls=r[7]) for r in rows])


def recent_calls(db: Database, *, limit: int = 50, run_id: int | None = None) -> list[dict]:
    """The latest calls, newest first."""
    where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
    return list(db.query(f"SELECT * FROM llm_calls {where} ORDER BY id DESC LIMIT ?",
                         [*params, max(0, int(limit))]))
