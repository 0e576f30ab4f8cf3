"""The Import page's last split block shows the run summary: flags, drops, merges,
failures per reason code, estimated against actual cost."""

from __future__ import annotations

from fakes import Reply, fake_openai  # noqa: F401
from ui_helpers import open_page

from reviewer.db import now_iso, opened
from reviewer.jobs import store as jobs
from reviewer.models import Conversation, Turn, turns_to_json
from reviewer.presenters.import_page import split_summary
from reviewer.splitting import split_pending
from reviewer.splitting.llm import LLMSplitter

RESULT = {
    "processed": 5, "split": 3, "failed": 2, "calls": 6, "cost_usd": 0.0123,
    "estimate": {"cost_usd": 0.02, "conversations": 5},
    "outcome": {"proposed": 12, "stored": 8, "flagged": 3,
                "flags": {"greeting": 1, "unsupported_answer": 2},
                "dropped": {"answer_from_customer": 2, "empty": 1}, "duplicates_merged": 1,
                "failures_by_reason": {"timeout": 1, "context_overflow": 1}},
    "not_retried": [{"conversation_id": "c1", "code": "repetition"}],
}


def test_summary_lines_from_a_run_result():
    lines = split_summary(RESULT)
    assert lines == [
        "Pairs flagged: 3 of 8 stored (38%) — unsupported_answer 2 (25%), greeting 1 (12%).",
        "Dropped by the checks: 3 of 12 proposed (25%) — answer_from_customer 2 (17%), "
        "empty 1 (8%).",
        "Duplicates merged: 1.",
        "Failures by reason: context_overflow 1, timeout 1.",
        "Not retried: same settings would fail again — repetition 1.",
        "Cost: estimated $0.0200; actual $0.0123 for 6 calls.",
    ]
    unknown = split_summary({"calls": 2, "cost_usd": None, "unpriced_calls": 2,
                             "estimate": {"cost_usd": None}, "outcome": {}})
    assert unknown[-1] == ("Cost: estimated unknown (no price for this model); actual unknown "
                           "(no price for this model) for 2 calls.")
    assert split_summary({"outcome": {}}) == ["Duplicates merged: 0."]  # rules: no cost


def _store(db_path, turns_list):
    with opened(db_path) as db:
        for i, turns in enumerate(turns_list):
            c = Conversation("t.txt", f"line {i}", [Turn(r, t) for r, t in turns], "txt")
            db["conversations"].insert({
                "id": c.content_id(), "source": "t.txt", "locator": f"line {i}", "fmt": "txt",
                "title": "", "external_id": "", "text": c.text,
                "turns": turns_to_json(c.turns), "imported_at": now_iso(),
                "split_status": "pending"})


def test_page_shows_the_summary_of_a_real_llm_split(db_path, fake_openai):  # noqa: F811
    _store(db_path, [
        [("customer", "Our W5500 loses its DHCP lease after a day. Why?"),
         ("engineer", "Call DHCP_run() every second so the W5500 renews the lease.")],
        [("customer", "ESP32-S3 보드 업로드가 실패합니다. 어떻게 하나요?"),
         ("engineer", "BOOT 버튼을 누른 채 RESET 버튼을 눌러 다운로드 모드로 들어가세요.")],
    ])
    fake_openai.queue(Reply.correct(), Reply.context_full())
    splitter = LLMSplitter("fake-model", base_url=fake_openai.base_url, max_retries=0)
    report = split_pending(db_path, splitter, concurrency=1, estimate=True)
    assert (report.split, report.failed) == (1, 1)
    with opened(db_path) as db:
        job = jobs.create(db, "split", settings={"splitter": splitter.name, "who": "tester"})
        jobs.update(db, job, status=jobs.SUCCEEDED, result=report.to_dict())
    at = open_page("import.py")
    assert not at.exception
    shown = [t.value for t in at.text]
    assert "Failures by reason: context_overflow 1." in shown
    assert "Duplicates merged: 0." in shown
    assert any(t.startswith("Pairs flagged: ") and " of 1 stored " in t for t in shown)
    assert any(t.startswith("Dropped by the checks: 0 of 1 proposed") for t in shown)
    # A server on this machine costs nothing; both figures are shown.
    assert "Cost: estimated $0.0000; actual $0.0000 for 2 calls." in shown
