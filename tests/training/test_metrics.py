"""Reading metrics files: every malformed row is named and skipped, the rest make the loss
curve; and the estimated/actual comparison when parts are unknown."""

from __future__ import annotations

import base64

from reviewer.training.costs import actual_cost, comparison, training_price
from reviewer.training.metrics import (
    MetricRow,
    load_metrics,
    loss_curve,
    parse_metrics,
    save_metrics,
)

CSV = """step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy
1,1.9,0.41,,
2,1.2,0.50,1.3,0.48
3,abc,0.52,,
4,0.8,0.6
five,0.7,0.61,,
6,0.6,0.65,0.9,0.6

7,inf,0.7,,
8.5,0.5,0.7,,
9,0.4,0.72,0.7,0.66
"""


def test_csv_rows_and_each_malformed_row_named():
    parsed = parse_metrics(CSV)
    assert [r.step for r in parsed.rows] == [1, 2, 6, 9]
    assert parsed.rows[1] == MetricRow(2, train_loss=1.2, valid_loss=1.3, train_accuracy=0.5,
                                       valid_accuracy=0.48)
    assert parsed.problems == [
        "line 4: train_loss is not a number ('abc')",
        "line 5: 3 fields, the header has 5",
        "line 6: step is not a number ('five')",
        "line 9: train_loss is infinite",
        "line 10: step is not a whole number ('8.5')",
    ]


def test_base64_as_openai_serves_it_and_bytes_with_a_bom():
    text = "step,train_loss,valid_loss\n1,2.0,\n2,1.0,1.5\n"
    assert parse_metrics(base64.b64encode(text.encode())).rows == parse_metrics(text).rows
    wrapped = base64.encodebytes(text.encode() * 20)  # base64 broken into lines
    assert len(parse_metrics(wrapped).rows) == 2
    assert parse_metrics(("\ufeff" + text).encode()).rows[1].valid_loss == 1.5


def test_a_file_without_a_step_column_or_empty():
    assert parse_metrics("loss,accuracy\n1,2\n").problems == [
        "line 1: no step column in the header"]
    assert parse_metrics("").problems == ["line 1: the file is empty"]


def test_json_lines_with_other_names_and_a_repeated_step():
    text = ('{"step": 1, "loss": 2.5}\n{"step": 2, "loss": 2.0, "eval_loss": 2.2}\n'
            'not json\n[1, 2]\n{"step": 2, "loss": 1.9, "eval_loss": 2.1}\n{"loss": 1}\n')
    parsed = parse_metrics(text)
    assert [(r.step, r.train_loss, r.valid_loss) for r in parsed.rows] == [
        (1, 2.5, None), (2, 1.9, 2.1)]  # the later row of a repeated step wins
    assert parsed.problems == ["line 3: not JSON", "line 4: not an object", "line 6: no step"]


def test_loss_curve_points_only_where_a_value_is_known():
    rows = parse_metrics(CSV).rows
    points = loss_curve(rows)
    assert [p for p in points if p["series"] == "valid_loss"] == [
        {"step": 2, "series": "valid_loss", "loss": 1.3},
        {"step": 6, "series": "valid_loss", "loss": 0.9},
        {"step": 9, "series": "valid_loss", "loss": 0.7}]
    assert [p["step"] for p in points if p["series"] == "train_loss"] == [1, 2, 6, 9]


def test_rows_are_kept_per_job_and_replaced(db):
    save_metrics(db, 1, parse_metrics(CSV).rows)
    save_metrics(db, 2, [MetricRow(1, train_loss=3.0)])
    save_metrics(db, 1, parse_metrics(CSV).rows[:2])
    assert [r.step for r in load_metrics(db, 1)] == [1, 2]
    assert load_metrics(db, 2) == [MetricRow(1, train_loss=3.0)]


def test_comparison_when_parts_are_unknown():
    assert training_price("gpt-4o-mini") == 3.0 and training_price("llama-3-8b") is None
    assert actual_cost(2_000_000, "gpt-4.1-nano-2025-04-14") == 3.0
    assert actual_cost(None, "gpt-4o-mini") is None
    unknown = comparison({"model": "llama-3-8b"}, {"trained_tokens": 5000})
    assert unknown["estimated_tokens"] is None and unknown["actual_tokens"] == 5000
    assert unknown["actual_cost_usd"] is None and unknown["tokens_difference_pct"] is None
    known = comparison({"model": "gpt-4o-mini", "estimate": {
        "tokens": 4000, "cost_usd": 0.012, "epochs": 4, "epochs_source": "chosen",
        "price_per_1m": 3.0}}, {"trained_tokens": 4200})
    assert known["tokens_difference_pct"] == 5.0 and known["actual_cost_usd"] == 0.0126
