"""The LLM splitter through the real openai client against the fake server on loopback."""

import json
from dataclasses import replace

import pytest
from fakes import Reply
from splitting_samples import EN_TURNS, KO_TURNS

from reviewer.llm import LLMError
from reviewer.llm.fake import FakeModel, filtered, refused, truncated
from reviewer.models import Conversation, Turn
from reviewer.splitting import SplitterConfigError, make_splitter
from reviewer.splitting.llm import LLMSplitter
from reviewer.splitting.prompt import PROMPT_VERSION


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
    assert result.error == "api_error: API error HTTP 500: server exploded"
    assert len(fake_openai.chat_requests()) == 3  # 1 + max_retries


def test_broken_response_body(fake_openai):
    fake_openai.queue(Reply.broken())
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("api_error: API returned an unreadable response")


def test_content_that_is_not_json(fake_openai):
    fake_openai.queue(Reply.content_of('{"system": "x", "pairs": ['))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("invalid_json: answer is not valid JSON")


def test_content_that_breaks_the_schema(fake_openai):
    fake_openai.queue(Reply.content_of({"summary": "x", "pairs": []}))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert "does not match the schema" in result.error


def test_truncated_answer(fake_openai):
    fake_openai.queue(Reply.truncated())
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error.startswith("output_limit: the answer hit the output limit of ")


def test_refusal(fake_openai):
    fake_openai.queue(Reply.refusal("I cannot process this."))
    result = splitter(fake_openai).split(conv(EN_TURNS))
    assert result.error == "refusal: model refused: I cannot process this."


def test_hang_beyond_the_timeout(fake_openai):
    fake_openai.default = Reply.hang(10)
    result = splitter(fake_openai, timeout=0.3, max_retries=2).split(conv(EN_TURNS))
    assert result.error.startswith("timeout: no answer within 0.3 s with the output bounded")
    assert len(fake_openai.chat_requests()) == 1  # a generation that long is not sent again


def test_slow_but_within_timeout_succeeds(fake_openai):
    fake_openai.queue(Reply.correct(delay=0.2))
    assert splitter(fake_openai, timeout=60).split(conv(EN_TURNS)).ok


def test_connection_refused(fake_openai):
    url = fake_openai.base_url
    fake_openai.stop()
    result = splitter(fake_openai, base_url=url, max_retries=0).split(conv(EN_TURNS))
    assert result.error.startswith("connection: API connection error")


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
    secret = "-".join(("sk", "test", "SECRET", "123456"))  # assembled: no key-shaped literal
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
    assert built.name == "llm:local-model" and built.llm.timeout == 3
    assert built.split(conv(EN_TURNS)).ok
    assert fake_openai.chat_requests()[0].body["model"] == "local-model"


def test_recorded_base_url_drops_credentials():
    llm = LLMSplitter("m", base_url="http://user:pw@127.0.0.1:9/v1?token=abc")
    assert llm.settings()["base_url"] == "http://127.0.0.1:9/v1"


# ---- prompt + parse on an in-process model (no HTTP) --------------------------------------

def on_fake(*replies, **kwargs) -> tuple[LLMSplitter, FakeModel]:
    model = FakeModel(*replies, **kwargs)
    return LLMSplitter(llm=model), model


def test_the_splitter_asks_the_model_for_strict_json_with_its_tags():
    llm, model = on_fake(answer("About DHCP on the W5500.", (EN_TURNS[0][1], EN_TURNS[1][1])))
    conversation = conv(EN_TURNS)
    result = llm.split(conversation)
    assert result.ok and llm.name == "llm:fake-model"
    (call,) = model.calls
    assert call.response_format["json_schema"]["strict"] is True
    assert 256 < call.max_tokens < 4096  # bounded by the conversation's size
    assert (call.tags.purpose, call.tags.subject, call.tags.prompt_version) == (
        "split", conversation.content_id(), PROMPT_VERSION)
    assert call.messages[-1]["role"] == "user" and EN_TURNS[0][1] in call.messages[-1]["content"]


def test_the_stored_conversation_id_is_the_subject():
    llm, model = on_fake(answer("About DHCP on the W5500.", (EN_TURNS[0][1], EN_TURNS[1][1])))
    conversation = conv(EN_TURNS)
    conversation.meta["id"] = "conv-42"
    llm.split(conversation)
    assert model.calls[0].tags.subject == "conv-42"


@pytest.mark.parametrize(("reply", "reason"), [
    (replace(truncated('{"system": "x", "pa'), output_tokens=5000),
     "output_limit: the answer hit the output limit"),
    (truncated('{"system": "x", "pa'), "context_overflow: the answer stopped at"),
    (filtered(), "blocked by the provider's content filter"),
    (refused("정책상 처리할 수 없습니다."), "model refused: 정책상 처리할 수 없습니다."),
    ("", "empty answer from the model"),
    ('{"system": "x", "pairs": [', "answer is not valid JSON"),
    ({"system": "x"}, "does not match the schema"),
    (answer("About W5500.", (EN_TURNS[0][1], "Bake the board at 200 degrees for an hour.")),
     "answer not found in the engineer's turns"),
    (LLMError("API error HTTP 503: overloaded", "http_status"), "API error HTTP 503: overloaded"),
])
def test_every_bad_answer_fails_the_conversation_with_a_reason(reply, reason):
    llm, _ = on_fake(reply)
    result = llm.split(conv(EN_TURNS))
    assert not result.ok and not result.pairs and reason in result.error


def test_a_model_that_crashes_fails_one_conversation_without_raising():
    def explode(messages):
        raise RuntimeError("bug in the model layer")

    llm, _ = on_fake(explode)
    result = llm.split(conv(KO_TURNS))
    assert result.error == ("splitter_error: unexpected error calling the model: RuntimeError: "
                            "bug in the model layer")


def test_an_empty_conversation_never_reaches_the_model():
    llm, model = on_fake()
    assert llm.split(conv([])).error == "empty conversation: no turns"
    assert model.calls == []


def test_settings_name_the_model_and_prompt_but_no_key():
    secret = "sk-" + "settings-check-55"
    llm = LLMSplitter("m", base_url="http://127.0.0.1:9/v1", api_key=secret)
    settings = llm.settings()
    assert settings["provider"] == "custom" and settings["prompt_version"] == PROMPT_VERSION
    assert settings["timeout"] == 120.0 and settings["max_retries"] == 2
    assert secret not in json.dumps(settings) and secret not in repr(llm)
