from reviewer.models import Conversation, Turn
from reviewer.splitting.summary import (
    MAX_SUMMARY_CHARS,
    find_products,
    is_korean,
    summarise,
    summarise_text,
)


def test_finds_part_numbers_and_model_names_in_order():
    text = ("We moved from an ESP32-S3 to an STM32F407 and a W7500P, then tried an nRF52840. "
            "Training ran on an RTX 4090 with gpt-4o-mini and GPT-3.5-turbo on a Raspberry Pi.")
    assert find_products(text) == ["ESP32-S3", "STM32F407", "W7500P", "nRF52840", "RTX 4090",
                                   "gpt-4o-mini", "GPT-3.5-turbo", "Raspberry Pi"]


def test_products_next_to_hangul_and_not_protocol_noise():
    assert find_products("W5500에서 DHCP가 안 됩니다") == ["W5500"]
    assert find_products("Port 8080 returns HTTP 500 over IPv4 with UTF-8 in step1.") == []


def test_language_detection():
    assert is_korean("W5500에서 DHCP 임대가 만료되면 소켓을 다시 열어야 하나요?")
    assert not is_korean("My W5500 loses the DHCP lease; 감사 anyway")


def test_english_summary_names_topic_and_product():
    line = summarise_text("My W5500 loses its DHCP lease. The DHCP lease renew fails.")
    assert line.startswith("This conversation is about DHCP")
    assert line.endswith("on the W5500.")


def test_korean_summary_in_korean():
    line = summarise_text("W5500에서 DHCP 임대가 만료되면 어떻게 되나요? 임대 갱신은요?")
    assert line == "이 대화는 W5500의 DHCP, 임대에 관한 내용입니다."


def test_summary_is_one_bounded_line():
    long_text = "\n".join(f"Part X{n}00 fails with W{n}500 and ESP{n}2-S3 here."
                          for n in range(1, 60))
    conversation = Conversation("f", "line 1", [Turn("customer", long_text),
                                                Turn("engineer", "Replace\nit.")], "txt")
    line = summarise(conversation)
    assert "\n" not in line and len(line) <= MAX_SUMMARY_CHARS
    assert "X100" in line


def test_summary_without_anything_recognisable():
    assert summarise_text("Hello, thanks!") == "This conversation is a customer support exchange."
    assert summarise_text("안녕하세요 감사합니다") == "고객 지원 문의에 관한 대화입니다."
