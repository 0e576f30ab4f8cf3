"""The loop after export: held-out questions asked through the model layer (fake server),
scored offline, base vs tuned compared, weak items flagged back into review."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fakes import Reply

from reviewer.cli import cli
from reviewer.db import now_iso
from reviewer.exporting import ExportOptions
from reviewer.exporting.service import export_dataset
from reviewer.review import PairFilter, store

TOPICS = [
    ("How do I reset the X200 router?", "Hold the reset button for ten seconds."),
    ("Where is firmware 2.3 for the gateway?", "On the downloads page under Gateways."),
    ("W5100S 소켓이 끊어집니다.", "Keep-alive 타이머를 설정하고 펌웨어를 올려 주세요."),
    ("What SPI clock does the module support?", "Up to 80 MHz; we recommend 33 MHz."),
    ("프린터 용지가 걸려요.", "뒷면 덮개를 열고 걸린 용지를 제거해 주세요."),
    ("Can I power the board from USB?", "Yes, a 500 mA port is enough without the radio."),
    ("Why is the status LED blinking red?", "The board lost its DHCP lease; check the cable."),
    ("모니터에 화면이 나오지 않아요.", "케이블을 다시 꽂고 입력 소스를 HDMI로 바꿔 보세요."),
    ("Does the camera support night vision?", "Only the Pro model has infrared LEDs."),
    ("How long is the warranty?", "Two years from the date on your invoice."),
    ("배터리가 빨리 닳아요.", "화면 밝기를 낮추고 절전 모드를 켜 주세요."),
    ("Can I mount the sensor outdoors?", "Use the IP67 housing sold separately."),
]


def seed_and_export(db, tmp_path):
    rows = []
    for n, (question, answer) in enumerate(TOPICS):
        cid = f"c{n:02d}"
        db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                   " imported_at) VALUES (?, 'dump.txt', ?, 'txt', 'x', '[]', ?)",
                   [cid, f"line {n}", now_iso()])
        rows.append(store.NewPair(cid, "Support chat.", question, answer, status="approved",
                                  origin="rules"))
    store.add_pairs(db, rows, who="seed")
    result = export_dataset(db, tmp_path / "set.jsonl", ExportOptions(holdout=2), who="t")
    assert result.ok, [f for f in result.report.findings if f.severity == "error"]
    return tmp_path / "set.valid.jsonl"


def answer_by_model(references: dict[str, str]):
    def choose(body: dict) -> Reply:
        question = body["messages"][-1]["content"]
        if body["model"] == "tuned":
            return Reply.content_of(references[question])
        return Reply.content_of("I am not sure, please contact support.")
    return choose


def test_base_vs_tuned_and_weak_items_back_to_review(db, db_path, tmp_path, fake_openai):
    valid = seed_and_export(db, tmp_path)
    lines = [json.loads(x) for x in valid.read_text("utf-8").splitlines()]
    references = {m["messages"][1]["content"]: m["messages"][2]["content"] for m in lines}
    fake_openai.chooser = answer_by_model(references)

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), "eval", *args])

    common = ["--base-url", fake_openai.base_url, "--embedder", "hash", "--json"]
    base = invoke("run", str(valid), "--model", "base", "--name", "base", *common)
    assert base.exit_code == 0, base.output
    tuned = invoke("run", str(valid), "--model", "tuned", "--name", "tuned", *common)
    base_run, tuned_run = json.loads(base.stdout), json.loads(tuned.stdout)
    assert base_run["items"] == tuned_run["items"] == len(lines) == 2
    assert tuned_run["summary"]["means"]["cosine"]["mean"] > 0.99
    assert base_run["summary"]["means"]["cosine"]["mean"] < 0.6
    # Every question went through the model layer and was logged (never a key).
    calls = db.execute("SELECT count(*) FROM llm_calls WHERE purpose = 'eval'").fetchone()[0]
    assert calls == 4

    compared = json.loads(invoke("compare", str(base_run["run_id"]), str(tuned_run["run_id"]),
                                 "--json").stdout)
    assert len(compared["improved"]) == 2 and compared["regressed"] == []
    assert compared["differences"]["cosine"]["mean"] > 0.4

    shown = invoke("show", str(base_run["run_id"]), "--embedder", "hash")
    assert shown.exit_code == 0 and "weak (cosine < 0.5): 2" in shown.output

    sent = json.loads(invoke("send-back", str(base_run["run_id"]), "--json").stdout)
    flagged = sent["flagged_pairs"]
    assert len(flagged) == 2
    assert store.count(db, PairFilter().narrowed(flag="weak_in_eval")) == 2
    pair = store.get_pair(db, flagged[0])
    (flag,) = [f for f in json.loads(pair["flags"]) if f["code"] == "weak_in_eval"]
    assert "The model said: I am not sure" in flag["detail"]
    # A reviewer's fix of the reference keeps the flag (it came from outside the text).
    store.update_pair(db, flagged[0], {"answer": pair["answer"] + " Reboot after."},
                      expected_version=int(pair["version"]), who="kim")
    codes = [f["code"] for f in json.loads(store.get_pair(db, flagged[0])["flags"])]
    assert "weak_in_eval" in codes


def test_a_run_with_an_unreachable_item_keeps_its_error(db, db_path, tmp_path, fake_openai):
    valid = seed_and_export(db, tmp_path)
    fake_openai.queue(Reply.error(400, message="bad request"))
    fake_openai.default = Reply.content_of("Hold the reset button.")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "eval", "run", str(valid),
                                      "--model", "m", "--base-url", fake_openai.base_url,
                                      "--embedder", "hash", "--concurrency", "1"])
    assert result.exit_code == 1
    assert "2 items, 1 without an answer" in result.output
    errors = db.execute("SELECT error FROM eval_items WHERE error IS NOT NULL").fetchall()
    assert len(errors) == 1 and "HTTP 400" in errors[0][0]
