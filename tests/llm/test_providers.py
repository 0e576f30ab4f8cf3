"""The providers file and endpoint resolution: which URL a call goes to, which key goes along."""

from __future__ import annotations

import json

import pytest

from reviewer.llm import (
    BUILTIN_PROVIDERS,
    CUSTOM,
    EndpointError,
    ProvidersError,
    load_providers,
    provider_status,
    resolve_endpoint,
)
from reviewer.llm.providers import parse_providers
from reviewer.paths import DATA_DIR

SECRET = "sk-" + "providers-test-0123456789"  # assembled at run time: no key-like literal


def resolve(environ=None, providers=None, **choice):
    return resolve_endpoint(providers=BUILTIN_PROVIDERS if providers is None else providers,
                            environ=environ or {}, **choice)


def test_builtins_apply_when_the_file_is_absent(tmp_path):
    table = load_providers(tmp_path / "none.toml")
    assert list(table) == ["openai", "azure", "together", "fireworks", "local"]
    assert table["openai"].base_url == "https://api.openai.com/v1"
    assert table["openai"].api_key_env == "OPENAI_API_KEY"
    assert table["azure"].base_url_env == "AZURE_OPENAI_BASE_URL"
    assert table["azure"].api_key_env == "AZURE_OPENAI_API_KEY"
    assert table["local"].base_url == "http://127.0.0.1:11434/v1"
    assert table["local"].api_key_env is None


def test_a_toml_file_replaces_the_builtins(tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text('[providers.vllm]\nbase_url = "http://127.0.0.1:8000/v1"\n'
                    'description = "사내 vLLM 서버"\n'
                    '[providers.gateway]\nbase_url_env = "GATEWAY_URL"\n'
                    'api_key_env = "GATEWAY_KEY"\n', encoding="utf-8")
    table = load_providers(path)
    assert list(table) == ["vllm", "gateway"]
    assert table["vllm"].description == "사내 vLLM 서버"
    assert table["gateway"].url({"GATEWAY_URL": "https://gw.example.com/v1"}) == \
        "https://gw.example.com/v1"


def test_a_json_file_works_too_and_the_env_var_points_at_it(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"providers": {"lab": {"base_url": "http://127.0.0.1:1/v1"}}}),
                    encoding="utf-8")
    monkeypatch.setenv("REVIEWER_PROVIDERS", str(path))
    assert list(load_providers()) == ["lab"]


def test_the_example_file_in_data_is_valid():
    table = load_providers(DATA_DIR / "providers.example.toml")
    assert {"openai", "azure", "local"} <= set(table)


@pytest.mark.parametrize(("doc", "message"), [
    ({}, "expected a 'providers' table"),
    ({"providers": {}}, "no providers defined"),
    ({"providers": {"Bad Name": {"base_url": "http://x"}}}, "names use a-z"),
    ({"providers": {"custom": {"base_url": "http://x"}}}, "reserved"),
    ({"providers": {"a": {"base_url": "http://x", "api_key": SECRET}}},
     "a key is never written in this file"),
    ({"providers": {"a": {"base_url": "http://x", "model": "m"}}}, "unknown setting"),
    ({"providers": {"a": {}}}, "exactly one of base_url and base_url_env"),
    ({"providers": {"a": {"base_url": "http://x", "base_url_env": "U"}}}, "exactly one"),
    ({"providers": {"a": {"base_url": "http://x", "api_key_env": "not a name"}}},
     "must be an environment variable name"),
    ({"providers": {"a": {"base_url": 5}}}, "must be a string"),
])
def test_invalid_entries_are_refused_with_a_reason(doc, message):
    with pytest.raises(ProvidersError, match=message) as caught:
        parse_providers(doc)
    assert SECRET not in str(caught.value)


