"""The readiness gate: per-example checks, then file-wide checks.

Per example (:mod:`.collect`): the profile's rules, special-token text, template conformance
(when few-shot examples are given), personal data, exact token counts, and compact keys for
the file-wide checks. A large file is cut into byte ranges at line starts and the ranges are
checked by worker processes (:mod:`.parallel`); their compact results are merged here in
file order, so line numbers stay the file's physical lines. At the end: too few examples,
duplicates and near duplicates, repeated answers, system-prompt consistency, legacy
prompt/completion checks, the token and cost summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..catalog import DEFAULT_MODEL, MODELS, resolve_model
from ..tokens import get_encoding
from . import dedupe
from .collect import FINDINGS_PER_RULE, SYSTEM_TEXTS, Collector, Keys, Part, Sink
from .findings import ERROR, Finding, ValidationReport, error, warning
from .profiles import get_profile
from .reader import file_findings, iter_raw_lines, parse_line
from .stats import token_summary
from .template import role_orders

RECOMMENDED_EXAMPLES = 50
REPEATED_ANSWER_MIN = 3


class Validation:
    """One validation run: merge :class:`Part` results (or feed examples with :meth:`add`),
    then call :meth:`finish`."""

    def __init__(self, *, target: str = "openai", model: str | None = None,
                 few_shot_examples: list[list[dict]] | None = None,
                 epochs: int | None = None) -> None:
        self.profile = get_profile(target)
        self.target = target
        self.model, self.info, self.encoding, self.encoding_known = resolve_model(model)
        self.limit = (self.info or MODELS[DEFAULT_MODEL]).max_tokens_per_example
        self.enc = get_encoding(self.encoding)
        self.epochs = epochs
        self.orders = role_orders(few_shot_examples) if few_shot_examples else None
        self.sink = Sink()
        self.examples = 0
        self.lines_seen = 0
        self.parts: list[Part] = []
        self.system_text: dict[int, str] = {}
        self.pii_counts: Counter[str] = Counter()
        self._local: Collector | None = None

    def collector(self) -> Collector:
        """A collector with this run's settings (a fresh profile: profiles may keep state)."""
        return Collector(profile=get_profile(self.target), enc=self.enc, limit=self.limit,
                         model=self.model, orders=self.orders)

    # -- in-process feeding (examples of one run, in order) ---------------------------------
    def add(self, line: int, obj: Any, pair_id: int | None = None,
            raw: bytes | None = None) -> None:
        if self._local is None:
            self._local = self.collector()
        self._local.add(line, obj, pair_id, raw)

    def add_error(self, finding: Finding | None, *, counts_as_example: bool = True) -> None:
        if self._local is None:
            self._local = self.collector()
        self._local.add_error(finding, counts_as_example=counts_as_example)

    # -- merging ----------------------------------------------------------------------------
    def merge(self, part: Part, offset: int = 0) -> None:
        """Add a part whose line numbers are relative; ``offset`` = lines before it."""
        self.sink.merge(part.sink, offset)
        self.examples += part.examples
        if offset:
            part.lines = part.lines + offset
        for key, text in part.system_text.items():
            if key not in self.system_text and len(self.system_text) < SYSTEM_TEXTS:
                self.system_text[key] = text
        part.system_text = {}
        part.sink = Sink()
        self.pii_counts.update(part.pii_counts)
        self.parts.append(part)

    def _cat(self, name: str) -> np.ndarray:
        """One column over all parts; the parts' copies are dropped (memory)."""
        arrays = [getattr(p, name) for p in self.parts if getattr(p, name).size]
        for p in self.parts:
            setattr(p, name, np.zeros(0, dtype=np.int64))
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

    def _pair_ids(self) -> np.ndarray:
        """Pair ids per counted example (-1 = none), built only when some part has them."""
        if not any(p.pair_ids.size for p in self.parts):
            return np.zeros(0, dtype=np.int64)
        arrays = [p.pair_ids if p.pair_ids.size else np.full(p.lines.size, -1, dtype=np.int64)
                  for p in self.parts]
        for p in self.parts:
            p.pair_ids = np.zeros(0, dtype=np.int64)
        return np.concatenate(arrays)

    def finish(self, extra_summary: dict[str, Any] | None = None) -> ValidationReport:
        if self._local is not None:
            self.merge(self._local.finish())
            self._local = None
        n = self.examples
        if n < self.profile.min_examples:
            self.sink.add([error(0, "too_few_examples",
                                 f"{n} example(s); {self.target} needs at least "
                                 f"{self.profile.min_examples}")])
        elif n < RECOMMENDED_EXAMPLES:
            self.sink.add([warning(0, "few_examples",
                                   f"{n} examples; 50 or more well-crafted examples are "
                                   "recommended")])
        pair_ids = self._pair_ids()
        lines = self._cat("lines")
        exact = self._cat("exact")
        self._duplicates(lines, pair_ids, exact)
        self._repeated_answers(lines, pair_ids)
        self._systems()
        for part in self.parts:
            if part.legacy is not None:
                self.sink.add(part.legacy.finish())
        total, asst, msgs = self._cat("total"), self._cat("assistant"), self._cat("messages")
        summary: dict[str, Any] = {
            "examples": n,
            "errors": self.sink.errors,
            "warnings": self.sink.warnings,
            "target": self.target,
            "model": self.model,
            "encoding": self.encoding,
            "counted_examples": int(total.size),
        }
        if not self.encoding_known:
            summary["encoding_note"] = (f"{self.model} is not a known model; counted with "
                                        f"{self.encoding} and priced/limited as {DEFAULT_MODEL}")
        summary.update(token_summary(total, asst, msgs, info=self.info, limit=self.limit,
                                     epochs=self.epochs, encoding=self.encoding))
        summary["rules"] = dict(sorted(self.sink.per_rule.items()))
        summary["near_duplicate_method"] = dedupe.METHOD
        omitted = self.sink.omitted
        if omitted:
            summary["omitted_findings"] = omitted
        if extra_summary:
            summary.update(extra_summary)
        findings = sorted(self.sink.items, key=lambda f: (f.line, f.severity != ERROR, f.rule))
        return ValidationReport(summary, findings)

    def _report(self, rule: str, lines: np.ndarray, make) -> None:
        """Warnings for the rows ``lines`` (sorted); only the listed ones are built."""
        room = max(0, FINDINGS_PER_RULE - self.sink.per_rule[rule])
        for i in range(min(room, lines.size)):
            self.sink.add([make(i)])
        if lines.size > room:
            self.sink.count(rule, "warning", int(lines.size - room))

    def _duplicates(self, lines: np.ndarray, pair_ids: np.ndarray, exact: np.ndarray) -> None:
        dup_rows, first_rows = [], []
        for group in dedupe.exact_groups(exact):
            dup_rows.append(group[1:])
            first_rows.append(np.full(group.size - 1, group[0]))
        is_dup = np.zeros(exact.size, dtype=bool)
        if dup_rows:
            dups, firsts = np.concatenate(dup_rows), np.concatenate(first_rows)
            order = np.argsort(dups, kind="stable")
            dups, firsts = dups[order], firsts[order]
            is_dup[dups] = True
            self._report("duplicate", dups, lambda i: warning(
                int(lines[dups[i]]), "duplicate",
                f"exact duplicate of line {int(lines[firsts[i]])} (same messages after "
                "normalising case and whitespace)", _pid(pair_ids, dups[i])))
        keys = [k for p in self.parts for k in p.keys]
        if not keys:
            return
        keys_all = np.concatenate(keys)
        del keys
        low_all = np.concatenate([lo for p in self.parts for lo in p.low])
        for p in self.parts:
            p.keys, p.low = [], []
        release_free_memory()
        a, b, sims = dedupe.near_pair_arrays(keys_all, low_all)
        keep = ~is_dup[b] & (exact[a] != exact[b])
        a, b, sims = dedupe.best_per_later(a[keep], b[keep], sims[keep])
        self._report("near_duplicate", b, lambda i: warning(
            int(lines[b[i]]), "near_duplicate",
            f"near-duplicate of line {int(lines[a[i]])} (estimated similarity {sims[i]:.2f}; "
            f"{dedupe.METHOD})", _pid(pair_ids, b[i])))

    def _repeated_answers(self, lines: np.ndarray, pair_ids: np.ndarray) -> None:
        answers = self._cat("answers")
        n = answers.size
        for group in dedupe.exact_groups(answers):
            if group.size >= REPEATED_ANSWER_MIN and (group.size >= 50 or group.size / n >= 0.01):
                shown = ", ".join(str(int(lines[i])) for i in group[:5])
                self.sink.add([warning(int(lines[group[0]]), "repeated_answer",
                                       f"the same assistant answer appears in {group.size} "
                                       f"examples (lines {shown}{'…' if group.size > 5 else ''})",
                                       _pid(pair_ids, group[0]))])

    def _systems(self) -> None:
        keys = self._cat("system_keys")
        if not keys.size:
            return
        values, counts = np.unique(keys, return_counts=True)
        if values.size > 1:
            top = int(np.argmax(counts))
            text = self.system_text.get(int(values[top]), "")
            short = text if len(text) <= 80 else text[:77] + "..."
            self.sink.add([warning(0, "inconsistent_system",
                                   f"{values.size} distinct system prompts; the most common "
                                   f"({int(counts[top])} of {keys.size} examples) is {short!r}")])


