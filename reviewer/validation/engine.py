"""The readiness gate: one streaming pass over the examples, then file-wide checks.

Per example: the profile's rules, special-token text, template conformance (when few-shot
examples are given) and personal data. Examples are then handled in chunks: token counts
for all strings of a chunk at once (repeated strings such as system prompts and role names
are counted once and cached), MinHash signatures for the chunk (vectorised), and compact
per-example numbers kept in arrays. At the end: too few examples, duplicates, repeated
answers, system-prompt consistency, legacy prompt/completion checks, the token and cost
summary.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..tokens import get_encoding
from . import dedupe, pii
from .chat_rules import ExampleView, special_token_findings
from .findings import ERROR, Finding, ValidationReport, error, warning
from .legacy import LegacyState
from .models import DEFAULT_MODEL, MODELS, resolve_model
from .profiles import get_profile
from .reader import file_findings, iter_raw_lines, parse_line
from .stats import token_summary
from .template import check_template, role_orders

CHUNK = 2048
FINDINGS_PER_RULE = 1000
RECOMMENDED_EXAMPLES = 50
LONG_EXAMPLE_TOKENS = 8192
CACHE_CHARS = 2_000_000       # bound on the text kept in the token-count cache
CACHE_MAX_LEN = 64            # short strings (roles, names, short replies) are cached; longer
                              # ones only when they are system prompts (they repeat)
REPEATED_ANSWER_MIN = 3


class TokenCounter:
    """Exact token counts for strings, batch-encoded, with a bounded cache of repeats.

    On a 2-core machine tiktoken's ``encode_ordinary_batch`` thread pool was measured slower
    than encoding in one thread (its Rust encoder does not run in parallel there), so batches
    are encoded sequentially unless ``threads`` > 1 is asked for.
    """

    def __init__(self, enc, threads: int = 1) -> None:
        self.enc = enc
        self.threads = threads
        self.cache: dict[str, int] = {}
        self.cached_chars = 0

    def counts(self, strings: list[str], hot: set[str] | frozenset[str] = frozenset()
               ) -> dict[str, int]:
        """Token count of every distinct string in ``strings``; ``hot`` ones are cached."""
        cache = self.cache
        result: dict[str, int] = {}
        missing: list[str] = []
        for s in dict.fromkeys(strings):
            n = cache.get(s)
            if n is None:
                missing.append(s)
            else:
                result[s] = n
        if self.threads > 1 and len(missing) > 64:
            lengths = [len(t) for t in self.enc.encode_ordinary_batch(
                missing, num_threads=self.threads)]
        else:
            encode = self.enc.encode_ordinary
            lengths = [len(encode(s)) for s in missing]
        for s, n in zip(missing, lengths, strict=True):
            result[s] = n
            if len(s) <= CACHE_MAX_LEN or s in hot:
                if self.cached_chars > CACHE_CHARS:
                    cache.clear()
                    self.cached_chars = 0
                cache[s] = n
                self.cached_chars += len(s)
        return result


class _Sink:
    """Findings with a per-rule cap; true totals are kept."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.per_rule: Counter[str] = Counter()
        self.omitted: Counter[str] = Counter()
        self.errors = 0
        self.warnings = 0

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if f.severity == ERROR:
                self.errors += 1
            else:
                self.warnings += 1
            self.per_rule[f.rule] += 1
            if self.per_rule[f.rule] > FINDINGS_PER_RULE:
                self.omitted[f.rule] += 1
            else:
                self.items.append(f)


