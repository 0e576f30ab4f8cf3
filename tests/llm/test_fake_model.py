"""The in-process fake model: canned replies in order, then the default; records calls."""

from __future__ import annotations

import pytest

from reviewer.llm import CallTags, ChatModel, Completion, LLMError, MemoryCallLog
from reviewer.llm.fake import FakeModel, refused, truncated

HI = [{"role": "user", "content": "안녕하세요, 질문이 있습니다."}]
JSON_FORMAT = {"type": "json_object"}


def test_it_is_a_chat_model():
    assert isinstance(FakeModel(), ChatModel)


def test_replies_in_order_then_default_then_error():
    model = FakeModel("first", {"n": 2}, default="again")
    assert model.complete(HI).text == "first"
    second = model.complete(HI, response_format=JSON_FORMAT)
    assert second.text == '{"n": 2}' and second.parsed == {"n": 2}
    assert model.complete(HI).text == "again"
    with pytest.raises(LLMError, match="no reply queued"):
        FakeModel().complete(HI)


def test_callables_errors_and_ready_completions():
    model = FakeModel(lambda messages: messages[-1]["content"].upper(),
                      LLMError("API timeout: no answer within 1 s", "timeout"),
                      truncated('{"a": '), refused("싫습니다"))
    assert model.complete([{"role": "user", "content": "echo"}]).text == "ECHO"
    with pytest.raises(LLMError) as caught:
        model.complete(HI)
    assert caught.value.kind == "timeout"
    cut = model.complete(HI, response_format=JSON_FORMAT)
    assert cut.truncated and cut.parsed is None
    assert model.complete(HI).refusal == "싫습니다"
    assert len(model.calls) == 4 and model.calls[0].messages[-1]["content"] == "echo"


def test_token_counts_ids_and_a_bad_json_reason():
    model = FakeModel("not json", Completion("x", "stop", input_tokens=7, output_tokens=3))
    done = model.complete(HI, response_format=JSON_FORMAT)
    assert done.input_tokens > 0 and done.output_tokens > 0 and done.response_id == "fake-1"
    assert done.parse_error.startswith("not valid JSON")
    fixed = model.complete(HI)
    assert (fixed.input_tokens, fixed.output_tokens, fixed.response_id) == (7, 3, "fake-2")


def test_calls_are_recorded_with_tags_and_priced_from_the_table():
    calls = MemoryCallLog()
    model = FakeModel(Completion("ok", "stop", input_tokens=1_000_000, output_tokens=500_000),
                      LLMError("API error HTTP 500: down", "http_status"),
                      model_id="gpt-4o-mini", provider="openai", local=False, call_log=calls)
    model.complete(HI, tags=CallTags("eval", "item-1", "eval-v1"))
    with pytest.raises(LLMError):
        model.complete(HI, tags=CallTags("eval", "item-2", "eval-v1"))
    ok, failed = calls.records
    assert (ok.purpose, ok.subject, ok.model, ok.provider) == ("eval", "item-1", "gpt-4o-mini",
                                                               "openai")
    # models.json: gpt-4o-mini inference input 0.3, output 1.2 per 1M tokens
    assert ok.cost_usd == pytest.approx(0.3 + 0.6)
    assert (failed.subject, failed.error, failed.cost_usd) == ("item-2", "API error HTTP 500: "
                                                               "down", None)
