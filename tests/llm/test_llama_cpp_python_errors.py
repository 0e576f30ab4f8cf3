"""llama-cpp-python's server as met in the field: its errors, byte for byte as its 0.3.x
server sends them (the json_schema refusal steps down, a context overflow does not), and the
schema bounds its grammar builder cannot take."""

from __future__ import annotations

import json

from fakes import Reply
from fakes.openai_server import request_form

from reviewer.llm.endpoint import Endpoint
from reviewer.llm.openai_compat import OpenAICompatibleModel
from reviewer.llm.structured import (
    JSON_OBJECT_SCHEMA,
    RUNG_CACHE,
    SIZE_BOUNDS,
    probe,
    without_size_bounds,
)
from reviewer.models import Conversation, Turn
from reviewer.splitting.llm import LLMSplitter

# A request validation error caught by its route handler and wrapped as an internal error.
JSON_SCHEMA_REFUSAL = {"error": {
    "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
               "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
               "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n"
               "  File \"llama_cpp/server/app.py\", line 376, in create_chat_completion\n"
               "    POST /v1/chat/completions",
    "type": "internal_server_error", "param": None, "code": None}}
CONTEXT_OVERFLOW = {"error": {
    "message": "This model's maximum context length is 2048 tokens. However, you requested "
               "2300 tokens (2280 in the messages, 20 in the completion). Please reduce the "
               "length of the messages or completion.",
    "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}


def model(server) -> OpenAICompatibleModel:
    return OpenAICompatibleModel("smollm2", Endpoint("llamacpp", server.base_url), max_retries=0)


def test_the_json_schema_refusal_steps_down_to_json_object_with_a_schema(fake_openai):
    fake_openai.chooser = lambda body: (Reply.json(JSON_SCHEMA_REFUSAL, status=500)
                                        if request_form(body) == "json_schema" else None)
    result = probe(model(fake_openai))
    assert result.rung == JSON_OBJECT_SCHEMA and result.error is None
    [refused] = result.refused
    assert refused.startswith("json_schema: API error HTTP 500: 1 validation error")
    assert RUNG_CACHE.get("llamacpp", "smollm2") == JSON_OBJECT_SCHEMA
    assert [request_form(r.body) for r in fake_openai.chat_requests()] == [
        "json_schema", "json_object_schema"]


def test_a_context_overflow_is_reported_not_taken_for_a_format_problem(fake_openai):
    fake_openai.default = Reply.json(CONTEXT_OVERFLOW, status=400)
    result = probe(model(fake_openai))
    assert result.rung is None and result.refused == []
    assert result.error is not None and "maximum context length is 2048" in result.error
    assert len(fake_openai.chat_requests()) == 1
    assert RUNG_CACHE.get("llamacpp", "smollm2") is None


def test_the_json_object_rung_sends_no_size_bounds_it_would_choke_on(fake_openai):
    # Its grammar builder expands maxLength 12000 into rules past its limit, logs "failed to
    # parse grammar" and the server dies with SIGSEGV: the request must not carry the bounds.
    fake_openai.accepted_forms = {"json_object_schema"}
    splitter = LLMSplitter("smollm2", base_url=fake_openai.base_url, max_retries=0)
    result = splitter.split(Conversation("t.txt", "line 1", [
        Turn("customer", "How many sockets does the W5500 have?"),
        Turn("engineer", "The W5500 has eight hardware sockets.")], "txt"))
    assert result.error is None and result.pairs
    sent = fake_openai.chat_requests()[-1].body["response_format"]
    assert sent["type"] == "json_object"
    text = json.dumps(sent["schema"])
    assert not any(bound in text for bound in SIZE_BOUNDS), text
    # The shape is unchanged: same properties, same required keys, no extra keys allowed.
    assert sent["schema"]["required"] == ["system", "pairs"]
    assert sent["schema"]["properties"]["pairs"]["items"]["required"] == [
        "question", "answer", "question_turns", "answer_turns"]
    assert sent["schema"]["additionalProperties"] is False


def test_size_bounds_are_dropped_but_a_property_named_like_one_is_kept():
    schema = {"type": "object", "properties": {"maxLength": {"type": "string", "maxLength": 3}},
              "$defs": {"minItems": {"type": "array", "minItems": 1}}}
    assert without_size_bounds(schema) == {
        "type": "object", "properties": {"maxLength": {"type": "string"}},
        "$defs": {"minItems": {"type": "array"}}}