class Validation:
    """One validation run. Feed examples with :meth:`add`, then call :meth:`finish`."""

    def __init__(self, *, target: str = "openai", model: str | None = None,
                 few_shot_examples: list[list[dict]] | None = None,
                 epochs: int | None = None, threads: int = 1) -> None:
        self.profile = get_profile(target)
        self.target = target
        self.model, self.info, self.encoding, self.encoding_known = resolve_model(model)
        self.limit = (self.info or MODELS[DEFAULT_MODEL]).max_tokens_per_example
        self.enc = get_encoding(self.encoding)
        self.counter = TokenCounter(self.enc, threads)
        self.epochs = epochs
        self.orders = role_orders(few_shot_examples) if few_shot_examples else None
        self.sink = _Sink()
        self.pending: list[ExampleView] = []
        self.examples = 0
        self.total = array("q")
        self.assistant = array("q")
        self.messages = array("q")
        self.dups = dedupe.DupIndex()
        self.answer_keys: list[np.ndarray] = []
        self.system_keys = array("q")
        self.system_text: dict[int, str] = {}
        self.no_system = 0
        self.legacy = None if self.profile.chat else LegacyState()
        self.pii_counts: Counter[str] = Counter()

    # -- per example ----------------------------------------------------------------------
    def add(self, line: int, obj: Any, pair_id: int | None = None,
            raw: bytes | None = None) -> None:
        self.examples += 1
        findings, view = self.profile.check(line, obj, pair_id)
        if raw is None or b"|" in raw or b"\\u" in raw:
            findings.extend(special_token_findings(line, obj, pair_id))
        if self.orders is not None and isinstance(obj, dict):
            messages = obj.get("messages")
            if isinstance(messages, list):
                findings.extend(check_template(line, messages, self.orders, pair_id))
        if findings:
            self.sink.add(findings)
        if view is None:
            return
        if self.legacy is not None and isinstance(obj, dict):
            self.sink.add(self.legacy.add(line, obj.get("prompt", ""), obj.get("completion", "")))
        for text in view.texts:
            kinds: dict[str, list[str]] = {}
            for kind, masked in pii.scan(text):
                kinds.setdefault(kind, []).append(masked)
            for kind, found in kinds.items():
                self.pii_counts[kind] += len(found)
                more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
                self.sink.add([warning(line, f"pii_{kind}",
                                       f"{pii.label(kind)} in text: {found[0]}{more}", pair_id)])
        self.pending.append(view)
        if len(self.pending) >= CHUNK:
            self.flush()

    def add_error(self, finding: Finding | None, *, counts_as_example: bool = True) -> None:
        if finding is None:
            return
        if counts_as_example and finding.severity == ERROR:
            self.examples += 1
        self.sink.add([finding])

    # -- per chunk ------------------------------------------------------------------------
    def flush(self) -> None:
        views, self.pending = self.pending, []
        if not views:
            return
        hot = {v.system for v in views if v.system}
        counts = self.counter.counts([s for v in views for s in v.strings], hot)
        chat = self.profile.chat
        lines, pair_ids, exact, texts, answers = [], [], [], [], []
        for v in views:
            total = sum([counts[s] for s in v.strings]) + (v.const_tokens if chat else 0)
            asst = sum([counts[s] for s in v.assistant])
            self.total.append(total)
            self.assistant.append(asst)
            self.messages.append(v.n_messages)
            if total > self.limit:
                make = error if self.profile.token_limit_is_error else warning
                self.sink.add([make(v.line, "too_many_tokens",
                                    f"{total:,} tokens; the per-example limit of {self.model} is "
                                    f"{self.limit:,} (longer examples are cut from the end, "
                                    "i.e. the answer)", v.pair_id)])
            elif total > LONG_EXAMPLE_TOKENS:
                self.sink.add([warning(v.line, "long_example",
                                       f"{total:,} tokens; very long examples are costly and "
                                       "rarely needed for Q/A", v.pair_id)])
            lines.append(v.line)
            pair_ids.append(v.pair_id)
            exact.append(dedupe.exact_key(v.strings))
            texts.append(v.user_text + "\n" + v.assistant_text)
            answers.append(dedupe.exact_key([v.assistant_text]))
            if v.system is None:
                self.no_system += 1
            else:
                key = dedupe.exact_key([v.system])
                self.system_keys.append(key)
                if key not in self.system_text and len(self.system_text) < 10_000:
                    self.system_text[key] = v.system
        self.dups.add(lines, pair_ids, exact, texts)
        self.answer_keys.append(np.asarray(answers, dtype=np.int64))

    # -- file-wide ------------------------------------------------------------------------
    def finish(self, extra_summary: dict[str, Any] | None = None) -> ValidationReport:
        self.flush()
        n = self.examples
        if n < self.profile.min_examples:
            self.sink.add([error(0, "too_few_examples",
                                 f"{n} example(s); {self.target} needs at least "
                                 f"{self.profile.min_examples}")])
        elif n < RECOMMENDED_EXAMPLES:
            self.sink.add([warning(0, "few_examples",
                                   f"{n} examples; 50 or more well-crafted examples are "
                                   "recommended")])
        lines, pair_ids, exact, keys, low = self.dups.arrays()
        self._duplicates(lines, pair_ids, exact, keys, low)
        self._repeated_answers(lines, pair_ids)
        self._systems()
        if self.legacy is not None:
            self.sink.add(self.legacy.finish())
        total = np.frombuffer(self.total, dtype=np.int64) if len(self.total) else np.zeros(0, int)
        asst = (np.frombuffer(self.assistant, dtype=np.int64) if len(self.assistant)
                else np.zeros(0, int))
        msgs = (np.frombuffer(self.messages, dtype=np.int64) if len(self.messages)
                else np.zeros(0, int))
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
        if self.sink.omitted:
            summary["omitted_findings"] = dict(self.sink.omitted)
        if extra_summary:
            summary.update(extra_summary)
        findings = sorted(self.sink.items, key=lambda f: (f.line, f.severity != ERROR, f.rule))
        return ValidationReport(summary, findings)

    def _duplicates(self, lines, pair_ids, exact, keys, low) -> None:
        exact_dup = set()
        for group in dedupe.exact_groups(exact):
            first = int(group[0])
            for i in group[1:]:
                i = int(i)
                exact_dup.add(i)
                self.sink.add([warning(int(lines[i]), "duplicate",
                                       f"exact duplicate of line {int(lines[first])} (same "
                                       "messages after normalising case and whitespace)",
                                       _pid(pair_ids[i]))])
        reported = set()
        for a, b, sim in dedupe.near_pairs(keys, low):
            if b in exact_dup or b in reported or exact[a] == exact[b]:
                continue
            reported.add(b)
            self.sink.add([warning(int(lines[b]), "near_duplicate",
                                   f"near-duplicate of line {int(lines[a])} (estimated "
                                   f"similarity {sim:.2f}; {dedupe.METHOD})",
                                   _pid(pair_ids[b]))])

    def _repeated_answers(self, lines, pair_ids) -> None:
        if not self.answer_keys:
            return
        answers = np.concatenate(self.answer_keys)
        n = answers.size
        for group in dedupe.exact_groups(answers):
            if group.size >= REPEATED_ANSWER_MIN and (group.size >= 50 or group.size / n >= 0.01):
                shown = ", ".join(str(int(lines[i])) for i in group[:5])
                self.sink.add([warning(int(lines[group[0]]), "repeated_answer",
                                       f"the same assistant answer appears in {group.size} "
                                       f"examples (lines {shown}{'…' if group.size > 5 else ''})",
                                       _pid(pair_ids[group[0]]))])

    def _systems(self) -> None:
        if not len(self.system_keys):
            return
        keys = np.frombuffer(self.system_keys, dtype=np.int64)
        values, counts = np.unique(keys, return_counts=True)
        if values.size > 1:
            top = int(np.argmax(counts))
            text = self.system_text.get(int(values[top]), "")
            short = text if len(text) <= 80 else text[:77] + "..."
            self.sink.add([warning(0, "inconsistent_system",
                                   f"{values.size} distinct system prompts; the most common "
                                   f"({int(counts[top])} of {keys.size} examples) is {short!r}")])


