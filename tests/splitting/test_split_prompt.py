import json

from reviewer.models import Conversation, Turn
from reviewer.splitting import DEFAULT_FEW_SHOT, load_few_shot
from reviewer.splitting.prompt import PROMPT_VERSION, build_messages, response_format


def _walk_objects(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from _walk_objects(value)


def test_schema_is_strict_and_bounded():
    fmt = response_format()
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    for obj in _walk_objects(schema):
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    assert schema["properties"]["pairs"]["maxItems"] > 0
    assert schema["properties"]["system"]["maxLength"] > 0


def test_messages_follow_the_sections_and_carry_examples_then_conversation():
    examples = load_few_shot(DEFAULT_FEW_SHOT)
    conversation = Conversation("t", "line 1", [Turn("customer", "Q) Is the W5500 fast?"),
                                                Turn("engineer", "A) Yes.")], "txt")
    messages = build_messages(conversation, examples)
    system = messages[0]["content"]
    for section in ("Instructions:", "Field rules:", "Output format:", '"system"', "Q)"):
        assert section in system
    assert len(messages) == 1 + 2 * len(examples) + 1
    first_example = json.loads(messages[2]["content"])
    assert first_example["system"] == examples[0][0]["content"]
    assert first_example["pairs"][0]["answer"] == examples[0][2]["content"]
    assert "Customer: Q) Is the W5500 fast?" in messages[-1]["content"]
    assert PROMPT_VERSION
