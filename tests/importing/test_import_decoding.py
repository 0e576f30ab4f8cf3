"""Encoding detection: UTF-8, BOM, CP949; anything else rejected, never mis-decoded."""

from __future__ import annotations

import io

import pytest

from reviewer.importing.decoding import CHUNK, detect_encoding
from reviewer.importing.errors import FileRejected

KOREAN = "고객: 드라이버 설치가 안 됩니다.\n엔지니어: 어떤 OS를 쓰시나요?\n"


def detect(data: bytes) -> str:
    return detect_encoding(lambda: io.BytesIO(data))


def test_plain_utf8():
    assert detect(KOREAN.encode("utf-8")) == "utf-8"


def test_utf8_with_bom_strips_the_mark():
    data = b"\xef\xbb\xbf" + KOREAN.encode("utf-8")
    assert detect(data) == "utf-8-sig"
    assert data.decode("utf-8-sig") == KOREAN


def test_cp949_and_euc_kr():
    assert detect(KOREAN.encode("cp949")) == "cp949"
    assert detect(KOREAN.encode("euc-kr")) == "cp949"


def test_cp949_after_a_long_ascii_prefix_is_still_found():
    # The Korean bytes sit beyond the first read chunk: detection must read everything.
    data = b"Customer: hello\n" * (CHUNK // 16 + 10) + KOREAN.encode("cp949")
    assert detect(data) == "cp949"


def test_latin1_is_rejected_not_misread():
    with pytest.raises(FileRejected, match="cannot decode"):
        detect("Customer: café crème brûlée\nEngineer: très bien\n".encode("latin-1"))


def test_random_bytes_rejected():
    import random

    rng = random.Random(3)
    data = bytes(rng.randrange(128, 256) for _ in range(4000))
    with pytest.raises(FileRejected):
        detect(data)


def test_cp949_decodable_but_not_hangul_is_rejected():
    # Valid CP949 byte pairs that decode to Hanja only: not Korean prose.
    hanja = "漢字漢字中國語文章\n".encode("cp949")
    with pytest.raises(FileRejected, match="cannot decode"):
        detect(b"Customer: " + hanja)


def test_binary_with_nul_bytes_rejected():
    with pytest.raises(FileRejected, match="not a text file"):
        detect(b"Customer: hi\x00\x00\x01\x02")


def test_utf16_rejected_with_hint():
    with pytest.raises(FileRejected, match="UTF-16"):
        detect("Customer: hi".encode("utf-16"))


def test_bom_then_invalid_utf8_rejected():
    with pytest.raises(FileRejected, match="byte-order mark"):
        detect(b"\xef\xbb\xbfCustomer: \xff\xfe broken")