def _pid(value: Any) -> int | None:
    value = int(value)
    return None if value < 0 else value


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
    """Validate a JSONL file in one streaming pass. Raises ``ReadError`` (I/O) and
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
            continue
        if obj is None:
            continue
        run.add(number, obj, None, raw)
    return run.finish({"file": str(path)})


def find_overlap(train: list[tuple[int, Any, int | None]],
                 valid: list[tuple[int, Any, int | None]]) -> list[Finding]:
    """Exact and near-duplicate overlap between training and validation examples (errors,
    reported on the validation line)."""

    def index(items):
        lines, pids, exact, texts = [], [], [], []
        for line, obj, pid in items:
            _, view = get_profile("openai").check(line, obj, pid) if isinstance(obj, dict) and \
                "messages" in obj else get_profile("prompt-completion").check(line, obj, pid)
            if view is None:
                continue
            lines.append(line)
            pids.append(pid)
            exact.append(dedupe.exact_key(view.strings))
            texts.append(view.user_text + "\n" + view.assistant_text)
        return lines, pids, exact, texts

    t_lines, t_pids, t_exact, t_texts = index(train)
    v_lines, v_pids, v_exact, v_texts = index(valid)
    if not t_lines or not v_lines:
        return []
    out: list[Finding] = []
    t_first = {}
    for i, key in enumerate(t_exact):
        t_first.setdefault(key, i)
    hit = set()
    for j, key in enumerate(v_exact):
        if key in t_first:
            hit.add(j)
            out.append(error(v_lines[j], "train_valid_overlap",
                             f"validation example is an exact duplicate of training line "
                             f"{t_lines[t_first[key]]}", v_pids[j]))
    keys, low = dedupe.signatures(t_texts + v_texts)
    nt = len(t_texts)
    for a, b, sim in dedupe.near_pairs(keys, low):
        if a < nt <= b and (b - nt) not in hit:
            j = b - nt
            hit.add(j)
            out.append(error(v_lines[j], "train_valid_overlap",
                             f"validation example is a near-duplicate of training line "
                             f"{t_lines[a]} (estimated similarity {sim:.2f}; {dedupe.METHOD})",
                             v_pids[j]))
    return sorted(out, key=lambda f: f.line)
