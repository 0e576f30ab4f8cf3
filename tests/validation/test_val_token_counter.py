"""The per-word token counter must give exactly ``len(encode_ordinary(text))``, always."""

import json
import random
from pathlib import Path

import pytest

from reviewer import tokens
from reviewer.validation.chat_rules import iter_strings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ENCODINGS = ("o200k_base", "cl100k_base")

# characters that matter to tiktoken's split patterns
TRICKY = (" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f"
          "\u3000\ufeff'’\"`.,;:!?-_/\\|<>()[]{}@#$%^&*+=~0123456789٣¹½ⅷ"
          "aAzZéÉßǅʰ\u0301\u0308\u064bİıσςΣ가각힣ᄀ\u1161ㄱ中文日本語ｶ"
          "😀👍🏽👨‍👩‍👧\ud800\udfff")
EN = ["the", "printer", "driver", "does", "not", "install", "on", "windows,", "error",
      "0x80070005", "again"]
KO = ["프린터", "드라이버가", "설치되지", "않습니다", "오류", "코드", "확인", "부탁드립니다",
      "했는데", "안됩니다"]


def assert_exact(counter, enc, texts):
    encode = enc.encode_ordinary
    wrong = [(t, counter.count(t), len(encode(t))) for t in texts
             if counter.count(t) != len(encode(t))]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_bmp_character_in_contexts(name):
    enc = tokens.get_encoding(name)
    counter = tokens.TokenCounter(enc)
    texts = []
    for cp in range(0x10000):
        c = chr(cp)
        texts += ["a" + c + " b", c + " " + c, "x " + c, c + c + " " + c + "a",
                  "Ab" + c + " " + c + "9 z"]
    assert_exact(counter, enc, texts)
    assert counter.rest  # the split path was taken and cached


def _random_text(rnd: random.Random) -> str:
    kind = rnd.randrange(6)
    n = rnd.randint(0, 30)
    if kind == 0:
        return " ".join(rnd.choice(EN) for _ in range(n))
    if kind == 1:
        return " ".join(rnd.choice(KO) for _ in range(n))
    if kind == 2:  # mixed words, punctuation, numbers
        pool = EN + KO + ["123", "4567", "3.14", "I'm", "it's", "WE'LL", "(x)", "--", "..."]
        return rnd.choice(["", " "]) + " ".join(rnd.choice(pool) for _ in range(n))
    if kind == 3:  # whitespace heavy
        return "".join(rnd.choice(" \n\t\r  ab가.") for _ in range(n * 2))
    if kind == 4:  # emoji and other astral characters
        return " ".join(rnd.choice(["😀", "👍🏽x", "a😀b", "𝒜𝒷", "🇰🇷", "x"]) for _ in range(n))
    return "".join(rnd.choice(TRICKY) for _ in range(n))


@pytest.mark.parametrize("name", ENCODINGS)
def test_random_texts(name):
    enc = tokens.get_encoding(name)
    counter = tokens.TokenCounter(enc)
    rnd = random.Random(1234)
    texts = [_random_text(rnd) for _ in range(6000)]
    assert_exact(counter, enc, texts)
    assert_exact(counter, enc, texts)  # again, now from the warm cache


@pytest.mark.parametrize("name", ENCODINGS)
def test_corpus_texts(name):
    enc = tokens.get_encoding(name)
    counter = tokens.TokenCounter(enc)
    texts = []
    for path in sorted(CORPUS.glob("*/*.jsonl")):
        for raw in path.read_bytes().splitlines():
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            texts.extend(iter_strings(obj))
    assert len(texts) > 200
    assert_exact(counter, enc, texts)


def test_caches_stay_bounded(monkeypatch):
    monkeypatch.setattr(tokens, "WORD_CACHE_ENTRIES", 50)
    enc = tokens.get_encoding("o200k_base")
    counter = tokens.TokenCounter(enc)
    rnd = random.Random(5)
    texts = [" ".join(f"w{rnd.randrange(500)}" for _ in range(20)) for _ in range(300)]
    texts.append("x" * 200 + " " + "y" * 200)  # long words are never kept
    assert_exact(counter, enc, texts)
    assert len(counter.rest) <= 50 and len(counter.first) <= 50
    assert "y" * 200 not in counter.rest


def test_only_proven_encodings():
    import tiktoken

    gpt2 = tiktoken.Encoding("plain", pat_str=r"\S+|\s+", mergeable_ranks={b"a": 0},
                             special_tokens={})
    with pytest.raises(ValueError):
        tokens.TokenCounter(gpt2)
