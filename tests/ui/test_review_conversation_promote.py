"""Review's Conversation view promotes a whole conversation to the few-shot set once none
of its pairs is pending."""

from __future__ import annotations

import json

from test_review_focus import add_conversation
from ui_helpers import open_page

from reviewer.prompts import fewshot_set
from reviewer.review import store


def test_promote_conversation_waits_for_review_then_adds_the_example(db):
    add_conversation(db, "c-ko", "ko.txt", [
        ("customer", "고객", "안녕하세요"),
        ("customer", "고객", "W5500 소켓은 몇 개인가요?"),
        ("engineer", "상담원", "소켓은 8개입니다."),
        ("customer", "Customer", "Does it support IPv6?"),
        ("engineer", "Engineer", "No, the W6100 does.")])
    first, second = store.add_pairs(db, [
        store.NewPair("c-ko", "W5500 문의.", "W5500 소켓은 몇 개인가요?", "소켓은 8개입니다.",
                      origin="rules", question_turns=(1,), answer_turns=(2,)),
        store.NewPair("c-ko", "W5500 문의.", "Does it support IPv6?", "No, the W6100 does.",
                      position=1, origin="rules", question_turns=(3,), answer_turns=(4,))],
        who="splitter:rules")
    at = open_page("review.py")
    at.session_state["rv_mode"] = "Conversation"
    at.run()
    assert not at.exception
    button = at.button(key="rv_conv_promote")
    assert button.disabled and "2 pairs still pending" in button.help
    store.update_pair(db, first, {"status": "approved"}, expected_version=1, who="kim")
    at.run()
    assert "1 pair still pending" in at.button(key="rv_conv_promote").help
    store.update_pair(db, second, {"status": "rejected"}, expected_version=1, who="kim")
    at.run()
    button = at.button(key="rv_conv_promote")
    assert not button.disabled
    button.click().run()
    assert not at.exception
    (example,) = fewshot_set.list_examples(db)
    assert example.kind == "conversation" and example.conversation_id == "c-ko"
    row = db.execute("SELECT pair_ids, output FROM few_shot_examples").fetchone()
    assert json.loads(row[0]) == [first]  # only the approved pair teaches
    assert json.loads(row[1])["pairs"][0]["question"] == "W5500 소켓은 몇 개인가요?"
    assert any("is few-shot example" in t.value for t in at.toast)
    # A second promote is refused with the reason, not added twice.
    at.button(key="rv_conv_promote").click().run()
    assert len(fewshot_set.list_examples(db)) == 1
    assert any("already in the few-shot set" in w.value for w in at.warning)
