"""Reply-graph CSVs (Customer Support on Twitter shape): threads rebuilt from reply ids,
branches, orphans, cycles, bad rows named by row, column names from options, streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewer.importing.errors import FileRejected
from reviewer.importing.replygraph import normalise_id, read_reply_graph, reply_graph_options
from reviewer.importing.report import Rejection
from reviewer.models import Conversation

SAMPLES = Path(__file__).parent / "chatlogs"
HEADER = ("tweet_id,author_id,inbound,text,created_at,response_tweet_id,"
          "in_response_to_tweet_id\n")


def read_file(name: str, **options) -> list:
    with open(SAMPLES / name, encoding="utf-8", newline="") as stream:
        return list(read_reply_graph(stream, name, options))


def read_text(text: str, **options) -> list:
    return list(read_reply_graph(io.StringIO(text), "t.csv", options))


def conversations(items: list) -> list[Conversation]:
    return [item for item in items if isinstance(item, Conversation)]


def rejections(items: list) -> list[tuple[str, str]]:
    return [(r.locator, r.rule) for r in items if isinstance(r, Rejection)]


def test_thread_rebuilt_in_time_order_with_branches():
    (conv,) = conversations(read_file("tweets_en.csv"))
    assert (conv.locator, conv.external_id, conv.fmt) == ("row 3", "2", "reply-graph")
    # The engineer's first reply is the file's first row; time order puts the root first.
    assert [(t.role, t.speaker) for t in conv.turns] == [
        ("customer", "cust_amy"), ("engineer", "HNSupport"), ("customer", "cust_amy"),
        ("engineer", "HNSupport"), ("engineer", "HNSupport"), ("customer", "cust_amy"),
    ]
    assert conv.turns[0].timestamp == "Tue Oct 31 22:10:47 +0000 2017"
    assert conv.turns[5].text.endswith("Stable since. Thanks!")


def test_every_bad_row_is_named():
    assert rejections(read_file("tweets_en.csv")) == [
        ("row 8", "single_tweet"), ("row 11", "reply_cycle"), ("row 13", "bad_id"),
        ("row 14", "bad_inbound"), ("row 15", "reply_to_rejected"), ("row 16", "duplicate_id"),
        ("row 9", "orphan"),
    ]
    by_rule = {r.rule: r.reason for r in read_file("tweets_en.csv") if isinstance(r, Rejection)}
    assert "30 (row 11) → 31 (row 12) → 30 (row 11)" in by_rule["reply_cycle"]
    assert "'1.2E+18'" in by_rule["bad_id"]
    assert "tweet 19, which is not in the file" in by_rule["orphan"]


def test_one_conversation_per_path():
    items = read_file("tweets_en.csv", branches="paths")
    first, second = conversations(items)
    assert first.external_id == "2/4" and second.external_id == "2/6"
    assert first.turns[:3] == second.turns[:3]  # the shared start repeats
    assert [t.role for t in first.turns] == ["customer", "engineer", "customer", "engineer"]
    assert [t.role for t in second.turns] == ["customer", "engineer", "customer", "engineer",
                                              "customer"]
    assert second.turns[3].text.startswith("@cust_amy Also check the cable")


def test_orphans_can_start_threads():
    items = read_file("tweets_en.csv", orphans="root")
    orphan = next(c for c in conversations(items) if c.external_id == "20")
    assert [t.role for t in orphan.turns] == ["customer", "engineer"]
    assert orphan.meta["replies_to_missing"] == "19"
    assert ("row 9", "orphan") not in rejections(items)


def test_korean_thread_with_float_ids_and_iso_times():
    (conv,) = read_file("tweets_ko.csv")
    assert conv.external_id == "100"
    assert [(t.role, t.speaker) for t in conv.turns] == [
        ("customer", "고객_민수"), ("engineer", "HN고객센터"),
        ("customer", "고객_민수"), ("engineer", "HN고객센터"),
    ]
    assert conv.turns[3].text == "@고객_민수 1.3.1로 업데이트하시면 해결됩니다."


def test_column_names_from_options():
    text = ("id,user,from_customer,body,sent,replies,reply_to\n"
            "7,ann,true,my fan is loud,,8,\n"
            "8,support,false,clean the filter,,,7\n")
    columns = {"tweet_id": "id", "author_id": "user", "inbound": "from_customer",
               "text": "body", "created_at": "sent", "response_tweet_id": "replies",
               "in_response_to_tweet_id": "reply_to"}
    (conv,) = read_text(text, columns=columns)
    assert [(t.role, t.speaker, t.text) for t in conv.turns] == [
        ("customer", "ann", "my fan is loud"), ("engineer", "support", "clean the filter"),
    ]
    with pytest.raises(FileRejected, match="lacks column"):
        read_text(text)


def test_threads_are_emitted_when_complete_not_at_the_end():
    rows = [HEADER, "1,a,True,q1,,2,\n", "2,s,False,a1,,,1\n"]
    rows += [f"{n},x,True,filler {n},,,\n" for n in range(100, 110)]
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in rows:
            consumed += 1
            yield line

    class Stream(io.TextIOBase):
        def __init__(self) -> None:
            self._lines = lines()

        def readline(self, size: int = -1) -> str:
            return next(self._lines, "")

        def __next__(self) -> str:
            line = self.readline()
            if not line:
                raise StopIteration
            return line

    items = read_reply_graph(Stream(), "s.csv", {})
    first = next(items)
    assert isinstance(first, Conversation) and first.external_id == "1"
    assert consumed < len(rows)  # the thread came out before the file was read to the end


def test_children_before_parents_and_a_late_unlisted_reply():
    text = HEADER + ("3,s,False,second answer,,,1\n"
                     "2,s,False,first answer,,,1\n"
                     "1,c,True,question,,\"2,3\",\n"
                     "4,c,True,thanks (not listed by 3),,,3\n")
    items = read_text(text)
    (conv,) = conversations(items)
    # No times: the reply tree in file order.
    assert [t.text for t in conv.turns] == ["question", "second answer", "first answer"]
    assert rejections(items) == [("row 5", "late_reply")]


def test_without_a_response_column_threads_wait_for_the_end():
    text = ("tweet_id,author_id,inbound,text,created_at,in_response_to_tweet_id\n"
            "1,c,True,question,,\n"
            "2,s,False,answer,,1\n"
            "3,c,True,thanks,,2\n")
    (conv,) = read_text(text)
    assert [t.text for t in conv.turns] == ["question", "answer", "thanks"]


def test_garbled_reply_id_rejects_the_row_and_its_replies():
    text = HEADER + ("1,c,True,question,,2,\n"
                     "2,s,False,answer,,5,1x!\n"
                     "5,c,True,thanks,,,2\n")
    items = read_text(text)
    assert rejections(items) == [("row 3", "bad_id"), ("row 2", "single_tweet"),
                                 ("row 4", "reply_to_rejected")]


def test_ids_and_options():
    assert [normalise_id(v) for v in ("123.0", " 42 ", "", "1.2E+18", "a b", "abc-1")] == [
        "123", "42", "", None, None, "abc-1"]
    assert reply_graph_options({}).columns["tweet_id"] == "tweet_id"
    for bad in ({"branches": "all"}, {"orphans": "keep"}, {"columns": {"tweet": "id"}},
                {"columns": {"text": ""}}, {"colums": {}}, {"delimiter": ",,"}):
        with pytest.raises(ValueError):
            reply_graph_options(bad)
