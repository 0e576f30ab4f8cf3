"""What the Review page shows, computed without Streamlit: the keys, the source turns with
the pair's own turns marked, progress and pace lines, and what changed under a draft."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..review.diffs import text_diff
from ..review.statuses import APPROVED, DELETED, PENDING, REJECTED
from ..review.store import TEXT_FIELDS, Progress, turns_of

# Action → (shortcut, label). "C" and "R" are reserved by Streamlit; Ctrl+Enter works from
# inside a text box, the single letters only when no text box has the focus.
KEYS: dict[str, tuple[str, str]] = {
    "approve": ("A", "Approve"),
    "reject": ("X", "Reject"),
    "delete": ("D", "Delete"),
    "edit": ("E", "Edit"),
    "save_next": ("Ctrl+Enter", "Save, approve and next"),
    "skip": ("S", "Skip"),
    "previous": ("K", "Previous"),
    "next": ("J", "Next"),
    "undo": ("U", "Undo"),
    "history": ("H", "History"),
}

# Plain symbols every text font has (no emoji font is needed to tell them apart).
STATUS_ICONS: dict[str, str] = {
    PENDING: "○", APPROVED: "✓", REJECTED: "✗", DELETED: "–",
}


def status_label(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '•')} {status}"


_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$:")


def md_escape(text: str) -> str:
    """Untrusted text (a file name) made literal inside a Markdown line."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in " ".join(text.split()))


def key_legend() -> str:
    return " · ".join(f"{key} {label.lower()}" for key, label in KEYS.values())


@dataclass(frozen=True)
class TurnView:
    """One source turn as shown beside the pair."""

    index: int
    header: str  # "[2024-03-02 10:01] Customer"
    text: str
    mark: str | None  # "question", "answer" or None

    @property
    def key(self) -> str:
        """Widget key: the page colours and scrolls to marked turns by it."""
        prefix = {"question": "src_q", "answer": "src_a"}.get(self.mark or "", "src")
        return f"{prefix}_{self.index}"


def source_turns(turns_json: str | None, question_turns: str | None,
                 answer_turns: str | None) -> list[TurnView]:
    """The conversation's turns, each marked when the pair's question or answer came from it."""
    try:
        turns = json.loads(turns_json or "[]")
    except ValueError:
        turns = []
    asked, answered = set(turns_of(question_turns)), set(turns_of(answer_turns))
    views = []
    for index, turn in enumerate(turns if isinstance(turns, list) else []):
        if not isinstance(turn, dict):
            continue
        speaker = str(turn.get("speaker") or turn.get("role") or "").strip() or "?"
        stamp = turn.get("timestamp")
        header = f"[{stamp}] {speaker}" if stamp else speaker
        mark = "question" if index in asked else "answer" if index in answered else None
        views.append(TurnView(index, header, str(turn.get("text") or ""), mark))
    return views


def first_marked(views: list[TurnView]) -> TurnView | None:
    return next((v for v in views if v.mark), None)


def progress_line(progress: Progress, position: int | None, queue_size: int | None,
                  more: bool = False) -> str:
    """``more``: the queue was counted up to a cap and holds more than ``queue_size``."""
    done = f"{progress.reviewed:,} of {progress.total:,} reviewed"
    if position is None or not queue_size:
        return done
    size = f"{queue_size:,}+" if more else f"{queue_size:,}"
    return f"Pair {position + 1:,} of {size} in this queue · {done}"


def short_time(iso: str | None) -> str:
    """An event time as a reviewer reads it: ``2024-03-02 10:01 UTC`` (the stored ISO text
    carries microseconds and an offset)."""
    try:
        moment = datetime.fromisoformat(iso or "")
    except ValueError:
        return iso or ""
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def pace_line(decided: int, since: str | None, now: datetime) -> str:
    if not decided or not since:
        return "No decisions yet today."
    try:
        started = datetime.fromisoformat(since)
    except ValueError:
        return f"{decided} today."
    minutes = max(1.0, (now - started).total_seconds() / 60)
    pairs = "pair" if decided == 1 else "pairs"
    return (f"Today: {decided} {pairs} in {minutes:.0f} min "
            f"({decided / minutes * 60:.0f} per hour).")


@dataclass(frozen=True)
class OtherChange:
    """A change someone else made to a pair after a reviewer's draft started."""

    who: str
    at: str
    field: str
    diff: list[str]


def changes_since(events: list[dict], base_version: int, me: str) -> list[OtherChange]:
    """Field changes that produced versions after ``base_version`` (what a stale save
    would have overwritten), with a diff for text fields."""
    out = []
    for event in events:
        version = event.get("version")
        if version is None or int(version) <= base_version or not event.get("field"):
            continue
        diff = (text_diff(event.get("old"), event.get("new")) if event["field"] in TEXT_FIELDS
                else [f"{event.get('old')} → {event.get('new')}"])
        who = event.get("who") or "?"
        out.append(OtherChange(who if who != me else f"{who} (another tab)", event.get("at")
                               or "", event["field"], diff))
    return out


def finding_text(value: str | None) -> str | None:
    """The finding a deep link from the Export page carries (shown above the pair)."""
    text = " ".join((value or "").split())
    return text[:300] or None


def flag_summary(raw: str | None) -> str:
    """A table cell for a pair's flags: their codes, most severe first."""
    try:
        flags = json.loads(raw or "[]")
    except ValueError:
        return ""
    return ", ".join(str(f.get("code", "")) for f in flags if isinstance(f, dict))


def model_answer_title(run_id: int, cosine: float, model: str) -> str:
    """The heading (Markdown) of the model's answer shown under a pair an evaluation
    flagged; the model's name is made literal (``ft:…:org:…`` holds colons)."""
    return f"Model answer (eval run {run_id}, score {cosine:.2f}) · {md_escape(model)}"


def source_caption(source: str | None, locator: str | None) -> str:
    """Where a pair's conversation came from, short enough for one line: an absolute path is
    shown relative to the working directory when it lies under it, else by its last two
    parts (a zip member keeps its ``archive.zip:member`` form)."""
    text = source or ""
    archive, sep, member = text.partition(".zip:")
    path = Path(archive if sep else text)
    if path.is_absolute():
        try:
            short = str(path.relative_to(Path.cwd()))
        except ValueError:
            short = str(Path("…", *path.parts[-2:])) if len(path.parts) > 2 else str(path)
        text = f"{short}{sep}{member}" if sep else short
    return f"{text} · {locator}" if locator else text
