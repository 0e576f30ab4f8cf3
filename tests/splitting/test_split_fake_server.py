"""The fake OpenAI server itself: routes, queue order and recording (used by other areas)."""

import openai
import pytest
from fakes import Reply


def client(server, **kwargs):
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, **kwargs)


def test_models_route_and_unknown_routes(fake_openai):
    ids = [m.id for m in client(fake_openai).models.list().data]
    assert "gpt-4o-mini" in ids
    with pytest.raises(openai.NotFoundError):
        client(fake_openai).embeddings.create(model="e", input="x")
    assert [r.path for r in fake_openai.requests] == ["/v1/models", "/v1/embeddings"]


def test_extra_routes_can_be_registered(fake_openai):
    def embeddings(request, server):
        return Reply.json({
            "object": "list", "model": "e", "usage": {"prompt_tokens": 1, "total_tokens": 1},
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}]})

    fake_openai.route("POST", "/v1/embeddings", embeddings)
    result = client(fake_openai).embeddings.create(model="e", input="hello")
    assert result.data[0].embedding == [0.5, 0.25]
    assert fake_openai.requests[0].body["input"] == "hello"


def test_queue_then_chooser_then_default(fake_openai):
    fake_openai.queue(Reply.content_of("first"))
    fake_openai.chooser = lambda body: Reply.content_of("chosen") if body["model"] == "c" else None
    fake_openai.default = Reply.content_of("default")
    c = client(fake_openai)
    said = [c.chat.completions.create(model=m, messages=[{"role": "user", "content": "hi"}])
            .choices[0].message.content for m in ("c", "c", "x")]
    assert said == ["first", "chosen", "default"]


def test_authorization_of_every_request_is_recorded(fake_openai):
    openai.OpenAI(base_url=fake_openai.base_url, api_key="first", max_retries=0).models.list()
    c = openai.OpenAI(base_url=fake_openai.base_url, api_key="second", max_retries=0)
    c.chat.completions.create(model="m", messages=[{"role": "user", "content": "키 없음"}])
    assert fake_openai.authorizations() == ["Bearer first", "Bearer second"]
    last = fake_openai.requests[-1]
    assert last.header("AUTHORIZATION") == last.authorization == "Bearer second"
    assert last.header("x-not-sent") is None
    assert fake_openai.received("second") and fake_openai.received("키 없음")
    assert not fake_openai.received("third")
