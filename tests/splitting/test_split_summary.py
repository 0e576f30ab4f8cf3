import re
from pathlib import Path

import pytest

from reviewer.importing import import_paths
from reviewer.models import Conversation, Turn, conversation_from_row
from reviewer.splitting.summary import (
    MAX_SUMMARY_CHARS,
    find_products,
    is_korean,
    summarise,
    summarise_text,
)

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Units, versions, pins and signal names that must never show up in a summary line.
NOISE = re.compile(
    r"\b(?:k|M|G)?Hz\b|\bm?A\b|\buA\b|\bMbit\b|\bMbps\b|\bKB\b|\bv\d+(?:\.\d+)+|\bP[A-K]\d+\b"
    r"|\bJP\d+\b|\bGPIO\d+\b|\bAF\d+\b|\bGND\b|\bSDA\b|\bSCL\b"
)


def conv(*turns: tuple[str, str]) -> Conversation:
    return Conversation("t.txt", "line 1", [Turn(r, t) for r, t in turns], "txt")


# --- product names -------------------------------------------------------------------------

def test_finds_part_numbers_and_model_names_in_order():
    text = ("We moved from an ESP32-S3 to an STM32F407 and a W7500P, then tried an nRF52840. "
            "Training ran on an RTX 4090 with gpt-4o-mini and GPT-3.5-turbo on a Raspberry Pi.")
    assert find_products(text) == ["ESP32-S3", "STM32F407", "W7500P", "nRF52840", "RTX 4090",
                                   "gpt-4o-mini", "GPT-3.5-turbo"]


def test_brand_word_is_merged_with_the_model_number():
    assert find_products("Does the Vela RX60 support OpenCL 3.0?") == ["Vela RX60"]
    assert find_products("Use the dhcp client from the HexaNet HN5500 driver.") == [
        "HexaNet HN5500"]
    # a later branded mention names the product everywhere; a bare sibling stays bare
    assert find_products("My RX60 flickers. Vela RX60 and RX40 share a driver.") == [
        "Vela RX60", "RX40"]


def test_sentence_words_are_not_brands():
    text = ("Does W5500 work? My TB-32 resets. Our NX-2 drops. Updating NX-2 fails. "
            "With STM32F407 it is fine. Hold BOOT on TB-32 and Kite IDE.")
    assert find_products(text) == ["W5500", "TB-32", "NX-2", "STM32F407"]


def test_model_spellings_are_deduplicated():
    text = "How can I read the NX-2 version? The reply is \"NX2 v3.2.1\"; nx-2 modules agree."
    assert find_products(text) == ["NX-2"]
    # revisions stay distinct products
    assert find_products("the NX-2A image on an NX-2B") == ["NX-2A", "NX-2B"]


def test_units_versions_and_pins_are_not_products():
    text = ("In STOP mode the TB-32 draws 1.8 mA instead of 20 uA; cut JP3 and power the 3V3 pin. "
            "SPI runs at 33 MHz, UDP at 2 Mbit/s and 100Mbps, 2 KB of RAM, firmware v3.2.1 "
            "or 1.4.2, pins PA11/PA12 and PB3, GPIO12, UART2 on AF7, wires SDA, SCL, GND, "
            "erratum E-07, PCIe Gen3, error 0x1F, run `hexaflash --target hn5500-config`.")
    assert find_products(text) == ["TB-32"]


def test_generic_words_are_not_products():
    text = ("My TB-32 board is not detected on Windows 11; the Kite IDE and the Ethernet LEDs "
            "and OpenCL 3.0 and the DisplayPort cable are fine.")
    assert find_products(text) == ["TB-32"]


def test_products_next_to_hangul_and_not_protocol_noise():
    assert find_products("W5500에서 DHCP가 안 됩니다") == ["W5500"]
    assert find_products("Vela RX60 드라이버를 설치하면 오류가 납니다") == ["Vela RX60"]
    assert find_products("Port 8080 returns HTTP 500 over IPv4 with UTF-8 in step1.") == []


# --- language and shape --------------------------------------------------------------------

def test_language_detection():
    assert is_korean("W5500에서 DHCP 임대가 만료되면 소켓을 다시 열어야 하나요?")
    assert not is_korean("My W5500 loses the DHCP lease; 감사 anyway")


def test_english_summary_names_topic_and_product():
    line = summarise(conv(
        ("customer", "Can the HexaNet HN5500 get its IP address by DHCP?"),
        ("engineer", "Yes, DHCP runs on the MCU with the HexaNet driver."),
        ("customer", "How long does the DHCP lease renewal take?"),
        ("engineer", "Renewal is one request and ack, under 50 ms."),
    ))
    assert line.startswith("This conversation is about ")
    assert "DHCP lease renewal" in line
    assert line.endswith(" on the HexaNet HN5500.")


def test_korean_summary_in_korean_with_particles_stripped():
    line = summarise(conv(
        ("customer", "HN5500 칩의 소비 전류는 어느 정도인가요?"),
        ("engineer", "100Mbps 링크 상태에서 약 130mA, 전원 절약 모드에서는 약 15mA입니다."),
    ))
    assert line.startswith("이 대화는 HN5500의 ") and line.endswith("상담입니다.")
    assert "소비 전류" in line
    for leftover in ("칩의", "전류는", "mA", "Mbps"):
        assert leftover not in line


