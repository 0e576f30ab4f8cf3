"""What a split run did with the pairs it was given, counted by reason, for its summary.

A run's report says more than "split / failed": how many pairs the model proposed, how many
were stored and what share of those carry a risk flag, how many the local checks dropped
(per reason, with the share of the proposals), how many duplicates were merged, what was
repaired, how many long conversations were cut into chunks, and why conversations failed
(per failure code).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import SplitResult
from .failures import failure_code


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def _listed(counts: Counter[str], whole: int | None = None) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if whole is None:
        return ", ".join(f"{code} {n}" for code, n in items)
    return ", ".join(f"{code} {n} ({_share(n, whole)})" for code, n in items)


@dataclass
class SplitOutcome:
    """Counts over one run; fed one conversation at a time by the run's writer."""

    proposed: int = 0  # pairs the splitter returned before its checks (LLM splitter)
    stored: int = 0  # new pairs written
    flagged: int = 0  # ... of which carry at least one risk flag
    flags: Counter[str] = field(default_factory=Counter)  # flag code -> pairs carrying it
    dropped: Counter[str] = field(default_factory=Counter)  # reason code -> pairs dropped
    merged: int = 0  # duplicate pairs merged into one
    covered: int = 0  # new pairs not stored: a pair a reviewer holds covers the same turns
    repaired: Counter[str] = field(default_factory=Counter)  # speaker_label, wrong_language…
    chunked: int = 0  # conversations cut into chunks
    chunks: int = 0  # requests those conversations took
    failures: Counter[str] = field(default_factory=Counter)  # failure code -> conversations

    def add_result(self, result: SplitResult) -> None:
        """A successful split: what its checks dropped, merged and repaired."""
        codes = list(getattr(result, "codes", []) or [])
        notes = list(getattr(result, "notes", []) or [])
        codes += ["other"] * (len(notes) - len(codes))  # a splitter that gives notes only
        merged = int(getattr(result, "merged", 0) or 0)
        self.dropped.update(codes)
        self.merged += merged
        if hasattr(result, "codes"):
            self.proposed += len(result.pairs) + len(codes) + merged
        for remark in getattr(result, "remarks", []) or []:
            self.repaired[remark.split(":", 1)[0]] += 1
        chunks = int(getattr(result, "chunks", 1) or 1)
        if chunks > 1:
            self.chunked += 1
            self.chunks += chunks

    def add_failure(self, reason: str) -> None:
        self.failures[failure_code(reason)] += 1

    def add_stored(self, flags_json: Iterable[str | None], covered: int = 0) -> None:
        """The stored pairs' `flags` column values, and how many new pairs were not stored
        because a reviewed pair covers them (or repeats their question)."""
        self.covered += covered
        for raw in flags_json:
            self.stored += 1
            codes = {f.get("code") for f in _decoded(raw)} - {None}
            if codes:
                self.flagged += 1
                self.flags.update(str(c) for c in codes)

    def to_dict(self) -> dict:
        return {"proposed": self.proposed, "stored": self.stored, "flagged": self.flagged,
                "flags": dict(self.flags), "dropped": dict(self.dropped),
                "duplicates_merged": self.merged, "covered_by_reviewed": self.covered,
                "repaired": dict(self.repaired),
                "chunked_conversations": self.chunked, "chunks": self.chunks,
                "failures_by_reason": dict(self.failures)}

    def lines(self) -> list[str]:
        out = []
        if self.stored:
            line = (f"pairs flagged: {self.flagged} of {self.stored} stored "
                    f"({_share(self.flagged, self.stored)})")
            if self.flags:
                line += f": {_listed(self.flags)}"
            out.append(line)
        if self.proposed:
            dropped = sum(self.dropped.values())
            line = (f"model pairs: {self.proposed} proposed; dropped by checks: {dropped} "
                    f"({_share(dropped, self.proposed)})")
            if self.dropped:
                line += f": {_listed(self.dropped, self.proposed)}"
            out.append(line + f"; duplicates merged: {self.merged}")
        elif self.merged:
            out.append(f"duplicates merged: {self.merged}")
        if self.covered:
            out.append(f"not stored: {self.covered} pair(s) a reviewed pair already covers "
                       "(same turns or question)")
        if self.repaired:
            out.append(f"repaired or noted: {_listed(self.repaired)}")
        if self.chunked:
            out.append(f"long conversations: {self.chunked} split in {self.chunks} chunks")
        if self.failures:
            out.append(f"failed by reason: {_listed(self.failures)}")
        return out


def _decoded(raw: str | None) -> list[dict]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []
