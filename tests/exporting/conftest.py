"""Fixtures for export tests: conversations and pairs written straight into the DB."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence

import pytest

from reviewer.db import now_iso
from reviewer.review import store


def _add_conversation(db, conversation_id: str) -> None:
    db["conversations"].insert(
        {
            "id": conversation_id,
            "source": "seed.txt",
            "locator": "line 1",
            "fmt": "txt",
            "title": conversation_id,
            "external_id": "",
            "text": f"Customer: about {conversation_id}",
            "turns": json.dumps([]),
            "imported_at": now_iso(),
            "split_status": "split",
        },
        ignore=True,
    )


def add_pairs(
    db,
    conversation_id: str,
    rows: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    status: str = "approved",
    system: str | None = None,
    start: int = 0,
) -> list[int]:
    """Insert pairs (question, answer[, status]) into one conversation; returns their ids."""
    _add_conversation(db, conversation_id)
    summary = system if system is not None else f"Support chat about {conversation_id}."
    return store.add_pairs(db, [
        store.NewPair(conversation_id, summary, row[0], row[1], position=start + offset,
                      status=row[2] if len(row) > 2 else status, origin="rules")
        for offset, row in enumerate(rows)
    ], who="seed")


TOPICS = [
    ("router", "How do I reset the W5500 router to factory settings?",
     "Hold the reset button for ten seconds until the LED blinks twice."),
    ("firmware", "Where can I download firmware 2.3 for the gateway?",
     "It is on the downloads page under Gateways, version 2.3.1."),
    ("dhcp", "Why does my board not get an address over DHCP?",
     "Check that the MAC address is set before calling the DHCP client start routine."),
    ("korean", "W5100S 칩에서 소켓이 자꾸 끊어집니다. 왜 그런가요?",
     "Keep-alive 타이머를 설정하고 펌웨어를 최신 버전으로 올려 주세요."),
    ("spi", "What SPI clock speed does the module support?",
     "Up to 80 MHz in theory; we recommend 33 MHz on long traces."),
    ("power", "The chip gets hot at idle, is that normal?",
     "No. Measure the supply voltage; above 3.6 V the regulator overheats."),
    ("mqtt", "Can the module talk to an MQTT broker over TLS?",
     "Yes, with the TLS offload firmware and a broker certificate loaded in flash."),
    ("pinout", "Which pin is the interrupt output on the QFN package?",
     "Pin 56 is INTn; it is active low and needs a pull-up."),
    ("license", "Is the driver code licensed for commercial use?",
     "Yes, it is released under the MIT license, commercial use included."),
    ("한글", "설정 화면에 접속이 안 됩니다. 기본 IP 주소가 무엇인가요?",
     "기본 주소는 192.168.11.2 이고, PC를 같은 대역으로 맞춘 뒤 접속하세요."),
    ("udp", "How many UDP sockets can be open at once?",
     "Eight hardware sockets are available, shared between TCP and UDP."),
    ("sleep", "Does the chip have a low power sleep mode?",
     "Yes, set the power-down bit in PHYCFGR to enter the low power mode."),
]


_WORD_TEXT = (
    "antenna buffer cable driver ethernet flash gateway header interrupt jumper kernel "
    "latency module network offset packet queue register socket timer uart voltage "
    "watchdog xtal yield zone 소켓 전원 펌웨어 드라이버 설정 주소 통신 보드 칩 모듈"
)
WORDS = _WORD_TEXT.split()


def _distinct_text(index: int, part: int, kind: str) -> str:
    rng = random.Random(f"{kind}-{index}-{part}")
    return " ".join(rng.choice(WORDS) for _ in range(14)) + f" #{index}.{part}"


def seed_conversations(db, count: int = 12, *, pairs_per_conversation: int = 1) -> dict:
    """`count` conversations with distinct content; returns {conversation_id: [pair ids]}."""
    made: dict[str, list[int]] = {}
    for index in range(count):
        conversation_id = f"conv-{index:03d}"
        topic = TOPICS[index][0] if index < len(TOPICS) else f"topic {index}"
        rows = []
        for part in range(pairs_per_conversation):
            if index < len(TOPICS) and part == 0:
                _topic, question, answer = TOPICS[index]
            else:
                question = _distinct_text(index, part, "q") + "?"
                answer = _distinct_text(index, part, "a") + "."
            rows.append((question, answer))
        made[conversation_id] = add_pairs(
            db, conversation_id, rows, system=f"Support chat about the {topic}."
        )
    return made


@pytest.fixture
def seed() -> Callable[..., dict]:
    return seed_conversations


@pytest.fixture
def pairs_adder() -> Callable[..., list[int]]:
    return add_pairs
