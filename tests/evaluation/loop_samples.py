"""An export with a held-out file for the evaluation loop tests, and a fake server chooser
that answers like a base or a tuned model."""

from __future__ import annotations

from fakes.scripted_models import ScriptedModels

from reviewer.db import now_iso
from reviewer.exporting import ExportOptions
from reviewer.exporting.service import export_dataset
from reviewer.review import store

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
    ("What voltage does the controller need?", "Twelve volts DC, at least two amperes."),
    ("와이파이 연결이 자꾸 끊겨요.", "공유기 채널을 바꾸고 절전 설정을 꺼 주세요."),
    ("Is there a Linux driver?", "Yes, it is in the mainline kernel since 5.10."),
    ("How do I update the bootloader?", "Hold BOOT while plugging USB, then run the flasher."),
]


def seed_and_export(db, tmp_path, holdout=2, topics=None):
    rows = []
    for n, (question, answer) in enumerate(topics or TOPICS):
        cid = f"c{n:02d}"
        db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns,"
                   " imported_at) VALUES (?, 'dump.txt', ?, 'txt', 'x', '[]', ?)",
                   [cid, f"line {n}", now_iso()])
        rows.append(store.NewPair(cid, "Support chat.", question, answer, status="approved",
                                  origin="rules"))
    store.add_pairs(db, rows, who="seed")
    result = export_dataset(db, tmp_path / "set.jsonl", ExportOptions(holdout=holdout),
                            who="t")
    assert result.ok, [f for f in result.report.findings if f.severity == "error"]
    return tmp_path / "set.valid.jsonl"


def answer_by_model(references: dict[str, str]) -> ScriptedModels:
    """A model named "tuned" that gives the references, and one named "base" that does not."""
    return ScriptedModels(fallback="I am not sure, please contact support.").answer(
        "tuned", references)