def test_an_unreadable_file_is_an_error(tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text("[providers.a\n", encoding="utf-8")
    with pytest.raises(ProvidersError, match="cannot read the providers file"):
        load_providers(path)


def test_openai_provider_gets_the_openai_key():
    endpoint = resolve({"OPENAI_API_KEY": SECRET}, provider="openai")
    assert endpoint.api_key == SECRET and endpoint.is_openai
    assert SECRET not in repr(endpoint) and SECRET not in json.dumps(endpoint.to_dict())


def test_default_is_openai_and_needs_its_key():
    with pytest.raises(EndpointError, match="OPENAI_API_KEY is not set"):
        resolve({})
    assert resolve({"OPENAI_API_KEY": SECRET}).provider == "openai"


def test_a_base_url_gets_no_key_even_when_the_openai_key_is_set():
    endpoint = resolve({"OPENAI_API_KEY": SECRET}, base_url="http://127.0.0.1:9/v1")
    assert endpoint.provider == CUSTOM and endpoint.api_key is None
    # also when it is OpenAI's own URL: only a named key is ever sent with a typed URL
    assert resolve({"OPENAI_API_KEY": SECRET}, base_url="https://api.openai.com/v1").api_key \
        is None


def test_openai_base_url_from_the_environment_gets_no_key():
    endpoint = resolve({"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": "https://evil.example/v1"})
    assert endpoint.base_url == "https://evil.example/v1" and endpoint.api_key is None


def test_a_named_key_goes_with_a_base_url():
    endpoint = resolve({"MY_KEY": SECRET}, base_url="https://llm.example.com/v1",
                       api_key_env="MY_KEY")
    assert endpoint.api_key == SECRET and endpoint.key_env == "MY_KEY"


@pytest.mark.parametrize("url", ["https://evil.example/v1", "http://api.openai.com/v1",
                                 "https://api.openai.com:8443/v1", "http://127.0.0.1:9/v1"])
def test_the_openai_key_goes_to_openai_only(url):
    with pytest.raises(EndpointError, match="OPENAI_API_KEY is only sent to https://api.openai"):
        resolve({"OPENAI_API_KEY": SECRET}, base_url=url, api_key_env="OPENAI_API_KEY")
    table = parse_providers({"providers": {"p": {"base_url": url,
                                                 "api_key_env": "OPENAI_API_KEY"}}})
    with pytest.raises(EndpointError, match="only sent to"):
        resolve({"OPENAI_API_KEY": SECRET}, providers=table, provider="p")


def test_no_key_over_plain_http_except_to_this_machine():
    with pytest.raises(EndpointError, match="never sent over plain http"):
        resolve({"K": SECRET}, base_url="http://llm.example.com/v1", api_key_env="K")
    for url in ("http://127.0.0.1:8000/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1"):
        assert resolve({"K": SECRET}, base_url=url, api_key_env="K").api_key == SECRET


def test_a_provider_with_its_own_key_and_url_from_the_environment():
    env = {"AZURE_OPENAI_BASE_URL": "https://res.openai.azure.com/openai/v1/",
           "AZURE_OPENAI_API_KEY": SECRET, "OPENAI_API_KEY": "sk-" + "other"}
    endpoint = resolve(env, provider="azure")
    assert endpoint.api_key == SECRET and endpoint.base_url.startswith("https://res.")
    with pytest.raises(EndpointError, match="set AZURE_OPENAI_BASE_URL"):
        resolve({"AZURE_OPENAI_API_KEY": SECRET}, provider="azure")
    with pytest.raises(EndpointError, match="AZURE_OPENAI_API_KEY is not set"):
        resolve({"AZURE_OPENAI_BASE_URL": "https://res.openai.azure.com/openai/v1/"},
                provider="azure")


@pytest.mark.parametrize(("choice", "message"), [
    ({"provider": "nope"}, "unknown provider 'nope'"),
    ({"provider": "local", "base_url": "http://127.0.0.1:1/v1"}, "not both"),
    ({"provider": "local", "api_key_env": "K"}, "goes with --base-url"),
    ({"provider": CUSTOM}, "needs its base URL"),
    ({"base_url": "ftp://127.0.0.1/v1"}, "not an http"),
    ({"base_url": "http://127.0.0.1:port/v1"}, "bad port"),
    ({"base_url": "http://127.0.0.1:1/v1", "api_key_env": "UNSET_KEY"}, "UNSET_KEY is not set"),
])
def test_bad_choices_are_refused(choice, message):
    with pytest.raises(EndpointError, match=message):
        resolve({}, **choice)


def test_custom_with_a_url_is_a_plain_url():
    endpoint = resolve({"OPENAI_API_KEY": SECRET}, provider=CUSTOM,
                       base_url="http://127.0.0.1:9/v1")
    assert endpoint.provider == CUSTOM and endpoint.api_key is None


def test_status_says_whether_the_key_is_set_never_what_it_is():
    status = provider_status(BUILTIN_PROVIDERS["openai"], {"OPENAI_API_KEY": SECRET})
    assert status.key_set and SECRET not in json.dumps(status.to_dict())
    assert status.key_line == "API key: taken from OPENAI_API_KEY in the environment."
    unset = provider_status(BUILTIN_PROVIDERS["azure"], {})
    assert unset.where == "$AZURE_OPENAI_BASE_URL (not set)" and not unset.key_set
    assert provider_status(BUILTIN_PROVIDERS["local"], {}).key_line.startswith("API key: none")
