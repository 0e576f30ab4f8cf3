"""IRC-style logs: staff roles, system lines, gap splitting across midnight, Korean nicks and
text, lines that do not parse."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reviewer.importing.irclog import irc_log_options, read_irc_log
from reviewer.importing.report import Rejection
from reviewer.models import Conversation

LOGS = Path(__file__).parent / "chatlogs"


def read_file(name: str, **options) -> list:
    with open(LOGS / name, encoding="utf-8") as stream:
        return list(read_irc_log(stream, name, options))


def read_text(text: str, **options) -> list:
    return list(read_irc_log(io.StringIO(text), "chat.log", options))


def conversations(items: list) -> list[Conversation]:
    return [item for item in items if isinstance(item, Conversation)]


def test_one_conversation_per_file_with_staff_roles():
    (conv,) = read_file("support_en.log", staff=["Alice", "dave"])
    assert conv.locator == "line 3" and conv.fmt == "irc"
    assert [(t.role, t.speaker) for t in conv.turns][:4] == [
        ("customer", "bob"), ("engineer", "alice"), ("customer", "bob"), ("engineer", "alice"),
    ]
    assert {t.speaker for t in conv.turns if t.role == "engineer"} == {"alice", "dave"}
    # Consecutive lines of one nick are one turn; the indented line continues alice's turn.
    assert conv.turns[0].text == ("hi, my HN5500 board drops its link after about an hour\n"
                                  "it comes back after a reset")
    assert conv.turns[3].text.endswith("\nthe image is on the downloads page under HN5500")
    assert conv.turns[4].text.startswith("* bob flashes the board\n")
    assert conv.turns[0].timestamp == "22:58"
    assert not any("joined" in t.text or "quit" in t.text.lower() for t in conv.turns)


def test_gap_split_across_midnight():
    first, second = conversations(read_file("support_en.log", staff="alice,dave",
                                            gap_minutes=60))
    # 23:58 → 00:04 is six minutes, not a step back of a day: bob's thread stays whole.
    assert [t.timestamp for t in first.turns][-2:] == ["00:04", "00:05"]
    assert second.locator == "line 15"
    assert [(t.role, t.speaker) for t in second.turns] == [
        ("customer", "carol"), ("engineer", "dave"), ("customer", "carol"),
    ]
    # A shorter gap also cuts at bob's 53 quiet minutes.
    assert len(conversations(read_file("support_en.log", staff=["alice"], gap_minutes=30))) == 3


def test_day_changed_line_and_dated_timestamps_count_whole_days():
    text = ("[10:00] <bob> is the HN5500 in stock?\n"
            "--- Day changed Wed Mar 06 2024\n"
            "[10:30] <alice> yes, since Monday\n")
    assert len(conversations(read_text(text, staff=["alice"], gap_minutes=120))) == 2
    dated = ("[2024-03-05 10:00] <bob> is the HN5500 in stock?\n"
             "[2024-03-06 10:30] <alice> yes\n"
             "[2024-03-06 10:31] <bob> thanks\n")
    first, second = conversations(read_text(dated, staff=["alice"], gap_minutes=120))
    assert [t.speaker for t in second.turns] == ["alice", "bob"]
    assert second.turns[0].timestamp == "2024-03-06 10:30"


def test_small_step_back_in_time_is_not_midnight():
    text = "[10:05] <bob> hello\n[10:04] <alice> hi bob\n[10:06] <bob> question\n"
    (conv,) = conversations(read_text(text, staff=["alice"], gap_minutes=5))
    assert [t.speaker for t in conv.turns] == ["bob", "alice", "bob"]


def test_korean_nicks_text_actions_and_a_broken_line():
    items = read_file("support_ko.log", staff=["상담원_지영"], gap_minutes=10)
    rejections = [item for item in items if isinstance(item, Rejection)]
    assert [(r.locator, r.rule) for r in rejections] == [("line 7", "unparsed_line")]
    assert "09:02:xx" in rejections[0].reason
    first, second = conversations(items)
    assert [(t.role, t.speaker) for t in first.turns] == [
        ("customer", "김민수"), ("engineer", "상담원_지영"), ("customer", "김민수"),
        ("engineer", "상담원_지영"), ("customer", "김민수"),
    ]
    assert first.turns[0].text == "드라이버 설치가 안 됩니다\n윈도우 11 입니다"
    assert first.turns[3].timestamp == "09:02:10"  # a bare hh:mm:ss works too
    assert first.turns[4].text == "* 김민수 재부팅합니다"
    assert not any("입장" in t.text for t in first.turns)  # the join line was skipped
    assert second.turns[0].text == "해결됐습니다, 감사합니다"


def test_lines_that_do_not_parse_are_named():
    text = ("stray text before anything\n"
            "<bob> hi\n"
            "a wrapped line\n"
            "[10:01] bob said something without brackets\n"
            "[25:61] <bob> not a time\n"
            "[10:02] <alice> hello\n")
    items = read_text(text, staff=["alice"])
    assert [(r.locator, r.rule) for r in items if isinstance(r, Rejection)] == [
        ("line 1", "unparsed_line"), ("line 4", "unparsed_line"), ("line 5", "unparsed_line"),
    ]
    (conv,) = conversations(items)
    assert [(t.speaker, t.text) for t in conv.turns] == [("bob", "hi\na wrapped line"),
                                                         ("alice", "hello")]


def test_untimed_star_line_in_a_timed_log_is_pasted_text():
    text = ("[10:01] <bob> my config:\n"
            "* speed 1000\n"
            "[10:02] * bob waits\n")
    (conv,) = read_text(text)
    assert [(t.speaker, t.text) for t in conv.turns] == [
        ("bob", "my config:\n* speed 1000\n* bob waits")]
    (conv,) = read_text("<bob> hi\n* carol waves\n")  # no timestamps at all: an action
    assert [(t.speaker, t.text) for t in conv.turns] == [("bob", "hi"),
                                                         ("carol", "* carol waves")]


def test_system_lines_of_several_clients_are_skipped():
    text = ("Session Start: Tue Mar 05 10:00:00 2024\n"
            "[10:00] * Now talking in #support\n"
            "[10:00] * Joins: bob (~bob@host)\n"
            "[10:00] *** carol has joined #support\n"
            "10:00 --> dave has joined\n"
            "[10:00] * bob is now known as bobby\n"
            "[10:01] < bobby> my board hangs\n"
            "[10:02] <+alice> update it\n"
            "[10:03] * carol has quit (Ping timeout)\n")
    items = read_text(text, staff=["alice"])
    (conv,) = items
    assert [(t.role, t.speaker, t.text) for t in conv.turns] == [
        ("customer", "bobby", "my board hangs"), ("engineer", "alice", "update it"),
    ]


def test_without_staff_two_speakers_are_customer_then_engineer():
    (conv,) = read_text("<bob> it hangs\n<alice> update it\n")
    assert [t.role for t in conv.turns] == ["customer", "engineer"]
    (conv,) = read_text("<bob> a\n<alice> b\n<carol> c\n")
    assert {t.role for t in conv.turns} == {"unknown"}
    (conv,) = read_text("<bob> a\n<alice> b\n<carol> c\n", roles={"alice": "engineer"})
    assert [t.role for t in conv.turns] == ["unknown", "engineer", "unknown"]


def test_options_are_checked():
    assert irc_log_options({}).gap_seconds is None
    assert irc_log_options({"gap_minutes": 1.5}).gap_seconds == 90
    for bad in ({"gap_minutes": 0}, {"gap_minutes": "10"}, {"gap_minutes": True},
                {"gap": 10}, {"roles": ["alice"]}):
        with pytest.raises(ValueError):
            irc_log_options(bad)