def release_free_memory() -> None:
    """Give freed heap memory back to the OS (glibc). The many small per-range arrays freed
    after concatenation otherwise stay in the heap and count towards the peak."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _pid(pair_ids: np.ndarray, row: Any) -> int | None:
    if not pair_ids.size:
        return None
    value = int(pair_ids[row])
    return None if value < 0 else value


def validate_objects(items: Iterable[tuple[int, Any, int | None]], *, target: str = "openai",
                     model: str | None = None,
                     few_shot_examples: list[list[dict]] | None = None,
                     epochs: int | None = None) -> ValidationReport:
    """Validate in-memory examples: ``(line number, parsed object, pair id or None)``."""
    run = Validation(target=target, model=model, few_shot_examples=few_shot_examples,
                     epochs=epochs)
    collector = run.collector()
    for line, obj, pair_id in items:
        collector.add(line, obj, pair_id)
    run.merge(collector.finish())
    return run.finish()


def collect_range(run: Validation, path: Path, start: int = 0, end: int | None = None
                  ) -> Part:
    """Read and check the lines starting in ``[start, end)``; lines numbered from 1."""
    collector = run.collector()
    number = 0
    for number, raw in iter_raw_lines(path, start=start, end=end):
        obj, finding = parse_line(number, raw, first=start == 0 and number == 1)
        if finding is not None:
            collector.add_error(finding, counts_as_example=finding.rule != "blank_line")
            continue
        if obj is None:
            continue
        collector.add(number, obj, None, raw)
    return collector.finish(physical_lines=number)


def validate_file(path: Path | str, *, target: str = "openai", model: str | None = None,
                  few_shot: Path | None = None, epochs: int | None = None,
                  workers: int | None = None) -> ValidationReport:
    """Validate a JSONL file, streaming. Files of ``parallel.MIN_PARALLEL_BYTES`` or more
    are checked by ``workers`` processes (default: one per CPU; 1 = in this process).
    Raises ``ReadError`` (I/O) and ``FewShotFileError`` (bad few-shot file)."""
    from . import parallel
    from .template import load_few_shot_file

    path = Path(path)
    examples = load_few_shot_file(few_shot) if few_shot else None
    run = Validation(target=target, model=model, few_shot_examples=examples, epochs=epochs)
    run.sink.add(file_findings(path))
    offset = 0
    for part in parallel.parts(run, path, workers=workers):
        run.merge(part, offset)
        offset += part.physical_lines
    return run.finish({"file": str(path)})


def _overlap_index(items: list[tuple[int, Any, int | None]]):
    """Lines, pair ids, exact keys and MinHash signatures (built per chunk) of examples."""
    from .collect import CHUNK

    lines, pids, exact, blobs = [], [], [], []
    keys_parts, low_parts = [], []
    chat, legacy = get_profile("openai"), get_profile("prompt-completion")
    keys = Keys()
    for line, obj, pid in items:
        profile = chat if isinstance(obj, dict) and "messages" in obj else legacy
        _, view = profile.check(line, obj, pid)
        if view is None:
            continue
        e, _, blob = keys.example(view)
        lines.append(line)
        pids.append(pid)
        exact.append(e)
        blobs.append(blob)
        if len(blobs) >= CHUNK:
            k, lo = dedupe.signatures_from_bytes(blobs)
            keys_parts.append(k)
            low_parts.append(lo)
            blobs = []
    if blobs:
        k, lo = dedupe.signatures_from_bytes(blobs)
        keys_parts.append(k)
        low_parts.append(lo)
    sig = (np.concatenate(keys_parts), np.concatenate(low_parts)) if keys_parts else None
    return lines, pids, np.asarray(exact, dtype=np.int64), sig


def find_overlap(train: list[tuple[int, Any, int | None]],
                 valid: list[tuple[int, Any, int | None]]) -> list[Finding]:
    """Exact and near-duplicate overlap between training and validation examples: errors on
    the validation line, with the training line and pair id in ``other_line`` and
    ``other_pair_id``."""
    t_lines, t_pids, t_exact, t_sig = _overlap_index(train)
    v_lines, v_pids, v_exact, v_sig = _overlap_index(valid)
    if not t_lines or not v_lines:
        return []
    out: list[Finding] = []
    t_first: dict[int, int] = {}
    for i, key in enumerate(t_exact.tolist()):
        t_first.setdefault(key, i)
    hit = np.zeros(len(v_lines), dtype=bool)
    for j, key in enumerate(v_exact.tolist()):
        i = t_first.get(key)
        if i is not None:
            hit[j] = True
            out.append(error(v_lines[j], "train_valid_overlap",
                             f"validation example is an exact duplicate of training line "
                             f"{t_lines[i]}", v_pids[j],
                             other_line=t_lines[i], other_pair_id=t_pids[i]))
    a, b, sims = dedupe.cross_pairs(t_sig[0], t_sig[1], v_sig[0], v_sig[1])
    for i, j, sim in zip(a.tolist(), b.tolist(), sims.tolist(), strict=True):
        if hit[j]:
            continue
        out.append(error(v_lines[j], "train_valid_overlap",
                         f"validation example is a near-duplicate of training line "
                         f"{t_lines[i]} (estimated similarity {sim:.2f}; {dedupe.METHOD})",
                         v_pids[j], other_line=t_lines[i], other_pair_id=t_pids[i]))
    return sorted(out, key=lambda f: f.line)
