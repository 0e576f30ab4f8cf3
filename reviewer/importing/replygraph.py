"""Reply-graph CSVs (one tweet or message per row, linked by reply ids) → threads.

The shape of the Customer Support on Twitter corpus: ``tweet_id, author_id, inbound, text,
created_at, response_tweet_id, in_response_to_tweet_id``. Other names for these columns come
through ``options["columns"]`` (``{"tweet_id": "message_id", ...}``).

Threads: a tweet replies to ``in_response_to_tweet_id`` (or, when that is empty, to a tweet
whose ``response_tweet_id`` lists it). A root replies to nothing. Every root gives one
conversation holding its whole reply tree — branches included — with the turns in time
order (file order when a time does not parse), each tweet once; ``options["branches"] =
"paths"`` gives one conversation per root-to-leaf path instead (shared first turns repeat).
``inbound`` true is the customer, false the engineer; the speaker is ``author_id``; the
timestamp is ``created_at`` as written; the conversation's id is the root's tweet id.

Rejected, each named by its row: rows whose id or reply id is missing or garbled
(``bad_id``; ``1.2E+18`` from a spreadsheet is garbled, ``123.0`` is read as ``123``), an
``inbound`` that is not true/false (``bad_inbound``), a tweet id seen before
(``duplicate_id``), threads whose replies form a cycle (``reply_cycle``), replies to a rejected
tweet (``reply_to_rejected``), a tweet alone with no reply (``single_tweet``), and orphans —
threads whose first tweet replies to a tweet not in the file (``orphan``; with
``options["orphans"] = "root"`` they are imported from that tweet on).

Memory: the file is read once. A thread is held (its rows, text included) until it is
complete — its root has arrived and every id in its tweets' ``response_tweet_id`` has been
seen — and then emitted and released, leaving only its ids (roughly 100 bytes a tweet) to
recognise later rows. Threads that never complete (replies listed but not in the file,
orphans, and every thread when there is no ``response_tweet_id`` column) are held until the
end of the file. A reply whose row comes after its thread was emitted although its parent did
not list it is rejected (``late_reply``).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TextIO

from ..models import Conversation, Turn
from .csvfile import _LineFeed, _rows, _sniff_delimiter
from .errors import FileRejected
from .report import Rejection
from .speakers import CUSTOMER, ENGINEER

FMT = "reply-graph"
COLUMNS = ("tweet_id", "author_id", "inbound", "text", "created_at", "response_tweet_id",
           "in_response_to_tweet_id")
REQUIRED = ("tweet_id", "inbound", "text", "in_response_to_tweet_id")
OPTION_NAMES = ("columns", "branches", "orphans", "delimiter")

_ID = re.compile(r"^[0-9A-Za-z_\-:]{1,64}$")
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")  # pandas writes integer ids with gaps as 123.0
_ID_LIST = re.compile(r"[,;\s]+")
_TRUE = frozenset({"true", "t", "1", "yes", "y"})
_FALSE = frozenset({"false", "f", "0", "no", "n"})
_TWITTER_TIME = re.compile(  # Tue Oct 31 22:10:47 +0000 2017 (strptime is 10x slower)
    r"^[A-Za-z]{3} (?P<mon>[A-Za-z]{3}) (?P<d>\d{1,2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) "
    r"(?P<sign>[+-])(?P<oh>\d{2})(?P<om>\d{2}) (?P<y>\d{4})$"
)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


@dataclass(frozen=True, slots=True)
class ReplyGraphOptions:
    columns: Mapping[str, str]
    branches: str = "tree"
    orphans: str = "reject"
    delimiter: str | None = None


def reply_graph_options(options: Mapping[str, Any]) -> ReplyGraphOptions:
    """Checked options; ValueError names the first bad one."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ValueError(f"unknown reply-graph option(s) {', '.join(unknown)}; "
                         f"known: {', '.join(OPTION_NAMES)}")
    columns = dict(options.get("columns") or {})
    bad = sorted(set(columns) - set(COLUMNS))
    if bad:
        raise ValueError(f"columns: unknown column(s) {', '.join(bad)}; "
                         f"known: {', '.join(COLUMNS)}")
    if not all(isinstance(v, str) and v.strip() for v in columns.values()):
        raise ValueError("columns: each column name must be a non-empty string")
    branches = options.get("branches", "tree")
    if branches not in ("tree", "paths"):
        raise ValueError(f"branches must be 'tree' or 'paths', got {branches!r}")
    orphans = options.get("orphans", "reject")
    if orphans not in ("reject", "root"):
        raise ValueError(f"orphans must be 'reject' or 'root', got {orphans!r}")
    delimiter = options.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    names = {name: columns.get(name, name) for name in COLUMNS}
    return ReplyGraphOptions(names, branches, orphans, delimiter)


