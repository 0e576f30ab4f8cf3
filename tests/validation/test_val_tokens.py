"""Exact, offline token counting from the packaged BPE files, verified by tiktoken's hash."""

import hashlib

import pytest
import tiktoken
import tiktoken.load

from reviewer import tokens

HELLO = "Hello world"
KOREAN = "프린터가 오프라인으로 표시됩니다."
O200K_HELLO = [13225, 2375]
CL100K_HELLO = [9906, 1917]
O200K_KOREAN = [18554, 30053, 11834, 4081, 20859, 18554, 56281, 9911, 144773, 76493, 13]


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty cache directory and no way to download anything."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))

    def no_network(blobpath):
        raise ConnectionError(f"network disabled in this test: {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    tokens.clear_loaded()
    yield cache
    tokens.clear_loaded()


def test_exact_ids_offline_from_empty_cache(offline):
    o200k = tokens.get_encoding("o200k_base")
    cl100k = tokens.get_encoding("cl100k_base")
    assert o200k.encode_ordinary(HELLO) == O200K_HELLO
    assert cl100k.encode_ordinary(HELLO) == CL100K_HELLO
    assert o200k.encode_ordinary(KOREAN) == O200K_KOREAN
    assert o200k.decode(O200K_KOREAN) == KOREAN
    assert len(cl100k.encode_ordinary(KOREAN)) == 18
    # the file was placed under tiktoken's own cache name and passes tiktoken's hash
    url, expected = tokens.SOURCES["o200k_base"]
    placed = offline / hashlib.sha1(url.encode()).hexdigest()
    assert hashlib.sha256(placed.read_bytes()).hexdigest() == expected
    assert sorted(p.name for p in offline.iterdir()) == sorted(
        hashlib.sha1(tokens.SOURCES[n][0].encode()).hexdigest() for n in tokens.ENCODINGS)


def test_corrupted_cache_file_is_rejected_and_replaced(offline):
    target = tokens.cache_path("cl100k_base")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not a bpe file")
    enc = tokens.get_encoding("cl100k_base")
    assert enc.encode_ordinary(HELLO) == CL100K_HELLO
    _, expected = tokens.SOURCES["cl100k_base"]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected


def test_caching_disabled_is_refused_not_downloaded(offline, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    with pytest.raises(tokens.TokenizerUnavailable, match="TIKTOKEN_CACHE_DIR"):
        tokens.get_encoding("o200k_base")


def test_unwritable_cache_directory_is_named(offline):
    offline.write_text("a file where the directory should be")
    with pytest.raises(tokens.TokenizerUnavailable, match="TIKTOKEN_CACHE_DIR"):
        tokens.get_encoding("cl100k_base")


def test_packaged_data_has_tiktokens_hash():
    for name in tokens.ENCODINGS:
        url, expected = tokens.SOURCES[name]
        assert url.endswith(f"/{name}.tiktoken")
        assert hashlib.sha256(tokens.packaged_data(name)).hexdigest() == expected


@pytest.mark.parametrize("model,encoding,known", [
    ("gpt-4o-mini-2024-07-18", "o200k_base", True),
    ("gpt-4o", "o200k_base", True),
    ("gpt-4.1-mini-2025-04-14", "o200k_base", True),
    ("ft:gpt-4.1-2025-04-14:acme:support:abc123", "o200k_base", True),
    ("ft:gpt-4o-mini-2024-07-18:acme::xyz", "o200k_base", True),
    ("o3-mini", "o200k_base", True),
    ("gpt-3.5-turbo-0125", "cl100k_base", True),
    ("gpt-4-0613", "cl100k_base", True),
    ("ft:gpt-3.5-turbo:acme::1", "cl100k_base", True),
    ("davinci-002", "cl100k_base", True),
    ("babbage-002", "cl100k_base", True),
    ("llama-3-8b", "o200k_base", False),
])
def test_encoding_for_model(model, encoding, known):
    assert tokens.encoding_name_for_model(model) == encoding
    assert tokens.encoding_for_model_info(model) == (encoding, known)


def test_tiktoken_itself_gets_ft_gpt41_wrong():
    assert tiktoken.encoding_name_for_model("ft:gpt-4.1-2025-04-14:a::b") == "cl100k_base"


def test_count_chat_tokens_cookbook_method():
    enc = tokens.get_encoding("o200k_base")
    messages = [
        {"role": "system", "content": "You are a helpful, pattern-following assistant."},
        {"role": "user", "name": "kim", "content": HELLO},
        {"role": "assistant", "content": KOREAN, "weight": 1},
    ]
    # 3 priming + 3 per message x3 + 1 for the name + strings:
    # system 1, content 10, user 1, kim 1, Hello world 2, assistant 1, Korean 11
    assert tokens.count_chat_tokens(messages, enc) == 3 + 9 + 1 + 27 == 40


def test_count_chat_tokens_only_strings_and_tool_calls():
    enc = tokens.get_encoding("o200k_base")
    call = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_order",
                                                       "arguments": '{"order": 7}'}}]}
    expected = 3 + 3 + len(enc.encode_ordinary("assistant")) + len(
        enc.encode_ordinary("get_order")) + len(enc.encode_ordinary('{"order": 7}'))
    assert tokens.count_chat_tokens([call], enc) == expected
    parts = {"role": "user", "content": [{"type": "text", "text": HELLO},
                                         {"type": "image_url", "image_url": {"url": "x"}}]}
    assert tokens.count_chat_tokens([parts], enc) == 3 + 3 + 1 + 2
