"""The OpenAI-compatible model through the real SDK against the fake server on loopback."""

from __future__ import annotations

import pytest
from fakes import Reply

from reviewer.llm import CallTags, Endpoint, LLMError, MemoryCallLog
from reviewer.llm.openai_compat import OpenAICompatibleModel

MESSAGES = [{"role": "system", "content": "You answer in JSON."},
            {"role": "user", "content": "<conversation>\nCustomer: W5500 소켓은 몇 개인가요?\n"
                                        "Engineer: 8개입니다.\n</conversation>"}]
JSON_FORMAT = {"type": "json_object"}


def model(server, *, key=None, retries=1, timeout=5.0, **kwargs) -> OpenAICompatibleModel:
    endpoint = Endpoint("custom", server.base_url, "K" if key else None, key)
    return OpenAICompatibleModel("fake-model", endpoint, timeout=timeout, max_retries=retries,
                                 **kwargs)


def test_completion_carries_text_json_usage_latency_and_id(fake_openai):
    done = model(fake_openai).complete(MESSAGES, response_format=JSON_FORMAT, max_tokens=99)
    assert done.finish_reason == "stop" and not done.truncated
    assert done.parsed == {"system": "Summary: W5500 소켓은 몇 개인가요?",
                           "pairs": [{"question": "W5500 소켓은 몇 개인가요?",
                                      "answer": "8개입니다.", "question_turns": [1],
                                      "answer_turns": [2]}]}
    assert done.parse_error is None
    assert (done.input_tokens, done.output_tokens) == (10, 10)
    assert done.latency_s > 0 and done.response_id.startswith("chatcmpl-fake-")
    (request,) = fake_openai.chat_requests()
    assert request.body["messages"] == MESSAGES
    assert request.body["max_tokens"] == 99 and "max_completion_tokens" not in request.body
    assert request.body["temperature"] == 0.0
    assert request.body["response_format"] == JSON_FORMAT


def test_plain_text_is_not_parsed_and_bad_json_says_why(fake_openai):
    fake_openai.queue(Reply.content_of("hello"), Reply.content_of('{"a": '))
    m = model(fake_openai)
    plain = m.complete(MESSAGES)
    assert plain.text == "hello" and plain.parsed is None and plain.parse_error is None
    bad = m.complete(MESSAGES, response_format=JSON_FORMAT)
    assert bad.parsed is None and bad.parse_error.startswith("not valid JSON")


def test_truncated_and_refused_answers_are_reported_not_raised(fake_openai):
    fake_openai.queue(Reply.truncated(), Reply.refusal("no"))
    m = model(fake_openai)
    cut = m.complete(MESSAGES, response_format=JSON_FORMAT)
    assert cut.truncated and cut.parsed is None and cut.parse_error is None
    assert m.complete(MESSAGES).refusal == "no"


def test_openai_host_gets_max_completion_tokens():
    assert Endpoint("openai", "https://api.openai.com/v1").token_limit_param == \
        "max_completion_tokens"
    assert Endpoint("azure", "https://r.openai.azure.com/openai/v1/").token_limit_param == \
        "max_completion_tokens"
    assert Endpoint("custom", "http://127.0.0.1:1/v1").token_limit_param == "max_tokens"


@pytest.mark.parametrize(("reply", "kind", "reason"), [
    (Reply.error(500, retry_after=0.01, message="server exploded"), "http_status",
     "API error HTTP 500: server exploded"),
    (Reply.error(429, retry_after=0.01, message="quota"), "rate_limit",
     "rate limited: HTTP 429 (rate_limit_exceeded) after retries: quota"),
    (Reply.broken(), "unreadable", "API returned an unreadable response"),
])
def test_errors_become_llm_errors_with_reasons(fake_openai, reply, kind, reason):
    fake_openai.default = reply
    with pytest.raises(LLMError) as caught:
        model(fake_openai, retries=0).complete(MESSAGES)
    assert caught.value.kind == kind and caught.value.reason.startswith(reason)
    assert caught.value.__cause__ is None  # the SDK error (holding the request) is dropped


def test_timeout_and_connection_errors(fake_openai):
    fake_openai.default = Reply.hang(10)
    with pytest.raises(LLMError) as caught:  # the reply would only come after 10 s
        model(fake_openai, retries=0, timeout=0.3).complete(MESSAGES)
    assert caught.value.kind == "timeout"
    url = fake_openai.base_url
    fake_openai.stop()
    gone = OpenAICompatibleModel("m", Endpoint("custom", url), max_retries=0, timeout=2)
    with pytest.raises(LLMError) as caught:
        gone.complete(MESSAGES)
    assert caught.value.kind == "connection"


def test_no_choices_is_an_error(fake_openai):
    fake_openai.queue(Reply.json({"id": "x", "object": "chat.completion", "created": 0,
                                  "model": "m", "choices": []}))
    with pytest.raises(LLMError, match="no choices"):
        model(fake_openai).complete(MESSAGES)


def test_an_echoed_key_is_masked(fake_openai):
    secret = "sk-" + "model-echo-31415"
    fake_openai.default = Reply.error(401, message=f"bad key {secret}")
    calls = MemoryCallLog()
    m = model(fake_openai, key=secret, retries=0, call_log=calls)
    with pytest.raises(LLMError) as caught:
        m.complete(MESSAGES)
    assert fake_openai.authorizations() == [f"Bearer {secret}"]
    assert secret not in caught.value.reason and "***" in caught.value.reason
    assert secret not in repr(m) and secret not in str(m.settings())
    assert secret not in str(calls.records)


def test_every_call_is_recorded_answered_or_not(fake_openai):
    fake_openai.queue(Reply.correct(), Reply.error(400, message="bad request"))
    calls = MemoryCallLog()
    m = model(fake_openai, retries=0, call_log=calls)
    tags = CallTags("eval", "item-7", "eval-v1")
    m.complete(MESSAGES, response_format=JSON_FORMAT, tags=tags)
    with pytest.raises(LLMError):
        m.complete(MESSAGES, tags=tags)
    ok, failed = calls.records
    assert (ok.purpose, ok.subject, ok.prompt_version) == ("eval", "item-7", "eval-v1")
    assert (ok.model, ok.provider, ok.endpoint) == ("fake-model", "custom", fake_openai.base_url)
    assert (ok.input_tokens, ok.output_tokens, ok.finish_reason) == (10, 10, "stop")
    assert ok.latency_ms > 0 and ok.error is None and ok.response_id.startswith("chatcmpl-")
    assert ok.cost_usd == 0.0  # a server on this machine
    assert failed.error == "API error HTTP 400: bad request"
    assert failed.input_tokens is None and failed.cost_usd == 0.0  # local: free either way
    # same request, same hash; a different format, a different hash
    assert len(ok.request_hash) == 32 and ok.request_hash != failed.request_hash