class _Tweet:
    __slots__ = ("row", "id", "parent_id", "author", "inbound", "text", "created", "seq",
                 "up", "children", "pending")

    def __init__(self, row: int, tweet_id: str, parent_id: str | None, author: str,
                 inbound: bool, text: str, created: str, seq: int):
        self.row, self.id, self.parent_id = row, tweet_id, parent_id
        self.author, self.inbound, self.text, self.created = author, inbound, text, created
        self.seq = seq
        self.up: _Tweet | None = None
        self.children: list[_Tweet] = []
        self.pending = 0  # on a thread's top tweet: listed replies not seen yet

    def top(self) -> _Tweet:
        node = self
        while node.up is not None:
            node = node.up
        return node

    def subtree(self) -> list[_Tweet]:
        """Pre-order, children in file order."""
        out, stack = [], [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(sorted(node.children, key=lambda c: c.seq, reverse=True))
        return out


def read_reply_graph(stream: TextIO, source: str, options: dict
                     ) -> Iterator[Conversation | Rejection]:
    """Stream conversations (and rejections) from a reply-graph CSV."""
    settings = reply_graph_options(options)
    first = stream.readline()
    delimiter = settings.delimiter or _sniff_delimiter(first)
    feed = _LineFeed(itertools.chain([first], stream))
    try:
        header = [h.lstrip("\ufeff").strip() for h in next(csv.reader(feed,
                                                                       delimiter=delimiter))]
    except StopIteration:
        raise FileRejected("file has no header row", rule="bad_header") from None
    except csv.Error as exc:
        raise FileRejected(f"row 1: {exc}", rule="bad_header") from exc
    index = _column_index(header, settings.columns)
    threads = _Threads(source, settings, early=index["response_tweet_id"] is not None)
    for number, cells, problem in _rows(feed, delimiter):
        if cells is None:
            rule, message = problem or ("malformed_row", "malformed CSV row")
            yield Rejection(source, f"row {number}", message, rule)
            continue
        if not any(c.strip() for c in cells):
            continue
        yield from threads.add_row(number, cells, index)
    yield from threads.finish()


def _column_index(header: list[str], names: Mapping[str, str]) -> dict[str, int | None]:
    folded = {h.lower(): i for i, h in reversed(list(enumerate(header)))}
    index = {key: folded.get(name.strip().lower()) for key, name in names.items()}
    missing = [names[key] for key in REQUIRED if index[key] is None]
    if missing:
        raise FileRejected(
            f"reply-graph CSV lacks column(s) {', '.join(missing)}; found: "
            + ", ".join(header[:10]), rule="bad_header")
    return index


def _cell(cells: list[str], column: int | None) -> str:
    return cells[column].strip() if column is not None and column < len(cells) else ""


def normalise_id(raw: str) -> str | None:
    """The id as text, ``""`` when empty, None when garbled."""
    value = raw.strip()
    if not value:
        return ""
    whole = _FLOAT_ID.match(value)
    if whole:
        return whole[1]
    return value if _ID.match(value) else None


class _Threads:
    """The threads still being read, and the ids of those already emitted or rejected."""

    def __init__(self, source: str, settings: ReplyGraphOptions, *, early: bool):
        self.source = source
        self.settings = settings
        self.early = early  # emit a thread as soon as it is complete
        self.held: dict[str, _Tweet] = {}
        self.finished: dict[str, bool] = {}  # id → emitted (True) or rejected (False)
        self.expected_by: dict[str, str] = {}  # listed reply id → the tweet listing it
        self.waiting: dict[str, list[_Tweet]] = {}  # parent id not seen yet → its replies
        self.seq = 0

    # Reading rows ----------------------------------------------------------------------

    def add_row(self, number: int, cells: list[str], index: dict[str, int | None]
                ) -> Iterator[Conversation | Rejection]:
        where = f"row {number}"
        raw_id = _cell(cells, index["tweet_id"])
        tweet_id = normalise_id(raw_id)
        if not tweet_id:
            what = "missing" if tweet_id == "" else f"garbled ({raw_id[:40]!r})"
            yield Rejection(self.source, where, f"tweet id {what}", "bad_id")
            return
        if tweet_id in self.held or tweet_id in self.finished:
            yield Rejection(self.source, where, f"tweet {tweet_id} appears twice",
                            "duplicate_id")
            return
        raw_parent = _cell(cells, index["in_response_to_tweet_id"])
        parent_id = normalise_id(raw_parent)
        inbound = _cell(cells, index["inbound"]).lower()
        problem = None
        if parent_id is None:
            problem = (f"reply id garbled ({raw_parent[:40]!r})", "bad_id")
        elif inbound not in _TRUE and inbound not in _FALSE:
            problem = (f"inbound is {inbound[:20]!r}, not true or false", "bad_inbound")
        if problem is not None:
            yield Rejection(self.source, where, f"tweet {tweet_id}: {problem[0]}", problem[1])
            yield from self._gone(tweet_id, f"row {number}")
            return
        self.seq += 1
        tweet = _Tweet(number, tweet_id, parent_id or None, _cell(cells, index["author_id"]),
                       inbound in _TRUE, _cell(cells, index["text"]),
                       _cell(cells, index["created_at"]), self.seq)
        listed = [normalise_id(r) for r in
                  _ID_LIST.split(_cell(cells, index["response_tweet_id"]))]
        yield from self._add(tweet, [r for r in listed if r])

    def _add(self, tweet: _Tweet, listed: list[str]) -> Iterator[Conversation | Rejection]:
        lister_id = self.expected_by.pop(tweet.id, None)
        lister = self.held.get(lister_id) if lister_id is not None else None
        if tweet.parent_id is None and lister is not None:
            tweet.parent_id = lister.id
        self.held[tweet.id] = tweet
        for reply in listed:
            if reply != tweet.id and reply not in self.held and reply not in self.finished:
                self.expected_by[reply] = tweet.id
                tweet.pending += 1
        if lister is not None:
            lister.top().pending -= 1
        parent_id = tweet.parent_id
        if parent_id is not None and parent_id in self.finished:
            if self.finished[parent_id]:
                reason = (f"tweet {tweet.id} replies to tweet {parent_id}, whose thread was "
                          "already imported (that tweet's response_tweet_id did not list it)")
                rule = "late_reply"
            else:
                reason = f"tweet {tweet.id} replies to tweet {parent_id}, which was rejected"
                rule = "reply_to_rejected"
            yield from self._reject(tweet, reason, rule)
        elif parent_id is not None and parent_id in self.held:
            self._link(tweet, self.held[parent_id])
        elif parent_id is not None:
            self.waiting.setdefault(parent_id, []).append(tweet)
        for child in self.waiting.pop(tweet.id, []):
            if tweet.id not in self.held:
                yield from self._reject(child, f"tweet {child.id} replies to tweet {tweet.id}, "
                                        "which was rejected", "reply_to_rejected")
            elif tweet.top() is child:
                yield from self._reject(child, _cycle_reason(tweet, child), "reply_cycle")
            else:
                self._link(child, tweet)
        if lister is not None and lister.id in self.held:
            yield from self._emit_if_complete(lister.top())
        if tweet.id in self.held:
            yield from self._emit_if_complete(tweet.top())

    def _link(self, child: _Tweet, parent: _Tweet) -> None:
        child.up = parent
        parent.children.append(child)
        parent.top().pending += child.pending

    def _gone(self, tweet_id: str, where: str) -> Iterator[Conversation | Rejection]:
        """A row with a readable id was rejected: replies to it go too, and a thread waiting
        for it as a listed reply stops waiting."""
        self.finished[tweet_id] = False
        lister_id = self.expected_by.pop(tweet_id, None)
        if lister_id is not None and lister_id in self.held:
            top = self.held[lister_id].top()
            top.pending -= 1
            yield from self._emit_if_complete(top)
        for child in self.waiting.pop(tweet_id, []):
            yield from self._reject(child, f"tweet {child.id} replies to tweet {tweet_id}, "
                                    f"rejected at {where}", "reply_to_rejected")

    def _reject(self, top: _Tweet, reason: str, rule: str) -> Iterator[Rejection]:
        tweets = top.subtree()
        for tweet in tweets:
            self.held.pop(tweet.id, None)
            self.finished[tweet.id] = False
        if len(tweets) > 1:
            reason += f"; its thread of {len(tweets)} tweets was not imported"
        yield Rejection(self.source, f"row {top.row}", reason, rule)

    # Emitting threads ------------------------------------------------------------------

    def _emit_if_complete(self, top: _Tweet) -> Iterator[Conversation | Rejection]:
        if self.early and top.parent_id is None and top.pending <= 0:
            yield from self._emit(top)

    def _emit(self, top: _Tweet) -> Iterator[Conversation | Rejection]:
        tweets = top.subtree()
        for tweet in tweets:
            del self.held[tweet.id]
            self.finished[tweet.id] = True
        if len(tweets) < 2:
            yield Rejection(self.source, f"row {top.row}",
                            f"tweet {top.id} is alone: nothing replies to it", "single_tweet")
            return
        if self.settings.branches == "paths":
            leaves = [t for t in tweets if not t.children]
            for leaf in sorted(leaves, key=lambda t: t.seq):
                path = []
                node: _Tweet | None = leaf
                while node is not None:
                    path.append(node)
                    node = node.up
                path.reverse()
                external = top.id if len(leaves) == 1 else f"{top.id}/{leaf.id}"
                yield self._conversation(top, path, external)
        else:
            yield self._conversation(top, _time_order(tweets), top.id)

    def _conversation(self, top: _Tweet, tweets: list[_Tweet], external_id: str
                      ) -> Conversation:
        turns = [Turn(CUSTOMER if t.inbound else ENGINEER, t.text, t.author, t.created or None)
                 for t in tweets if t.text]
        meta = {"root_tweet": top.id, "tweets": len(tweets)}
        if top.parent_id is not None:
            meta["replies_to_missing"] = top.parent_id
        return Conversation(source=self.source, locator=f"row {top.row}", turns=turns,
                            fmt=FMT, external_id=external_id, meta=meta)

    def finish(self) -> Iterator[Conversation | Rejection]:
        """End of file: emit what is left, in the order of its first row."""
        tops = sorted((t for t in self.held.values() if t.up is None), key=lambda t: t.seq)
        for top in tops:
            if top.id not in self.held:
                continue
            if top.parent_id is None or self.settings.orphans == "root":
                yield from self._emit(top)
            else:
                yield from self._reject(top, f"tweet {top.id} replies to tweet "
                                        f"{top.parent_id}, which is not in the file", "orphan")


def _cycle_reason(tweet: _Tweet, child: _Tweet) -> str:
    chain = []
    node: _Tweet | None = tweet
    while node is not None and node is not child:
        chain.append(node)
        node = node.up
    chain.append(child)
    # child replies to tweet, tweet to its parent ... back up to child.
    loop = [child, *chain[:-1][:8], child]
    shown = " → ".join(f"{t.id} (row {t.row})" for t in loop)
    return f"replies form a cycle: {shown}"


def _time_order(tweets: list[_Tweet]) -> list[_Tweet]:
    """By `created_at` when every tweet's time parses, else the reply tree in file order."""
    keyed = []
    for tweet in tweets:
        moment = parse_time(tweet.created)
        if moment is None:
            return tweets
        keyed.append((moment, tweet.seq, tweet))
    return [t for _, _, t in sorted(keyed, key=lambda k: (k[0], k[1]))]


def parse_time(text: str) -> datetime | None:
    """Twitter's ``Tue Oct 31 22:10:47 +0000 2017`` or ISO 8601; naive times count as UTC."""
    if not text:
        return None
    twitter = _TWITTER_TIME.match(text)
    try:
        if twitter:
            offset = timedelta(hours=int(twitter["oh"]), minutes=int(twitter["om"]))
            month = _MONTHS.get(twitter["mon"].lower())
            if month is None:
                return None
            return datetime(int(twitter["y"]), month, int(twitter["d"]), int(twitter["H"]),
                            int(twitter["M"]), int(twitter["S"]),
                            tzinfo=timezone(-offset if twitter["sign"] == "-" else offset))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
