"""The readiness gate: per-example rules, then file-wide checks over columns.

Examples are fed in line order (:meth:`Validation.add`). Each one goes through the
per-example rules, functions that return findings: the profile's format rules,
special-token text, template conformance (with few-shot examples), personal data and the
legacy prompt/completion checks. What the file-wide checks need is kept as one row of
compact columns per counted example: line, pair id, token counts, message count and keys for
exact duplicates, answers and system prompts, plus MinHash signatures for near duplicates.
Token counts and signatures are computed a batch of examples at a time, the counts with
tiktoken's ``encode_ordinary_batch``. :meth:`Validation.finish` runs the file-wide checks on
the columns: too few examples, token limits, duplicates and near duplicates, repeated
answers, system-prompt consistency, the legacy file checks and the token and cost summary.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..catalog import DEFAULT_MODEL, MODELS, resolve_model
from ..tokens import get_encoding, token_counts
from . import dedupe, pii
from .chat_rules import ExampleView, special_token_findings
from .findings import ERROR, Finding, Sink, ValidationReport, error, warning
from .legacy import LegacyState
from .profiles import get_profile
from .reader import file_findings, iter_raw_lines, parse_line
from .stats import token_summary
from .template import check_template, role_orders

RECOMMENDED_EXAMPLES = 50
REPEATED_ANSWER_MIN = 3
LONG_EXAMPLE_TOKENS = 8192
BATCH = 1024          # examples per token-counting and MinHash batch
SYSTEM_TEXTS = 10_000  # distinct system prompts whose text is kept for the report

COLUMNS = ("lines", "pair_ids", "total", "assistant", "messages", "exact", "answers")
PairId = Callable[[Any], "int | None"]  # a column row -> the pair id behind it


def pii_findings(line: int, view: ExampleView, pair_id: int | None) -> list[Finding]:
    """One warning per kind of personal data in the example's text."""
    out = []
    for kind, matches in pii.scan_texts(view.texts).items():
        more = f" (+{len(matches) - 1} more)" if len(matches) > 1 else ""
        out.append(warning(line, f"pii_{kind}",
                           f"{pii.label(kind)} in text: {matches[0]}{more}", pair_id))
    return out


