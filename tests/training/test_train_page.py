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


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


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
    assert any("No metrics yet" in c.value for c in at.caption)

    for _ in range(3):  # each press polls once: running, succeeded, then results
        at.button(key="tr_refresh").click().run()
        assert not at.exception
    assert metric(at, "Actual trained tokens") == "1,000"
    assert metric(at, "Actual cost") == "$0.0030"
    # the actual figures say how far they are from the estimate
    actual = next(m for m in at.metric if m.label == "Actual trained tokens")
    assert actual.proto.delta.endswith("against the estimate")
    model = f"ft:{MODEL}:org-fake:support:1"
    serving = [c.value for c in at.code if "base_url" in c.value]
    assert serving == [f"base_url = {fake_openai.base_url}\nmodel = {model}"]
    chart = at.get("vega_lite_chart")
    assert len(chart) == 1  # the loss curve
    assert '"loss"' in chart[0].proto.spec and '"curve"' in chart[0].proto.spec
    assert "training step" in chart[0].proto.spec  # the axes say what they count
    checkpoints = frame_with(at, "checkpoint model")
    assert checkpoints["step"].tolist() == [4, 8, 12]
    assert checkpoints["checkpoint model"].tolist()[-1] == f"{model}:ckpt-step-12"
    events = frame_with(at, "message")
    assert "Job succeeded" in events["message"].tolist()
    assert all(when.endswith("UTC") for when in events["when"])


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
    assert [(label, value, change) for label, value, change, _ in cards] == [
        ("Estimated trained tokens", "12,345", None), ("Actual trained tokens", "unknown", None),
        ("Estimated cost", "$0.0370", None), ("Actual cost", "unknown", None)]
    assert "× 3 epochs (chosen)" in cards[0][3] and "$3.0 per 1M" in cards[2][3]
    done = view.cost_cards({"estimated_tokens": 1000, "actual_tokens": 1100,
                            "estimated_cost_usd": 0.01, "actual_cost_usd": 0.008})
    assert done[1][2] == "+10% against the estimate"
    assert done[3][2] == "-20% against the estimate"
    points = view.curve_points([{"step": 2, "series": "valid_loss", "loss": 1.1}])
    assert points == [{"step": 2, "curve": "validation (batch)", "loss": 1.1}]


def test_presenter_times_and_start_command():
    from reviewer.presenters import train as view
    from reviewer.presenters.text import counts_text, duration, short_time

    assert short_time("2026-11-27T22:17:48.995617+00:00") == "2026-11-27 22:17 UTC"
    assert short_time(0) == "1970-01-01 00:00 UTC" and short_time(None) == ""
    assert short_time("soon") == "soon"
    assert duration("2026-11-27T22:17:48+00:00", "2026-11-27T22:20:50+00:00") == "3 min 2 s"
    assert duration("2026-11-27T22:17:48+00:00", None) == ""
    assert counts_text({"imported": 26, "duplicates": 0, "files": 8, "names": ["a"]}) == (
        "26 imported · 8 files")
    assert counts_text({"warnings": 1, "files": 1, "processed": 1}) == (
        "1 warning · 1 file · 1 processed")
    assert view.start_command("/data/my exports/set.manifest.json").startswith(
        'reviewer train start "/data/my exports/set.manifest.json" --provider NAME')
    assert view.event_rows([{"at": 1764281868, "level": "info", "message": "Job running"}]) \
        == [{"when": "2025-11-27 22:17 UTC", "level": "info", "message": "Job running"}]
