"""The Train page (AppTest) on jobs run against the fakes: state, where to call the tuned
model, estimated against actual tokens and cost, the loss curve, checkpoints, events, and
the deployment warning for Fireworks."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MODEL = "gpt-4o-mini-2024-07-18"


def train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["reviewer_name"] = "tester"
    at.run()
    return at.switch_page("pages/train.py").run()


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_finished_job_with_its_curve_costs_and_checkpoints(db, exported, provider, train,
                                                             fake_openai):
    job = json.loads(train("start", str(exported), "--provider", "box", "--model", MODEL,
                           "--epochs", "3", "--suffix", "support", "--json").stdout)
    estimate = job["settings"]["estimate"]
    at = train_page()
    assert not at.exception
    assert metric(at, "Estimated trained tokens") == f"{estimate['tokens']:,}"
    assert metric(at, "Actual trained tokens") == "unknown"
    assert metric(at, "Estimated cost") == f"${estimate['cost_usd']:,.4f}"
    assert "No metrics yet" in at.caption[0].value

    for _ in range(3):  # each press polls once: running, succeeded, then results
        at.button(key="tr_refresh").click().run()
        assert not at.exception
    assert metric(at, "Actual trained tokens") == "1,000"
    assert metric(at, "Actual cost") == "$0.0030"
    model = f"ft:{MODEL}:org-fake:support:1"
    assert f"Base URL: {fake_openai.base_url}" in texts(at) and f"Model: {model}" in texts(at)
    chart = at.get("vega_lite_chart")
    assert len(chart) == 1  # the loss curve
    assert '"loss"' in chart[0].proto.spec and '"series"' in chart[0].proto.spec
    checkpoints = at.dataframe[1].value
    assert checkpoints["step"].tolist() == [4, 8, 12]
    assert checkpoints["model"].tolist()[-1] == f"{model}:ckpt-step-12"
    events = at.dataframe[-1].value
    assert "Job succeeded" in events["message"].tolist()


def test_skipped_metrics_rows_are_listed(db, exported, provider, train):
    provider.malformed_metrics = True
    job = json.loads(train("start", str(exported), "--provider", "box", "--model", MODEL,
                           "--epochs", "1", "--json").stdout)
    train("follow", str(job["id"]), "--every", "0.01")
    train("metrics", str(job["id"]))
    at = train_page()
    assert not at.exception
    assert at.warning[0].value.startswith("1 row(s) of the metrics file were skipped")
    assert "line 4: train_loss is not a number ('n/a')" in texts(at)


def test_fireworks_job_warns_that_serving_needs_a_deployment(db, exported, fireworks, train):
    job = json.loads(train("start", str(exported), "--provider", "fw", "--model",
                           "accounts/fireworks/models/llama-v3p1-8b-instruct",
                           "--json").stdout)
    train("follow", str(job["id"]), "--every", "0.01")
    at = train_page()
    assert not at.exception
    assert any("does not serve a tuned model until you deploy it" in w.value
               for w in at.warning)
    assert metric(at, "Estimated cost") == "unknown"  # no Fireworks price in the table


def test_a_provider_that_does_not_answer_is_said_plainly(db, exported, provider, train,
                                                         fake_openai):
    job = json.loads(train("start", str(exported), "--provider", "box", "--model", MODEL,
                           "--json").stdout)
    provider.jobs.pop(job["external_id"])  # the provider no longer knows the job
    at = train_page()
    at.button(key="tr_refresh").click().run()
    assert not at.exception
    assert at.warning[0].value == "The provider did not answer."
    assert "HTTP 404: no such job" in texts(at)


def test_presenter_cards_and_curve_names():
    from reviewer.presenters import train as view

    cards = view.cost_cards({"estimated_tokens": 12345, "actual_tokens": None,
                             "estimated_cost_usd": 0.037, "actual_cost_usd": None,
                             "epochs": 3, "epochs_source": "chosen", "price_per_1m": 3.0,
                             "tokens_difference_pct": None})
    assert [(label, value) for label, value, _ in cards] == [
        ("Estimated trained tokens", "12,345"), ("Actual trained tokens", "unknown"),
        ("Estimated cost", "$0.0370"), ("Actual cost", "unknown")]
    assert "× 3 epochs (chosen)" in cards[0][2] and "$3.0 per 1M" in cards[2][2]
    points = view.curve_points([{"step": 2, "series": "valid_loss", "loss": 1.1}])
    assert points == [{"step": 2, "series": "validation (batch)", "loss": 1.1}]
