"""Speaker labels a model copied into a question or an answer ("Engineer: Welcome…").

The labels are the import vocabulary (`reviewer.importing.speakers`), read the strict way a
transcript line is. A label may carry the prompt's turn number (``[3] Customer:``), a
timestamp and Markdown bold, like the transcripts the model was shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..importing.speakers import role_for

_LABEL_LINE = re.compile(
    r"^[ \t]*(?:\[\d{1,4}\][ \t]*)?(?:\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?\]?[ \t]*"
    r"|\[?\d\d:\d\d(?::\d\d)?\]?[ \t]*)?(?P<label>[^:：\n]{1,30}?)[ \t]*[:：](?:\*\*)?[ \t]*",
    re.M)


@dataclass(frozen=True)
class Labelled:
    """A text with its copied speaker labels removed, and the labels' roles in order."""

    text: str
    labels: tuple[str, ...]  # as written ("Engineer", "고객")
    roles: tuple[str, ...]  # customer / engineer / system


def strip_labels(text: str) -> Labelled:
    """Remove every speaker label that starts a line of `text`.

    Single letters ("A:", "Q:") count only at the very start: inside an answer they are
    more likely a list or a ratio than a speaker.
    """
    labels: list[str] = []
    roles: list[str] = []

    def drop(match: re.Match[str]) -> str:
        label = match.group("label").strip().strip("*_").strip()
        if len(label) == 1 and match.start() != 0:
            return match.group(0)
        role = role_for(label, transcript=True)
        if role is None:
            return match.group(0)
        labels.append(label)
        roles.append(role)
        return ""

    cleaned = _LABEL_LINE.sub(drop, text)
    if not labels:
        return Labelled(text, (), ())
    return Labelled(cleaned.strip(), tuple(labels), tuple(roles))
