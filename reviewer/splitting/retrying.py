"""Which failed conversations a retry sends again.

Some failures are decided by the settings, not by chance: a conversation that overflowed the
context, looped until the output limit, hit that limit or timed out with its output already
bounded fails the same way when the same request is sent again. Each split stores the
settings that decide its request (`deciding_settings`, in ``conversations.split_settings``);
a retry holds such a failure back while those settings are unchanged, unless forced.
A failure stored without settings (before they were recorded) is retried: nothing says the
same settings would fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlite_utils import Database

from .failures import CONTEXT_OVERFLOW, OUTPUT_LIMIT, REPETITION, TIMEOUT, failure_code

HOPELESS_CODES: tuple[str, ...] = (CONTEXT_OVERFLOW, REPETITION, TIMEOUT, OUTPUT_LIMIT)
# What decides the request: the model and its prompt, how much fits, how much may come back.
DECIDING_KEYS: tuple[str, ...] = ("splitter", "model", "context_window", "chunking",
                                  "max_output_tokens", "prompt_version_id")
TIMEOUT_KEYS: tuple[str, ...] = ("timeout",)  # a longer wait may let a timeout finish
HOLD_REASON = "not retried: same settings would fail again"
FETCH_CHUNK = 500


def deciding_settings(settings: Mapping[str, object]) -> dict:
    """The part of a splitter's (or a batch job's) settings a retry compares."""
    return {k: settings.get(k) for k in (*DECIDING_KEYS, *TIMEOUT_KEYS) if k in settings}


def _keys_for(code: str) -> tuple[str, ...]:
    return (*DECIDING_KEYS, *TIMEOUT_KEYS) if code == TIMEOUT else DECIDING_KEYS


def would_fail_again(code: str, stored: Mapping[str, object] | None,
                     current: Mapping[str, object]) -> bool:
    """Whether a failure with `code`, made under `stored` settings, would repeat now."""
    if code not in HOPELESS_CODES or not stored:
        return False
    return all(stored.get(k) == current.get(k) for k in _keys_for(code))


@dataclass
class RetryChoice:
    retry: list[str] = field(default_factory=list)  # conversation ids to send
    held: list[tuple[str, str]] = field(default_factory=list)  # (conversation id, code)

    def held_by_code(self) -> dict[str, int]:
        return dict(Counter(code for _, code in self.held))


def held_lines(held: list[tuple[str, str]], *, force_hint: str = "--force-retry") -> list[str]:
    """The report's lines for failures held back (empty when none were)."""
    if not held:
        return []
    by_code = ", ".join(f"{code} {n}" for code, n in sorted(Counter(c for _, c in held).items()))
    out = [f"{HOLD_REASON}: {len(held)} conversation(s) ({by_code}); change the model, "
           f"context window, chunking, output limit or prompt, or use {force_hint}"]
    out.extend(f"not retried {cid}: {code}" for cid, code in held)
    return out


def choose_retries(db: Database, ids: list[str], current: Mapping[str, object], *,
                   force: bool = False) -> RetryChoice:
    """Split `ids` (in order) into those to send and failed ones held back."""
    choice = RetryChoice()
    if force:
        choice.retry = list(ids)
        return choice
    now = deciding_settings(current)
    for start in range(0, len(ids), FETCH_CHUNK):
        chunk = ids[start:start + FETCH_CHUNK]
        marks = ",".join("?" * len(chunk))
        found = {r[0]: (r[1], r[2], r[3]) for r in db.execute(
            f"SELECT id, split_status, split_error, split_settings FROM conversations"
            f" WHERE id IN ({marks})", chunk).fetchall()}
        for cid in chunk:
            status, error, stored = found.get(cid, (None, None, None))
            code = failure_code(error)
            if status == "failed" and would_fail_again(code, _loads(stored), now):
                choice.held.append((cid, code))
            else:
                choice.retry.append(cid)
    return choice


def _loads(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