class Validation:
    """One validation run: :meth:`add` examples (or :meth:`add_error` for lines that are
    not examples) in line order, then :meth:`finish`."""

    def __init__(self, *, target: str = "openai", model: str | None = None,
                 few_shot_examples: list[list[dict]] | None = None,
                 epochs: int | None = None) -> None:
        self.profile = get_profile(target)  # a fresh instance: profiles may keep state
        self.target = target
        self.model, self.info, self.encoding, self.encoding_known = resolve_model(model)
        self.limit = (self.info or MODELS[DEFAULT_MODEL]).max_tokens_per_example
        self.enc = get_encoding(self.encoding)
        self.epochs = epochs
        self.orders = role_orders(few_shot_examples) if few_shot_examples else None
        self.legacy = None if self.profile.chat else LegacyState()
        self.sink = Sink()
        self.examples = 0
        self.columns = {name: array("q") for name in (*COLUMNS, "system_keys")}
        self.has_pair_ids = False
        self.system_text: dict[int, str] = {}
        self.signatures: list[tuple[np.ndarray, np.ndarray]] = []
        self.pending: list[ExampleView] = []
        self.keys = dedupe.Keys()
        self.role_tokens: dict[str, int] = {}

    # -- per example --------------------------------------------------------------------
    def add(self, line: int, obj: Any, pair_id: int | None = None,
            raw: bytes | None = None) -> None:
        """Check one parsed example; ``raw`` (its line's bytes) lets the special-token check
        skip lines that cannot hold one."""
        self.examples += 1
        findings, view = self.profile.check(line, obj, pair_id)
        if raw is None or b"|" in raw or b"\\u" in raw:
            findings += special_token_findings(line, obj, pair_id)
        messages = obj.get("messages") if isinstance(obj, dict) else None
        if self.orders is not None and isinstance(messages, list):
            findings += check_template(line, messages, self.orders, pair_id)
        if view is not None:
            findings += pii_findings(line, view, pair_id)
            if self.legacy is not None and isinstance(obj.get("prompt"), str):
                findings += self.legacy.add(line, obj["prompt"], obj["completion"])
            self.pending.append(view)
            if len(self.pending) >= BATCH:
                self._flush()
        self.sink.add(findings)

    def add_error(self, finding: Finding | None, *, counts_as_example: bool = True) -> None:
        """A line that is not an example (unreadable, not JSON, blank)."""
        if finding is None:
            return
        if counts_as_example and finding.severity == ERROR:
            self.examples += 1
        self.sink.add([finding])

    def _roles(self, roles: tuple[str, ...]) -> int:
        out = 0
        for role in roles:
            n = self.role_tokens.get(role)
            if n is None:
                n = self.role_tokens[role] = len(self.enc.encode_ordinary(role))
            out += n
        return out

    def _flush(self) -> None:
        """Token counts, keys and signatures of the pending examples, appended as rows."""
        views, self.pending = self.pending, []
        if not views:
            return
        counts = iter(token_counts(self.enc, [s for v in views for s in (*v.strings,
                                                                          *v.assistant)]))
        cols = self.columns
        blobs = []
        for v in views:
            other = sum(next(counts) for _ in v.strings)
            assistant = sum(next(counts) for _ in v.assistant)
            total = other + assistant
            if self.profile.chat:
                total += v.const_tokens + self._roles(v.roles)
            exact, answer, blob = self.keys.example(v)
            blobs.append(blob)
            row = (v.line, -1 if v.pair_id is None else v.pair_id, total, assistant,
                   v.n_messages, exact, answer)
            for name, value in zip(COLUMNS, row, strict=True):
                cols[name].append(value)
            self.has_pair_ids |= v.pair_id is not None
            if v.system is not None:
                key = self.keys.system(v.system)
                cols["system_keys"].append(key)
                if key not in self.system_text and len(self.system_text) < SYSTEM_TEXTS:
                    self.system_text[key] = v.system
        self.signatures.append(dedupe.signatures(blobs))

    # -- file-wide ----------------------------------------------------------------------
    def finish(self, extra_summary: dict[str, Any] | None = None) -> ValidationReport:
        self._flush()
        col = {name: np.frombuffer(values, dtype=np.int64) if len(values) else
               np.zeros(0, dtype=np.int64) for name, values in self.columns.items()}
        lines = col["lines"]
        pair_ids = col["pair_ids"] if self.has_pair_ids else None

        def pid(row: Any) -> int | None:
            return None if pair_ids is None or pair_ids[row] < 0 else int(pair_ids[row])

        n = self.examples
        if n < self.profile.min_examples:
            self.sink.add([error(0, "too_few_examples",
                                 f"{n} example(s); {self.target} needs at least "
                                 f"{self.profile.min_examples}")])
        elif n < RECOMMENDED_EXAMPLES:
            self.sink.add([warning(0, "few_examples",
                                   f"{n} examples; 50 or more well-crafted examples are "
                                   "recommended")])
        total = col["total"]
        limit_rule = error if self.profile.token_limit_is_error else warning
        over = np.flatnonzero(total > self.limit)
        self._report("too_many_tokens", over, lambda r: limit_rule(
            int(lines[r]), "too_many_tokens",
            f"{int(total[r]):,} tokens; the per-example limit of {self.model} is "
            f"{self.limit:,} (longer examples are cut from the end, i.e. the answer)", pid(r)))
        long = np.flatnonzero((total > LONG_EXAMPLE_TOKENS) & (total <= self.limit))
        self._report("long_example", long, lambda r: warning(
            int(lines[r]), "long_example",
            f"{int(total[r]):,} tokens; very long examples are costly and rarely needed for "
            "Q/A", pid(r)))
        self._duplicates(lines, col["exact"], pid)
        self._repeated_answers(lines, col["answers"], pid)
        self._systems(col["system_keys"])
        if self.legacy is not None:
            self.sink.add(self.legacy.finish())

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
        summary.update(token_summary(total, col["assistant"], col["messages"], info=self.info,
                                     limit=self.limit, epochs=self.epochs,
                                     encoding=self.encoding))
        summary["rules"] = dict(sorted(self.sink.per_rule.items()))
        summary["near_duplicate_method"] = dedupe.METHOD
        if self.sink.omitted:
            summary["omitted_findings"] = self.sink.omitted
        if extra_summary:
            summary.update(extra_summary)
        findings = sorted(self.sink.items, key=lambda f: (f.line, f.severity != ERROR, f.rule))
        return ValidationReport(summary, findings, total.tolist())

    def _report(self, rule: str, rows: np.ndarray, make: Callable[[Any], Finding]) -> None:
        """Findings ``make(row)`` for ``rows`` (in line order); only the listed ones are
        built, the rest counted."""
        room = self.sink.room(rule)
        listed = [make(r) for r in rows[:max(room, 1)]]  # one at least, for its severity
        self.sink.add(listed[:room])
        if rows.size > room:
            self.sink.count(rule, listed[0].severity, int(rows.size - room))

    def _duplicates(self, lines: np.ndarray, exact: np.ndarray, pid: PairId) -> None:
        first_of = np.arange(exact.size)
        for group in dedupe.exact_groups(exact):
            first_of[group[1:]] = group[0]
        dups = np.flatnonzero(first_of != np.arange(exact.size))
        self._report("duplicate", dups, lambda r: warning(
            int(lines[r]), "duplicate",
            f"exact duplicate of line {int(lines[first_of[r]])} (same messages after "
            "normalising case and whitespace)", pid(r)))
        if not self.signatures:
            return
        keys = np.concatenate([k for k, _ in self.signatures])
        low = np.concatenate([lo for _, lo in self.signatures])
        self.signatures = []
        a, b, sims = dedupe.near_pairs(keys, low)
        keep = first_of[b] == b  # exact duplicates are reported as such
        a, b, sims = a[keep], b[keep], sims[keep]
        self._report("near_duplicate", np.arange(b.size), lambda i: warning(
            int(lines[b[i]]), "near_duplicate",
            f"near-duplicate of line {int(lines[a[i]])} (estimated similarity {sims[i]:.2f}; "
            f"{dedupe.METHOD})", pid(b[i])))

    def _repeated_answers(self, lines: np.ndarray, answers: np.ndarray, pid: PairId) -> None:
        n = answers.size
        for group in dedupe.exact_groups(answers):
            if group.size >= REPEATED_ANSWER_MIN and (group.size >= 50 or group.size / n >= 0.01):
                shown = ", ".join(str(int(lines[i])) for i in group[:5])
                self.sink.add([warning(int(lines[group[0]]), "repeated_answer",
                                       f"the same assistant answer appears in {group.size} "
                                       f"examples (lines {shown}{'…' if group.size > 5 else ''})",
                                       pid(group[0]))])

    def _systems(self, keys: np.ndarray) -> None:
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