def test_korean_particles_only_where_grammar_allows():
    # 이 after a vowel is part of the word (와이파이), after a final consonant a particle (모듈이)
    line = summarise_text("와이파이 모듈이 끊깁니다. 와이파이 설정도 지워지나요? "
                          "와이파이 모듈의 설정")
    assert "와이파이" in line and "와이파" + "의" not in line
    assert "모듈이" not in line and "설정도" not in line


def test_korean_topic_from_verbal_noun():
    line = summarise(conv(
        ("customer", "ESP32-S3 보드에 펌웨어 업로드가 계속 실패합니다. 어떻게 해야 하나요?"),
        ("engineer", "BOOT 버튼을 누른 채로 RESET 버튼을 눌러 다운로드 모드로 들어간 뒤 다시 "
                     "업로드해 보세요."),
    ))
    assert line.startswith("이 대화는 ESP32-S3의 ")
    assert "펌웨어 업로드" in line


def test_no_products_still_names_the_topic():
    line = summarise_text("How do I renew the DHCP lease? The DHCP lease expires after a day.")
    assert line.startswith("This conversation is about ") and "DHCP lease" in line
    assert " on the " not in line
    ko = summarise_text("DHCP 임대 갱신은 언제 하나요? 임대 시간이 짧습니다.")
    assert ko.startswith("이 대화는 DHCP 임대") and ko.endswith("에 관한 상담입니다.")


def test_summary_is_one_bounded_line():
    long_text = "\n".join(f"Part X{n}00 fails with W{n}500 and ESP{n}2-S3 here."
                          for n in range(1, 60))
    conversation = conv(("customer", long_text), ("engineer", "Replace\nit."))
    line = summarise(conversation)
    assert "\n" not in line and len(line) <= MAX_SUMMARY_CHARS
    assert "X100" in line
    # at most three products are named
    assert "X400" not in line


def test_summary_without_anything_recognisable():
    assert summarise_text("Hello, thanks!") == "Customer support conversation."
    assert summarise_text("안녕하세요 감사합니다") == "고객 지원 상담입니다."
    assert summarise(conv()) == "Customer support conversation."


def test_summary_is_deterministic():
    turns = [("customer", "Our NX-2 module fails the OTA update with the wrong image."),
             ("engineer", "Flash the NX-2B OTA image instead.")]
    assert len({summarise(conv(*turns)) for _ in range(5)}) == 1


# --- the bundled samples -------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_conversations(tmp_path_factory) -> list[Conversation]:
    from reviewer import db as dbmod

    database = dbmod.connect(tmp_path_factory.mktemp("samples") / "s.db")
    try:
        report = import_paths(database, sorted(SAMPLES.iterdir()))
        assert report.imported >= 20
        rows = database.execute("SELECT * FROM conversations ORDER BY source, locator")
        columns = [c[0] for c in rows.description]
        return [conversation_from_row(dict(zip(columns, row, strict=True))) for row in rows]
    finally:
        database.close()


def test_every_sample_summary_is_clean(sample_conversations):
    for conversation in sample_conversations:
        line = summarise(conversation)
        where = f"{conversation.source} {conversation.locator}: {line}"
        assert "\n" not in line and 0 < len(line) <= MAX_SUMMARY_CHARS, where
        assert bool(HANGUL.search(line)) == is_korean(conversation.text), where
        assert not NOISE.search(line), where
        assert not re.search(r"[\uac00-\ud7a3](?:의|는|를|을|가)에 관한", line), where
        assert "Vela, RX60" not in line and "NX-2, NX2" not in line, where


def _by_question(conversations: list[Conversation], start: str) -> Conversation:
    return next(c for c in conversations
                if any(t.text.startswith(start) for t in c.turns if t.role == "customer"))


@pytest.mark.parametrize(("question", "products", "words", "absent"), [
    ("In STOP mode the TB-32", ["TB-32"], ["STOP"], ["JP3", "mA", "uA"]),
    ("The HN5500 ping replies stop", ["HN5500"], ["UDP", "SPI"], ["Mbit", "MHz"]),
    ("Which power connectors", ["Vela RX60"], ["power"], ["Vela, RX60"]),
    ("After my PC resumes", ["Vela RX60", "RX40"], ["DisplayPort"], ["PC "]),
    ("How can I read the firmware version", ["NX-2"], ["firmware version"], ["NX2", "v3.2.1"]),
    ("Can the HN5500 get its IP address", ["HN5500"], ["DHCP lease renewal"], ["HexaNet"]),
    ("HN5500 칩의 소비 전류는", ["HN5500"], ["소비 전류"], ["칩의"]),
    ("TB-32에 I2C 온습도 센서를", ["TB-32"], ["I2C"], ["Fast", "GND", "SDA"]),
    ("Vela RX60 드라이버를 설치하면", ["Vela RX60"], ["드라이버"], ["Cleanup", "Gen3"]),
])
def test_sample_summaries(sample_conversations, question, products, words, absent):
    conversation = _by_question(sample_conversations, question)
    line = summarise(conversation)
    assert find_products(conversation.text) == products, line
    for word in [*products, *words]:
        assert word in line, line
    for word in absent:
        assert word not in line, line


def test_very_long_conversation_still_gives_one_bounded_line():
    # (Speed is not asserted here; a quadratic scan once made this size take minutes.)
    chunk = "The W5500 loses its DHCP lease on the HexaNet HN5500 at 33 MHz. 모듈이 끊깁니다. "
    text = chunk * 5000  # about 400,000 characters per turn
    line = summarise(conv(("customer", text), ("engineer", text)))
    assert "HexaNet HN5500" in line and len(line) <= MAX_SUMMARY_CHARS
    assert "\n" not in line
