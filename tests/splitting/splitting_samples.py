"""Conversation rows and sample turns for the splitting tests (imported by name)."""

from __future__ import annotations

from pathlib import Path

from reviewer.db import now_iso, opened
from reviewer.models import Conversation, Turn, turns_to_json


def store_conversation(db_path: Path, turns: list[tuple[str, str]], *, source: str = "t.txt",
                       locator: str = "line 1", status: str = "pending") -> str:
    """Insert one conversation row the way the importer does; returns its id."""
    conversation = Conversation(source, locator, [Turn(r, t) for r, t in turns], "txt")
    with opened(db_path) as db:
        db["conversations"].insert({
            "id": conversation.content_id(), "source": source, "locator": locator, "fmt": "txt",
            "title": "", "external_id": "", "text": conversation.text,
            "turns": turns_to_json(conversation.turns), "imported_at": now_iso(),
            "split_status": status,
        })
    return conversation.content_id()


EN_TURNS = [
    ("customer", "Hello, our W5500 board loses its DHCP lease after a day. Why does that happen?"),
    ("engineer", "The DHCP client must keep running: call DHCP_run() every second so the "
                 "W5500 renews the lease before it expires."),
    ("customer", "Does the W7500P need the same DHCP handling?"),
    ("engineer", "Yes, the W7500P uses the same DHCP client code, so keep calling it there too."),
]
KO_TURNS = [
    ("customer", "ESP32-S3 보드에 펌웨어 업로드가 계속 실패합니다. 어떻게 해야 하나요?"),
    ("engineer", "BOOT 버튼을 누른 채로 RESET 버튼을 눌러 다운로드 모드로 들어간 뒤 다시 "
                 "업로드해 보세요."),
]
