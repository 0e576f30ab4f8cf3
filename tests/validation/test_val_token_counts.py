"""The validator's token counts are exactly the cookbook count made with tiktoken's
``encode_ordinary``, example by example, in English, Korean and awkward text."""

import json
import random
from pathlib import Path

import pytest

from reviewer import tokens
from reviewer.validation import validate_file, validate_objects
from reviewer.validation.chat_rules import iter_strings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MODELS = {"o200k_base": "gpt-4o-mini", "cl100k_base": "gpt-3.5-turbo"}

# characters that matter to tiktoken's split patterns
TRICKY = (" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f"
          "\u3000\ufeff'’\"`.,;:!?-_/\\|<>()[]{}@#$%^&*+=~0123456789٣¹½ⅷ"
          "aAzZéÉßǅʰ\u0301\u0308\u064bİıσςΣ가각힣ᄀ\u1161ㄱ中文日本語ｶ"
          "😀👍🏽👨‍👩‍👧\ud800\udfff")
EN = ["the", "printer", "driver", "does", "not", "install", "on", "windows,", "error",
      "0x80070005", "again", "I'm", "it's", "WE'LL", "3.14", "--", "..."]
KO = ["프린터", "드라이버가", "설치되지", "않습니다", "오류", "코드", "확인", "부탁드립니다",
      "했는데", "안됩니다"]


def _random_text(rnd: random.Random) -> str:
    kind = rnd.randrange(5)
    n = rnd.randint(1, 30)
    if kind == 0:
        return " ".join(rnd.choice(EN) for _ in range(n))
    if kind == 1:
        return " ".join(rnd.choice(KO) for _ in range(n))
    if kind == 2:  # whitespace heavy
        return "".join(rnd.choice(" \n\t\r  ab가.") for _ in range(n * 2))
    if kind == 3:  # emoji and other astral characters
        return " ".join(rnd.choice(["😀", "👍🏽x", "a😀b", "𝒜𝒷", "🇰🇷", "x"]) for _ in range(n))
    return "".join(rnd.choice(TRICKY) for _ in range(n))


def _random_example(rnd: random.Random) -> dict:
    messages = [{"role": "system", "content": _random_text(rnd)}]
    for _ in range(rnd.randint(1, 3)):
        user = {"role": "user", "content": _random_text(rnd)}
        if rnd.random() < 0.2:
            user["name"] = rnd.choice(["kim", "민수", "a b"])
        messages += [user, {"role": "assistant", "content": _random_text(rnd)}]
    return {"messages": messages}


@pytest.mark.parametrize("encoding", sorted(MODELS))
def test_counts_equal_the_cookbook_count(encoding):
    enc = tokens.get_encoding(encoding)
    rnd = random.Random(1234)
    examples = [_random_example(rnd) for _ in range(1500)]
    report = validate_objects([(i + 1, ex, None) for i, ex in enumerate(examples)],
                              model=MODELS[encoding])
    assert report.summary["encoding"] == encoding
    assert report.token_counts == [tokens.count_chat_tokens(ex["messages"], enc)
                                   for ex in examples]


@pytest.mark.parametrize("name", ["chat.jsonl", "tools.jsonl", "multi_turn_weights.jsonl"])
def test_corpus_counts_equal_the_cookbook_count(name):
    enc = tokens.get_encoding("o200k_base")
    path = CORPUS / "good" / name
    expected = [tokens.count_chat_tokens(json.loads(line)["messages"], enc)
                for line in path.read_text("utf-8").splitlines() if line.strip()]
    report = validate_file(path)
    assert report.token_counts == expected
    assert report.summary["total_tokens"] == sum(expected)


def test_batch_counts_equal_encode_ordinary_on_every_corpus_string():
    enc = tokens.get_encoding("cl100k_base")
    texts = []
    for path in sorted(CORPUS.glob("*/*.jsonl")):
        for raw in path.read_bytes().splitlines():
            try:
                texts.extend(iter_strings(json.loads(raw)))
            except (ValueError, RecursionError):
                continue
    texts += [chr(cp) + " " + chr(cp) for cp in range(0, 0x10000, 7)]
    assert len(texts) > 9000
    assert tokens.token_counts(enc, texts) == [len(enc.encode_ordinary(t)) for t in texts]
