"""Per-example work of a validation run, kept apart from the file-wide checks.

A :class:`Collector` takes examples one by one (from one byte range of a file, or from
in-memory objects) and does everything that needs only that example: the profile's rules,
special-token text, template conformance, personal data, exact token counts and the too-long
checks. What the file-wide checks need is kept as compact per-example numbers in a
:class:`Part`: token counts, 64-bit keys for exact duplicates, answers and system prompts,
and MinHash band keys and low bytes for near duplicates. Parts from several processes are
merged in file order by the engine.

Token counts are exact: :class:`reviewer.tokens.TokenCounter` (a per-word cache over
``encode_ordinary``); role names are constants per encoding, and system prompts (which
repeat) are cached whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..tokens import token_counter
from . import dedupe, pii
from .chat_rules import ExampleView, special_token_findings
from .findings import ERROR, Finding, error, warning
from .legacy import LegacyState
from .template import check_template

FINDINGS_PER_RULE = 1000
LONG_EXAMPLE_TOKENS = 8192
CHUNK = 512                   # examples per MinHash batch (its arrays stay cache-sized)
CACHE_CHARS = 2_000_000       # bound on the text kept in the token-count cache
SYSTEM_TEXTS = 10_000         # distinct system prompts whose text is kept for the report


class Sink:
    """Findings with a per-rule cap (in arrival order); true totals are kept."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.per_rule: Counter[str] = Counter()
        self.errors = 0
        self.warnings = 0

    def wants(self, rule: str) -> bool:
        return self.per_rule[rule] < FINDINGS_PER_RULE

    def count(self, rule: str, severity: str, n: int = 1) -> None:
        """Count findings that are not listed (over the cap)."""
        self.per_rule[rule] += n
        if severity == ERROR:
            self.errors += n
        else:
            self.warnings += n

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if self.per_rule[f.rule] < FINDINGS_PER_RULE:
                self.items.append(f)
            self.count(f.rule, f.severity)

    def merge(self, other: Sink, offset: int) -> None:
        """Add another sink's findings, their lines shifted by ``offset`` (file order)."""
        listed: Counter[str] = Counter()
        for f in other.items:
            listed[f.rule] += 1
            if self.per_rule[f.rule] < FINDINGS_PER_RULE:
                self.items.append(replace(f, line=f.line + offset) if offset and f.line
                                  else f)
            self.per_rule[f.rule] += 1
        for rule, n in other.per_rule.items():
            self.per_rule[rule] += n - listed[rule]
        self.errors += other.errors
        self.warnings += other.warnings

    @property
    def omitted(self) -> dict[str, int]:
        listed = Counter(f.rule for f in self.items)
        return {r: n - listed[r] for r, n in self.per_rule.items() if n > listed[r]}


COLUMNS = ("lines", "pair_ids", "total", "assistant", "messages", "exact", "answers")
_DTYPES = {"total": np.int32, "assistant": np.int32, "messages": np.int32}


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Part:
    """Compact results of a run of examples; lines are relative to the part's first line.

    One row per counted example in the columns ``COLUMNS`` (``pair_ids`` empty when there
    are none); ``system_keys`` has one entry per example with a system message.
    """

    sink: Sink = field(default_factory=Sink)
    examples: int = 0
    physical_lines: int = 0
    lines: np.ndarray = field(default_factory=_empty)
    pair_ids: np.ndarray = field(default_factory=_empty)
    total: np.ndarray = field(default_factory=_empty)
    assistant: np.ndarray = field(default_factory=_empty)
    messages: np.ndarray = field(default_factory=_empty)
    exact: np.ndarray = field(default_factory=_empty)
    answers: np.ndarray = field(default_factory=_empty)
    system_keys: np.ndarray = field(default_factory=_empty)
    system_text: dict[int, str] = field(default_factory=dict)
    no_system: int = 0
    keys: list[np.ndarray] = field(default_factory=list)
    low: list[np.ndarray] = field(default_factory=list)
    pii_counts: Counter = field(default_factory=Counter)
    legacy: LegacyState | None = None


