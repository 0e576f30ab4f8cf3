"""The LLM splitter through the real openai client against the fake server on loopback."""

import json
import time

import pytest
from fakes import Reply
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.models import Conversation, Turn
from reviewer.splitting import SplitterConfigError, make_splitter
from reviewer.splitting.llm import LLMSplitter


def conv(turns) -> Conversation:
    return Conversation("t.txt", "line 1", [Turn(r, t) for r, t in turns], "txt")


def splitter(server, **kwargs) -> LLMSplitter:
    options = {"model": "fake-model", "base_url": server.base_url, "timeout": 5.0,
               "max_retries": 2}
    options.update(kwargs)
    return LLMSplitter(**options)


def answer(system: str, *pairs: tuple[str, str]) -> dict:
    return {"system": system, "pairs": [{"question": q, "answer": a} for q, a in pairs]}


def test_good_answer_becomes_pairs_and_request_is_strict_json_schema(fake_openai):
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.ok, result.error
    assert [p.question for p in result.pairs] == [EN_TURNS[0][1], EN_TURNS[2][1]]
    assert [p.answer for p in result.pairs] == [EN_TURNS[1][1], EN_TURNS[3][1]]
    (request,) = fake_openai.chat_requests()
    body = request.body
    assert body["model"] == "fake-model"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["max_tokens"] > 0
    # The bundled few-shot examples are in the prompt, before the conversation.
    contents = [m["content"] for m in request.messages]
    assert any("ESP32-S3 보드에 펌웨어를 올리려고" in c for c in contents[1:-1])
    assert EN_TURNS[0][1] in contents[-1]
    assert request.headers.get("authorization") == "Bearer not-needed"


def test_korean_conversation_and_custom_few_shot(fake_openai, tmp_path):
    few = tmp_path / "few.jsonl"
    few.write_text(json.dumps({"messages": [
        {"role": "system", "content": "W5500 소켓 수에 관한 대화입니다."},
        {"role": "user", "content": "W5500 소켓은 몇 개인가요?"},
        {"role": "assistant", "content": "8개입니다."}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    result = splitter(fake_openai, few_shot=few).split(conv(KO_TURNS))
    assert result.ok and result.pairs[0].answer == KO_TURNS[1][1]
    prompt = json.dumps(fake_openai.chat_requests()[0].messages, ensure_ascii=False)
    assert "W5500 소켓은 몇 개인가요?" in prompt
    assert "ESP32-S3 보드에 펌웨어를 올리려고" not in prompt  # default examples replaced


def test_429_is_retried_by_the_sdk_then_succeeds(fake_openai):
    fake_openai.queue(Reply.error(429, retry_after=0.05, message="slow down"))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.ok, result.error
    assert len(fake_openai.chat_requests()) == 2


def test_429_after_all_retries_fails_with_reason(fake_openai):
    fake_openai.default = Reply.error(429, retry_after=0.01, message="quota")
    result = splitter(fake_openai, max_retries=1).split(conv(EN_TURNS))
    assert "rate limited: HTTP 429" in result.error and "quota" in result.error
    assert len(fake_openai.chat_requests()) == 2


def test_persistent_500_fails_with_reason(fake_openai):
    fake_openai.default = Reply.error(500, retry_after=0.01, message="server exploded")
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert not result.ok and not result.pairs
    assert result.error == "API error HTTP 500: server exploded"
    assert len(fake_openai.chat_requests()) == 3  # 1 + max_retries


def test_broken_response_body(fake_openai):
    fake_openai.queue(Reply.broken())
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("API returned an unreadable response")


def test_content_that_is_not_json(fake_openai):
    fake_openai.queue(Reply.content_of('{"system": "x", "pairs": ['))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("answer is not valid JSON")


def test_content_that_breaks_the_schema(fake_openai):
    fake_openai.queue(Reply.content_of({"summary": "x", "pairs": []}))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert "does not match the schema" in result.error


def test_truncated_answer(fake_openai):
    fake_openai.queue(Reply.truncated())
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("truncated")


def test_refusal(fake_openai):
    fake_openai.queue(Reply.refusal("I cannot process this."))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error == "model refused: I cannot process this."


def test_hang_beyond_the_timeout(fake_openai):
    fake_openai.default = Reply.hang(10)
    started = time.monotonic()
    result = splitter(fake_openai, timeout=0.3, max_retries=0).split(conv(EN_TURNS))
    assert result.error.startswith("API timeout")
    assert time.monotonic() - started < 8  # the reply would come after 10 s


def test_slow_but_within_timeout_succeeds(fake_openai):
    fake_openai.queue(Reply.correct(delay=0.2))
    assert splitter(fake_openai, timeout=2).split(conv(EN_TURNS)).ok


def test_connection_refused(fake_openai):
    url = fake_openai.base_url
    fake_openai.stop()
    result = splitter(fake_openai, base_url=url, max_retries=0).split(conv(EN_TURNS))
    assert result.error.startswith("API connection error")


@pytest.mark.parametrize(("content", "reason"), [
    (answer("Line one\nline two", (EN_TURNS[0][1], EN_TURNS[1][1])), "not a single line"),
    (answer("  ", (EN_TURNS[0][1], EN_TURNS[1][1])), "system line is empty"),
    (answer("About W5500."), "no question/answer pair"),
    (answer("About W5500.", ("", EN_TURNS[1][1])), "question is empty"),
    (answer("About W5500.", ("Q) " + EN_TURNS[0][1], EN_TURNS[1][1])), "leftover Q)/A) marker"),
    (answer("About W5500.", (EN_TURNS[0][1], "Bake the board at 200 degrees for an hour.")),
     "answer not found in the engineer's turns"),
])
def test_unusable_answers_fail_with_reason(fake_openai, content, reason):
    fake_openai.queue(Reply.content_of(content))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert not result.ok and reason in result.error


def test_one_bad_pair_is_dropped_and_noted(fake_openai):
    fake_openai.queue(Reply.content_of(answer(
        "About DHCP on the W5500.",
        (EN_TURNS[0][1], EN_TURNS[1][1]),
        (EN_TURNS[2][1], "Replace the crystal with a 50 MHz oscillator immediately."))))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.ok and len(result.pairs) == 1
    assert result.notes == ["pair 2: answer not found in the engineer's turns (possibly invented)"]


def test_key_is_sent_but_never_shown(fake_openai):
    secret = "sk-test-SECRET-123456"
    fake_openai.default = Reply.error(400, message=f"bad key {secret}")
    llm = splitter(fake_openai, api_key=secret)
    result = llm.split(conv(EN_TURNS))
    assert fake_openai.chat_requests()[0].headers["authorization"] == f"Bearer {secret}"
    assert secret not in result.error and "***" in result.error
    assert secret not in repr(llm) and secret not in json.dumps(llm.settings())


def test_make_splitter_reads_env_and_needs_key_or_url(monkeypatch, fake_openai):
    with pytest.raises(SplitterConfigError, match="OPENAI_API_KEY"):
        make_splitter("llm")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("REVIEWER_MODEL", "local-model")
    built = make_splitter("llm", timeout=3)
    assert built.name == "llm:local-model" and built.timeout == 3
    assert built.split(conv(EN_TURNS)).ok
    assert fake_openai.chat_requests()[0].body["model"] == "local-model"


def test_recorded_base_url_drops_credentials():
    llm = LLMSplitter("m", base_url="http://user:pw@127.0.0.1:9/v1?token=abc")
    assert llm.settings()["base_url"] == "http://127.0.0.1:9/v1"
