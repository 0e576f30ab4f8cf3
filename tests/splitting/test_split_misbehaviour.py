"""What small local models do wrong, scripted on the fake server and read by the real client:
each misbehaviour ends in its own failure reason, a dropped pair with its reason, or a
repair the run reports."""

import pytest
from fakes import Reply
from splitting_samples import KO_TURNS

from reviewer.models import Conversation, Turn
from reviewer.splitting import split_pending
from reviewer.splitting.failures import failure_code
from reviewer.splitting.llm import LLMSplitter

ROUTER = [
    ("engineer", "Welcome to HexaNet support, how can I help you today?"),
    ("customer", "My HN-5500 router reboots every night at 2 am. I can escalate to my manager "
                 "if this is not fixed."),
    ("engineer", "The nightly reboot comes from the watchdog: disable Auto-Reboot under "
                 "System > Maintenance and update the HN-5500 to firmware 3.2."),
]
QUESTION = ROUTER[1][1]
ANSWER = ROUTER[2][1]


def conv(turns) -> Conversation:
    return Conversation("t.txt", "line 1", [Turn(r, t) for r, t in turns], "txt")


def splitter(server, **kwargs) -> LLMSplitter:
    options = {"model": "small-local-model", "base_url": server.base_url, "timeout": 5.0,
               "max_retries": 2}
    options.update(kwargs)
    return LLMSplitter(**options)


def pair(question, answer, q_turns=(2,), a_turns=(3,)) -> dict:
    return {"question": question, "answer": answer, "question_turns": list(q_turns),
            "answer_turns": list(a_turns)}


def answer_of(system: str, *pairs: dict) -> Reply:
    return Reply.content_of({"system": system, "pairs": list(pairs)})


# ---- a system line in the other language --------------------------------------------------

def test_a_korean_system_line_for_an_english_conversation_is_replaced(db_path, fake_openai,
                                                                      add_conversation):
    add_conversation(ROUTER)
    korean_line = "이 대화는 라우터 재부팅에 관한 상담입니다."
    fake_openai.queue(answer_of(korean_line, pair(QUESTION, ANSWER)))
    report = split_pending(db_path, splitter(fake_openai))
    assert report.split == 1 and report.pairs_created == 1
    assert report.outcome.repaired == {"wrong_language": 1}
    from reviewer.db import opened
    with opened(db_path) as db:
        (system,) = [r[0] for r in db.execute("SELECT system FROM pairs")]
    assert "HN-5500" in system and not any("\uac00" <= ch <= "\ud7a3" for ch in system)
    assert any(line.startswith("repaired or noted: wrong_language 1") for line in report.lines())


def test_an_english_answer_to_a_korean_conversation_is_dropped_as_wrong_language(fake_openai):
    translated = ("Hold the BOOT button, press RESET to enter download mode, then upload "
                  "the firmware again.")
    fake_openai.queue(answer_of("ESP32-S3 펌웨어 업로드 실패에 관한 상담입니다.",
                                pair(KO_TURNS[0][1], translated, (1,), (2,))))
    result = splitter(fake_openai).split(conv(KO_TURNS))
    assert failure_code(result.error) == "wrong_language"
    assert "the answer is in English" in result.error


# ---- copied speaker labels, greetings, the customer's own words ---------------------------

def test_copied_labels_are_removed_and_a_welcome_taken_for_a_question_is_dropped(fake_openai):
    fake_openai.queue(answer_of(
        "HN-5500 nightly reboots.",
        pair("Engineer: " + ROUTER[0][1], "Customer: " + QUESTION, (1,), (2,)),
        pair("Customer: " + QUESTION, "Engineer: " + ANSWER)))
    result = splitter(fake_openai).split(conv(ROUTER))
    assert result.ok, result.error
    (kept,) = result.pairs
    assert (kept.question, kept.answer) == (QUESTION, ANSWER)
    assert (kept.question_turns, kept.answer_turns) == ((1,), (2,))
    assert result.codes == ["swapped"]
    assert [r.split(":")[0] for r in result.remarks] == ["speaker_label", "speaker_label"]


@pytest.mark.parametrize("bad", [
    pair(QUESTION, "Customer: I can escalate to my manager"),  # the label says whose it is
    pair(QUESTION, "I can escalate to my manager if this is not fixed."),  # the text does
    pair(QUESTION, "It happens every night.", a_turns=(2,)),  # the turn it names does
], ids=["label", "text", "claimed-turn"])
def test_an_answer_from_the_customer_is_dropped(fake_openai, bad):
    fake_openai.queue(answer_of("HN-5500 nightly reboots.", bad, pair(QUESTION, ANSWER)))
    result = splitter(fake_openai).split(conv(ROUTER))
    assert result.ok and [p.answer for p in result.pairs] == [ANSWER]
    assert result.codes == ["answer_from_customer"]
    assert "pair 1: the answer is the customer's own words" in result.notes


def test_right_text_with_wrong_turn_numbers_is_kept_for_the_provenance_flag(fake_openai):
    fake_openai.queue(answer_of("HN-5500 nightly reboots.", pair(QUESTION, ANSWER, (3,), (2,))))
    result = splitter(fake_openai).split(conv(ROUTER))
    assert result.ok and len(result.pairs) == 1


def test_greeting_pairs_are_dropped_and_counted(db_path, fake_openai, add_conversation):
    add_conversation([("customer", "Hello!"), ("engineer", "Hi, how can I help you today?"),
                      *ROUTER[1:]])
    report = split_pending(db_path, splitter(fake_openai))  # the fake pairs every exchange
    assert (report.split, report.pairs_created, report.pairs_dropped) == (1, 1, 1)
    assert report.outcome.dropped == {"greeting": 1}
    assert report.outcome.proposed == 2
    assert any("dropped by checks: 1 (50%): greeting 1 (50%)" in line
               for line in report.lines())


# ---- runaway generations ------------------------------------------------------------------

def test_a_looping_answer_is_rejected_as_repetition_and_not_sent_again(fake_openai):
    fake_openai.queue(Reply.repeating("Please restart the router and try again."))
    result = splitter(fake_openai).split(conv(ROUTER))
    assert result.error.startswith("repetition: the answer repeats “Please restart the "
                                   "router and try again.” until the output limit of ")
    (request,) = fake_openai.chat_requests()
    # The output limit follows the conversation's size, not the 4096 default.
    assert request.body["max_tokens"] < 1000


def test_a_loop_inside_a_finished_answer_is_repetition_too(fake_openai):
    fake_openai.queue(Reply.repeating("The router is fine.", truncated=False))
    result = splitter(fake_openai).split(conv(ROUTER))
    assert failure_code(result.error) == "repetition"


def test_the_output_limit_grows_with_the_conversation_up_to_the_setting(fake_openai):
    long_turns = [(("customer", "engineer")[i % 2],
                   f"Step {i}: the HN-5500 log shows watchdog event {i} after the upgrade.")
                  for i in range(120)]
    splitter(fake_openai).split(conv(ROUTER))
    splitter(fake_openai, context_window=200_000).split(conv(long_turns))
    short, long = (r.body["max_tokens"] for r in fake_openai.chat_requests())
    assert short < long == 4096


def test_a_timeout_while_generating_costs_one_wait_not_three(fake_openai):
    fake_openai.default = Reply.hang(10)
    result = splitter(fake_openai, timeout=0.5, max_retries=2).split(conv(ROUTER))
    assert failure_code(result.error) == "timeout"
    assert "not sent again with the same settings" in result.error
    assert len(fake_openai.chat_requests()) == 1


# ---- what the server says about the context -----------------------------------------------

@pytest.mark.parametrize("message", [
    # OpenAI
    "This model's maximum context length is 8192 tokens. However, your messages resulted in "
    "9120 tokens. Please reduce the length of the messages.",
    # vLLM
    "This model's maximum context length is 2048 tokens. However, you requested 2317 tokens "
    "(1817 in the messages, 500 in the completion). Please reduce the length of the messages "
    "or completion.",
    # llama.cpp llama-server
    "the request exceeds the available context size, try increasing it",
    # llama-cpp-python
    "Requested tokens (5000) exceed context window of 4096",
], ids=["openai", "vllm", "llama-server", "llama-cpp-python"])
def test_a_context_overflow_is_named_and_never_retried_or_taken_for_a_format_problem(
        fake_openai, message):
    fake_openai.default = Reply.error(400, message=message)
    result = splitter(fake_openai).split(conv(ROUTER))
    assert failure_code(result.error) == "context_overflow", result.error
    assert message in result.error
    assert len(fake_openai.chat_requests()) == 1  # not retried, not down the format ladder


def test_a_length_stop_long_before_the_limit_is_a_context_overflow(fake_openai):
    fake_openai.queue(Reply.context_full())
    result = splitter(fake_openai).split(conv(ROUTER))
    assert failure_code(result.error) == "context_overflow"
    assert "stopped at 3 of" in result.error


def test_a_length_stop_at_the_limit_is_the_output_limit(fake_openai):
    fake_openai.queue(Reply.truncated())
    result = splitter(fake_openai).split(conv(ROUTER))
    assert failure_code(result.error) == "output_limit"


# ---- one run, every reason counted apart --------------------------------------------------

def test_a_run_reports_each_failure_reason_apart(db_path, fake_openai, add_conversation):
    scripts = {
        "timeout-case": Reply.error(400, message="the request exceeds the available context "
                                                 "size, try increasing it"),
        "loop-case": Reply.repeating("Restart it."),
        "json-case": Reply.content_of('{"system": "x", "pairs": ['),
        "refusal-case": Reply.refusal("I can't help with that."),
        "limit-case": Reply.truncated(),
        "korean-case": answer_of("라우터 상담입니다.", pair(
            "라우터가 매일 밤 재부팅됩니다.", "워치독을 끄고 펌웨어를 업데이트하세요.",
            (1,), (2,))),
    }
    for n, name in enumerate(scripts):
        add_conversation([("customer", f"My HN-5500 router in the {name} lab reboots nightly."),
                          ("engineer", f"Disable Auto-Reboot on the {name} HN-5500.")],
                         locator=f"line {n}")
    add_conversation(ROUTER, locator="line 99")

    def choose(body):
        text = body["messages"][-1]["content"]
        return next((reply for name, reply in scripts.items() if name in text), None)

    fake_openai.chooser = choose
    report = split_pending(db_path, splitter(fake_openai), concurrency=3)
    assert (report.split, report.failed) == (1, 6)
    assert report.outcome.failures == {"context_overflow": 1, "repetition": 1,
                                       "invalid_json": 1, "refusal": 1, "output_limit": 1,
                                       "wrong_language": 1}
    assert report.to_dict()["outcome"]["failures_by_reason"]["repetition"] == 1
    line = next(x for x in report.lines() if x.startswith("failed by reason: "))
    assert "context_overflow 1" in line and "wrong_language 1" in line