def key64(text: str) -> int:
    """64-bit key of an already normalised text.

    Python's own string hash (SipHash) is used: it is fast and 64 bits wide. Its secret
    differs between interpreters, so keys are only compared within one run: this process
    and the worker processes it forks (which inherit the secret).
    """
    return hash(text)


class Keys:
    """Normalised forms and keys of an example's texts, shared by the collector and the
    train/validation overlap check. System prompts repeat, so theirs are cached."""

    def __init__(self) -> None:
        self.system_cache: dict[str, tuple[str, int]] = {}

    def system(self, text: str) -> tuple[str, int]:
        hit = self.system_cache.get(text)
        if hit is None:
            norm = dedupe.normalise(text)
            hit = (norm, key64(norm))
            if len(self.system_cache) < SYSTEM_TEXTS:
                self.system_cache[text] = hit
        return hit

    def example(self, view: ExampleView) -> tuple[int, int, bytes]:
        """``(exact key, answer key, MinHash bytes)`` of one example.

        Each text is normalised once: the exact key covers roles and every counted string,
        the answer key the assistant text, and the MinHash text is the user and assistant
        text (the first ``MAX_TEXT_BYTES`` of it).
        """
        normalise = dedupe.normalise
        system = view.system
        strings, users, answers = view.strings, view.user, view.assistant
        if len(answers) == 1 and len(users) == 1 and len(strings) == (1 if system is None
                                                                      else 2):
            # the common shape: [system,] user, assistant
            user = normalise(users[0])
            answer = normalise(answers[0])
            exact = (hash((view.roles, user, None, answer)) if system is None else
                     hash((view.roles, self.system(system)[0], user, None, answer)))
            text = f"{user} {answer}" if user and answer else user or answer
            return (exact, hash(answer),
                    text.encode("utf-8", "surrogatepass")[:dedupe.MAX_TEXT_BYTES])
        by_id: dict[int, str] = {}
        others = []
        for t in strings:
            n = self.system(t)[0] if t is system else normalise(t)
            by_id[id(t)] = n
            others.append(n)
        user_n = [by_id.get(id(t)) or normalise(t) for t in users]
        answer_n = [normalise(t) for t in answers]
        joined_answer = " ".join([a for a in answer_n if a])
        exact = hash((view.roles, *others, None, *answer_n))
        text = " ".join([t for t in (*user_n, *answer_n) if t])
        blob = text.encode("utf-8", "surrogatepass")[:dedupe.MAX_TEXT_BYTES]
        return exact, key64(joined_answer), blob


