"""The Overview page's next steps: where the data stands in Import → Split → Review → Export
and a button for each step there is work for, most urgent first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..review.statuses import APPROVED, PENDING

IMPORT_PAGE = "pages/import.py"
REVIEW_PAGE = "pages/review.py"
EXPORT_PAGE = "pages/export.py"


@dataclass(frozen=True)
class NextStep:
    message: str
    action: str
    page: str
    key: str  # the button's widget key


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def next_steps(pairs: Mapping[str, int], conversations: Mapping[str, int]) -> list[NextStep]:
    """Steps with work waiting; on an empty database, the one step that starts it all."""
    if not sum(conversations.values()) and not sum(pairs.values()):
        return [NextStep("Start by importing conversation dumps (transcripts, JSON, JSONL, "
                         "CSV or zip; English and Korean). Then split them into "
                         "question/answer pairs, review the pairs and export the approved "
                         "ones.", "Import conversations", IMPORT_PAGE, "ov_next_import")]
    steps = []
    waiting = conversations.get("pending", 0)
    if waiting:
        steps.append(NextStep(f"{_n(waiting, 'conversation')} waiting to be split into "
                              "question/answer pairs.", "Split conversations", IMPORT_PAGE,
                              "ov_next_split"))
    if pairs.get(PENDING, 0):
        steps.append(NextStep(f"{_n(pairs[PENDING], 'pair')} waiting for review.",
                              "Review pairs", REVIEW_PAGE, "ov_next_review"))
    if pairs.get(APPROVED, 0):
        steps.append(NextStep(f"{_n(pairs[APPROVED], 'approved pair')} ready to export.",
                              "Export", EXPORT_PAGE, "ov_next_export"))
    return steps
