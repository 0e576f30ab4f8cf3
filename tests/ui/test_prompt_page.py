"""The Prompt page and the Review page's "Promote to few-shot" hook, through AppTest."""

from __future__ import annotations

from ui_helpers import make_app, open_page

from reviewer.db import now_iso
from reviewer.models import Turn, turns_to_json
from reviewer.prompts import fewshot_set
from reviewer.prompts.versions import record_version
from reviewer.review import store

PROMOTE = "FormSubmitter:pr_promote_form-Add to the few-shot set"
TURNS = [Turn("customer", "안녕하세요!", "고객"),
         Turn("customer", "W5500 소켓은 몇 개인가요?", "고객"),
         Turn("engineer", "W5500에는 하드웨어 소켓이 8개 있습니다.", "상담원"),
         Turn("customer", "How fast can the SPI clock go?", "Customer"),
         Turn("engineer", "Up to 80 MHz on the W5500.", "Engineer")]


def seed(db) -> list[int]:
    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
               " VALUES ('c1', 'dump.txt', 'line 1', 'txt', '', ?, ?)",
               [turns_to_json(TURNS), now_iso()])
    version = record_version(db, "the prompt", [], label="v1 baseline")
    system = "W5500 소켓과 SPI 클럭에 관한 대화입니다."
    ids = store.add_pairs(db, [
        store.NewPair("c1", system, TURNS[1].text, TURNS[2].text, status="approved",
                      question_turns=(1,), answer_turns=(2,), prompt_version_id=version,
                      model="gpt-4o-mini"),
        store.NewPair("c1", system, TURNS[3].text, TURNS[4].text, position=1,
                      status="approved", question_turns=(3,), answer_turns=(4,),
                      prompt_version_id=version, model="gpt-4o-mini")], who="seed")
    row = store.get_pair(db, ids[1])
    store.update_pair(db, ids[1], {"answer": "Up to 80 MHz."}, expected_version=row["version"],
                      who="alice")
    return ids


def table(at, column: str):
    """The dataframe shown with ``column`` (AppTest keeps no keys on plain dataframes)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def texts(at) -> list[str]:
    return [t.value for t in at.text] + [c.value for c in at.code]


def test_prompt_page_shows_the_set_its_check_and_version_analytics(db):
    ids = seed(db)
    first = fewshot_set.promote_pair(db, ids[0], who="alice")
    second = fewshot_set.promote_pair(db, ids[1], who="alice")
    at = open_page("prompt.py")
    assert not at.exception
    assert at.success[0].value.startswith("Usable: 2 example(s) pass the checks")
    assert "tokens (o200k_base)" in at.success[0].value
    shown = table(at, "first question")
    assert list(shown["id"]) == [first, second]
    assert list(shown["turns"]) == [3, 2] and all(shown["tokens"] > 20)
    # The input is the raw conversation, greeting included, numbered like the prompt.
    assert any(t.startswith("[1] Customer: 안녕하세요!\n[2] Customer: W5500") for t in texts(at))
    versions = table(at, "most edited")
    assert list(versions["version"])[0] == "v1 baseline"
    assert list(versions["edited"])[0] == "50%" and list(versions["most edited"])[0] == "answer"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")

    # Reorder, then remove, through the page's buttons.
    at.selectbox(key="pr_chosen").set_value(second).run()
    at.button(key="pr_up").click().run()
    assert [e.id for e in fewshot_set.list_examples(db)] == [second, first]
    at.button(key="pr_remove").click().run()
    assert [e.id for e in fewshot_set.list_examples(db)] == [first]
    assert "removed from the set" in at.success[0].value


def test_the_form_promotes_a_conversation_and_reports_refusals(db):
    ids = seed(db)
    at = open_page("prompt.py")
    assert "No examples yet" in at.info[0].value
    at.number_input(key="pr_pair_id").set_value(ids[0])
    at.text_input(key="pr_conversation_id").set_value("c1")
    at.button(key=PROMOTE).click().run()
    assert not at.exception
    (stored,) = fewshot_set.list_examples(db)
    assert stored.kind == "conversation" and stored.pair_ids == tuple(ids)
    at.text_input(key="pr_conversation_id").set_value("")
    at.number_input(key="pr_pair_id").set_value(ids[0])
    at.button(key=PROMOTE).click().run()
    assert any("already in the few-shot set" in w.value for w in at.warning)


def test_a_broken_set_is_shown_as_not_usable(db):
    seed(db)
    bad = store.add_pairs(db, [store.NewPair("c1", "About it.", "What is the W6300 price?",
                                             "It costs 3 dollars in bulk.", status="approved",
                                             question_turns=(3,), answer_turns=(4,))],
                          who="seed")
    fewshot_set.promote_pair(db, bad[0], who="alice")
    at = open_page("prompt.py")
    assert not at.exception
    assert "cannot be used" in at.error[0].value
    problems = table(at, "rule")
    assert "output_rejected" in set(problems["rule"])


def test_review_focus_promotes_the_approved_pair_in_view(db):
    ids = seed(db)
    at = make_app()
    at.run()
    at.session_state["rv_status"] = "approved"
    at = at.switch_page("pages/review.py").run()
    assert not at.exception
    assert at.session_state["rv_current"] == ids[0]
    at.button(key="rv_promote").click().run()
    assert not at.exception
    (stored,) = fewshot_set.list_examples(db)
    assert stored.pair_ids == (ids[0],) and stored.created_by == "tester"
    at = at.switch_page("pages/prompt.py").run()
    assert list(table(at, "first question")["id"]) == [stored.id]


def test_pending_pairs_offer_no_promote_button(db):
    seed(db)
    store.add_pairs(db, [store.NewPair("c1", "S.", "Q?", "A.")], who="seed")
    at = open_page("review.py")
    assert not at.exception
    assert "rv_promote" not in {b.key for b in at.button}


def test_an_empty_set_is_said_once_with_what_to_do(db):
    at = open_page("prompt.py")
    assert not at.exception
    assert not at.success and not at.dataframe  # no green "usable", no table of one warning
    (info, versions) = [i.value for i in at.info]
    assert info.startswith("No examples yet") and "tokens (o200k_base)" in info
    assert versions.startswith("No pairs yet")


def test_an_example_reads_as_words_and_the_chart_keeps_outcome_order(db):
    from reviewer.presenters import prompt as view
    from reviewer.prompts.stats import version_stats

    ids = seed(db)
    fewshot_set.promote_conversation(db, "c1", who="tester")
    at = open_page("prompt.py")
    assert not at.exception
    readable = next(t for t in texts(at) if t.startswith("Summary: "))
    assert "Pair 1\nQuestion (turn 2): W5500 소켓은 몇 개인가요?" in readable
    assert "Answer (turn 5): Up to 80 MHz." in readable
    assert ids
    spec = view.chart_spec(view.chart_rows(version_stats(db)))
    assert spec["encoding"]["color"]["scale"]["domain"] == [
        "approved unchanged", "edited", "rejected", "deleted"]
    assert spec["encoding"]["x"]["axis"]["format"] == "%"