def validate_objects(items: Iterable[tuple[int, Any, int | None]], *, target: str = "openai",
                     model: str | None = None,
                     few_shot_examples: list[list[dict]] | None = None,
                     epochs: int | None = None) -> ValidationReport:
    """Validate in-memory examples: ``(line number, parsed object, pair id or None)``."""
    run = Validation(target=target, model=model, few_shot_examples=few_shot_examples,
                     epochs=epochs)
    for line, obj, pair_id in items:
        run.add(line, obj, pair_id)
    return run.finish()


def validate_file(path: Path | str, *, target: str = "openai", model: str | None = None,
                  few_shot: Path | None = None, epochs: int | None = None) -> ValidationReport:
    """Validate a JSONL file, streaming it line by line. Raises ``ReadError`` (I/O) and
    ``FewShotFileError`` (bad few-shot file)."""
    from .template import load_few_shot_file

    path = Path(path)
    examples = load_few_shot_file(few_shot) if few_shot else None
    run = Validation(target=target, model=model, few_shot_examples=examples, epochs=epochs)
    run.sink.add(file_findings(path))
    for number, raw in iter_raw_lines(path):
        obj, finding = parse_line(number, raw)
        if finding is not None:
            run.add_error(finding, counts_as_example=finding.rule != "blank_line")
        else:
            run.add(number, obj, None, raw)
    return run.finish({"file": str(path)})


def _overlap_index(items: list[tuple[int, Any, int | None]]):
    """Lines, pair ids, exact keys and MinHash signatures of the usable examples."""
    chat, legacy = get_profile("openai"), get_profile("prompt-completion")
    keys = dedupe.Keys()
    rows: list[tuple[int, int | None, int]] = []
    blobs: list[bytes] = []
    for line, obj, pid in items:
        profile = chat if isinstance(obj, dict) and "messages" in obj else legacy
        view = profile.check(line, obj, pid)[1]
        if view is not None:
            exact, _, blob = keys.example(view)
            rows.append((line, pid, exact))
            blobs.append(blob)
    return rows, dedupe.signatures(blobs)


def find_overlap(train: list[tuple[int, Any, int | None]],
                 valid: list[tuple[int, Any, int | None]]) -> list[Finding]:
    """Exact and near-duplicate overlap between training and validation examples: errors on
    the validation line, with the training line and pair id in ``other_line`` and
    ``other_pair_id``."""
    t_rows, (t_keys, t_low) = _overlap_index(train)
    v_rows, (v_keys, v_low) = _overlap_index(valid)
    first: dict[int, tuple[int, int | None]] = {}
    for line, pid, exact in t_rows:
        first.setdefault(exact, (line, pid))
    out: list[Finding] = []
    exact_hit = set()
    for j, (line, pid, exact) in enumerate(v_rows):
        if exact in first:
            exact_hit.add(j)
            t_line, t_pid = first[exact]
            out.append(error(line, "train_valid_overlap",
                             f"validation example is an exact duplicate of training line "
                             f"{t_line}", pid, other_line=t_line, other_pair_id=t_pid))
    a, b, sims = dedupe.cross_pairs(t_keys, t_low, v_keys, v_low)
    for i, j, sim in zip(a.tolist(), b.tolist(), sims.tolist(), strict=True):
        if j not in exact_hit:
            t_line, t_pid, _ = t_rows[i]
            line, pid, _ = v_rows[j]
            out.append(error(line, "train_valid_overlap",
                             f"validation example is a near-duplicate of training line "
                             f"{t_line} (estimated similarity {sim:.2f}; {dedupe.METHOD})",
                             pid, other_line=t_line, other_pair_id=t_pid))
    return sorted(out, key=lambda f: f.line)