class Collector:
    """Per-example checks and counts for one run of examples (see the module docstring)."""

    def __init__(self, *, profile, enc, limit: int, model: str,
                 orders: set[tuple[str, ...]] | None = None) -> None:
        self.profile = profile
        self.chat = profile.chat
        self.enc = enc
        self.encode = enc.encode_ordinary
        self.count = token_counter(enc).count
        self.limit = limit
        self.model = model
        self.orders = orders
        self.part = Part(legacy=None if profile.chat else LegacyState())
        self.keys = Keys()
        self.cache: dict[str, int] = {}
        self.cached_chars = 0
        self.role_tokens = {r: len(self.encode(r)) for r in
                            ("system", "user", "assistant", "tool", "function")}
        self.role_sums: dict[tuple[str, ...], int] = {}  # role sequence -> their tokens
        self.pending: list[bytes] = []
        self.rows: list[tuple[int, ...]] = []
        self.system_keys: list[int] = []
        self.limit_rule = (error if profile.token_limit_is_error else warning)

    def _remember(self, s: str, n: int) -> None:
        if self.cached_chars > CACHE_CHARS:
            self.cache.clear()
            self.cached_chars = 0
        self.cache[s] = n
        self.cached_chars += len(s)

    def add(self, line: int, obj: Any, pair_id: int | None = None,
            raw: bytes | None = None) -> ExampleView | None:
        part = self.part
        sink = part.sink
        part.examples += 1
        findings, view = self.profile.check(line, obj, pair_id)
        if raw is None or b"|" in raw or b"\\u" in raw:
            findings.extend(special_token_findings(line, obj, pair_id))
        if self.orders is not None and isinstance(obj, dict):
            messages = obj.get("messages")
            if isinstance(messages, list):
                findings.extend(check_template(line, messages, self.orders, pair_id))
        if findings:
            sink.add(findings)
        if view is None:
            return None
        if part.legacy is not None and isinstance(obj, dict):
            sink.add(part.legacy.add(line, obj.get("prompt", ""), obj.get("completion", "")))
        found = pii.scan_texts(view.texts)
        for kind, matches in found.items():
            part.pii_counts[kind] += len(matches)
            more = f" (+{len(matches) - 1} more)" if len(matches) > 1 else ""
            sink.add([warning(line, f"pii_{kind}",
                              f"{pii.label(kind)} in text: {matches[0]}{more}", pair_id)])

        # tokens: exact counts from the per-word cache; system prompts (repeated) cached whole
        count = self.count
        asst = sum(map(count, view.assistant))
        total = asst
        system = view.system
        for s in view.strings:
            if s is system:
                n = self.cache.get(s)
                if n is None:
                    n = count(s)
                    self._remember(s, n)
                total += n
            else:
                total += count(s)
        if self.chat:
            roles = self.role_sums.get(view.roles)
            if roles is None:
                roles = self.role_sums[view.roles] = sum(map(self.role_tokens.__getitem__,
                                                             view.roles))
            total += view.const_tokens + roles
        if total > self.limit:
            sink.add([self.limit_rule(
                line, "too_many_tokens",
                f"{total:,} tokens; the per-example limit of {self.model} is {self.limit:,} "
                "(longer examples are cut from the end, i.e. the answer)", pair_id)])
        elif total > LONG_EXAMPLE_TOKENS:
            sink.add([warning(line, "long_example",
                              f"{total:,} tokens; very long examples are costly and rarely "
                              "needed for Q/A", pair_id)])

        # keys for the file-wide checks
        exact, answer, blob = self.keys.example(view)
        self.rows.append((line, -1 if pair_id is None else pair_id, total, asst,
                          view.n_messages, exact, answer))
        if system is None:
            part.no_system += 1
        else:
            skey = self.keys.system(system)[1]
            self.system_keys.append(skey)
            if skey not in part.system_text and len(part.system_text) < SYSTEM_TEXTS:
                part.system_text[skey] = system
        self.pending.append(blob)
        if len(self.pending) >= CHUNK:
            self.flush()
        return view

    def add_error(self, finding: Finding | None, *, counts_as_example: bool = True) -> None:
        if finding is None:
            return
        if counts_as_example and finding.severity == ERROR:
            self.part.examples += 1
        self.part.sink.add([finding])

    def flush(self) -> None:
        blobs, self.pending = self.pending, []
        if blobs:
            k, lo = dedupe.signatures_from_bytes(blobs)
            self.part.keys.append(k)
            self.part.low.append(lo)

    def finish(self, physical_lines: int = 0) -> Part:
        self.flush()
        part = self.part
        part.physical_lines = physical_lines
        if self.rows:
            table = np.array(self.rows, dtype=np.int64).reshape(-1, len(COLUMNS))
            self.rows = []
            for i, name in enumerate(COLUMNS):
                column = table[:, i]
                if name == "pair_ids" and (column < 0).all():
                    continue  # no pair ids (a file): keep none
                setattr(part, name, column.astype(_DTYPES.get(name, np.int64)))
        if self.system_keys:
            part.system_keys = np.array(self.system_keys, dtype=np.int64)
            self.system_keys = []
        if len(part.keys) > 1:  # one array each: fewer, larger blocks for the parent to hold
            part.keys, part.low = [np.concatenate(part.keys)], [np.concatenate(part.low)]
        return part
