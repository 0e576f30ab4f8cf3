"""What the Import page shows, computed without Streamlit: the last import's per-file rows,
which split options apply to the chosen splitter, whether a split would do anything (and
why not), and the last split as the job it ran in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..jobs.store import FAILED, INTERRUPTED, SUCCEEDED, Job

REVIEW_PAGE = "pages/review.py"
SPLITTERS = ("rules", "llm")
STATIC_TABLE_ROWS = 30  # up to this many files the report is a plain table (full cells)
SPLITTER_LABELS = {"rules": "Rules (offline)", "llm": "LLM (OpenAI-compatible)"}


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# ---- the import report ------------------------------------------------------------------------

def _copies(items: list[Mapping[str, str]]) -> str:
    by_file: dict[str, list[str]] = {}
    for item in items:
        by_file.setdefault(item.get("file", ""), []).append(item.get("locator", ""))
    return "; ".join(f"{name} {', '.join(loc for loc in locs if loc)}".rstrip()
                     for name, locs in by_file.items())


def duplicates_text(entry: Mapping[str, Any]) -> str:
    """``2 of an earlier import (first: a.txt line 1) · 1 within this upload (…)``."""
    parts = []
    for count_key, copies_key, kind in (
            ("duplicates_of_earlier_imports", "first_copies_earlier", "of an earlier import"),
            ("duplicates_within_this_import", "first_copies_here", "within this upload")):
        n = int(entry.get(count_key) or 0)
        if n:
            copies = entry.get(copies_key) or []
            where = f" (first copy: {_copies(copies)})" if copies else ""
            parts.append(f"{n} {kind}{where}")
    return " · ".join(parts)


def file_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per file of the import (zip members count as files)."""
    return [{"file": e.get("file", ""), "encoding": e.get("encoding") or "—",
             "imported": int(e.get("imported") or 0), "rejected": int(e.get("rejected") or 0),
             "duplicates": int(e.get("duplicates") or 0),
             "duplicates of": duplicates_text(e)}
            for e in report.get("per_file") or []]


def import_headline(report: Mapping[str, Any]) -> str:
    """Which run the report is, and where its files' details are."""
    run = f"Import run #{report['run_id']}" if report.get("run_id") else "Import"
    return f"{run}, file by file:"


# ---- the split form ---------------------------------------------------------------------------

def shows_model_fields(kind: str) -> bool:
    """Provider, model and concurrency only mean something to the LLM splitter (the rules
    splitter is offline and quick)."""
    return kind == "llm"


@dataclass(frozen=True)
class SplitPlan:
    """How many conversations a split would take, and why none when it would take none."""

    count: int
    reason: str
    retry_useful: bool  # failed conversations exist: "Retry failed" would add them
    redo_useful: bool  # split conversations exist: "Redo already split" would add them

    @property
    def summary(self) -> str:
        """What the Split button will take ("" when nothing)."""
        return f"Split takes {_n(self.count, 'conversation')}." if self.count else ""


def split_plan(conversations: Mapping[str, int], *, retry_failed: bool, redo: bool
               ) -> SplitPlan:
    pending = conversations.get("pending", 0)
    failed = conversations.get("failed", 0)
    done = conversations.get("split", 0)
    count = pending + (failed if retry_failed else 0) + (done if redo else 0)
    reason = ""
    if not count:
        if not (pending or failed or done):
            reason = "Nothing to split yet: import conversation dumps above first."
        else:
            hints = []
            if failed:
                hints.append(f"tick “Retry failed conversations” to try the {failed:,} "
                             "failed again")
            if done:
                hints.append(f"tick “Redo already split” to split the {done:,} split "
                             "again (reviewed pairs are kept)")
            reason = ("Nothing to split: no conversation is pending. To split again, "
                      + " or ".join(hints) + ".")
    return SplitPlan(count, reason, retry_useful=failed > 0, redo_useful=done > 0)


# ---- the last split ---------------------------------------------------------------------------

def when(iso: str | None) -> str:
    """``2026-05-01 14:03 UTC`` from a stored ISO timestamp (as stored when unparseable)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def splitter_label(name: str | None) -> str:
    if not name:
        return "unknown splitter"
    if name == "rules":
        return "rules splitter (offline)"
    if name.startswith("llm:"):
        return f"LLM splitter, model {name[4:]}"
    return f"{name} splitter"


STATUS_WORDS = {SUCCEEDED: "finished", FAILED: "failed", INTERRUPTED: "interrupted"}


@dataclass(frozen=True)
class LastSplit:
    heading: str  # "Job #4 (run #9), rules splitter (offline)"
    timing: str  # "started … by …; finished …" plus the options used
    metrics: list[tuple[str, int]]
    kept_line: str
    failures: list[dict[str, str]]
    pairs_created: int
    summary: list[str] = field(default_factory=list)  # the run summary (split_summary)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def _counted(counts: Mapping[str, Any], whole: int | None = None) -> str:
    items = sorted(((str(k), int(v or 0)) for k, v in counts.items()),
                   key=lambda kv: (-kv[1], kv[0]))
    if whole is None:
        return ", ".join(f"{code} {n:,}" for code, n in items)
    return ", ".join(f"{code} {n:,} ({_share(n, whole)})" for code, n in items)


def _usd(value: Any) -> str:
    return f"${float(value):.4f}"


def split_summary(result: Mapping[str, Any]) -> list[str]:
    """A split run's summary, line by line: flagged pairs (share per flag), pairs dropped by
    the checks (per reason), duplicates merged, failures per reason code, failures a retry
    held back, and the estimated against the actual cost."""
    raw = result.get("outcome")
    outcome: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    out: list[str] = []
    stored = int(outcome.get("stored") or 0)
    if stored:
        flagged = int(outcome.get("flagged") or 0)
        line = f"Pairs flagged: {flagged:,} of {stored:,} stored ({_share(flagged, stored)})"
        flags = outcome.get("flags") or {}
        out.append(line + (f" — {_counted(flags, stored)}." if flags else "."))
    proposed = int(outcome.get("proposed") or 0)
    dropped = outcome.get("dropped") or {}
    if proposed or dropped:
        total = sum(int(v or 0) for v in dropped.values())
        line = (f"Dropped by the checks: {total:,} of {proposed:,} proposed "
                f"({_share(total, proposed)})")
        out.append(line + (f" — {_counted(dropped, proposed)}." if dropped else "."))
    out.append(f"Duplicates merged: {int(outcome.get('duplicates_merged') or 0):,}.")
    if outcome.get("chunked_conversations"):
        out.append(f"Long conversations: {int(outcome['chunked_conversations']):,} split in "
                   f"{int(outcome.get('chunks') or 0):,} chunks.")
    failures = outcome.get("failures_by_reason") or {}
    if failures:
        out.append(f"Failures by reason: {_counted(failures)}.")
    held = result.get("not_retried") or []
    if held:
        codes: dict[str, int] = {}
        for item in held:
            code = str(item.get("code", "other")) if isinstance(item, dict) else "other"
            codes[code] = codes.get(code, 0) + 1
        out.append(f"Not retried: same settings would fail again — {_counted(codes)}.")
    estimate = result.get("estimate") if isinstance(result.get("estimate"), dict) else None
    calls = int(result.get("calls") or 0)
    if estimate is not None or calls:
        guess = "not estimated"
        if estimate is not None:
            guess = (_usd(estimate["cost_usd"]) if estimate.get("cost_usd") is not None
                     else "unknown (no price for this model)")
        actual = result.get("cost_usd")
        spent = (_usd(actual) if actual is not None
                 else "unknown (no price for this model)" if result.get("unpriced_calls")
                 else _usd(0))
        out.append(f"Cost: estimated {guess}; actual {spent} for {_n(calls, 'call')}.")
    return out


def last_split(job: Job | None) -> LastSplit | None:
    """The latest split job as its own block; None before the first split or while one runs."""
    if job is None or job.active:
        return None
    settings = job.settings or {}
    result = job.result if isinstance(job.result, dict) else {}
    run = f" (run #{result['run_id']})" if result.get("run_id") else ""
    heading = f"Job #{job.id}{run}, {splitter_label(settings.get('splitter'))}"
    by = f" by {settings['who']}" if settings.get("who") else ""
    status = STATUS_WORDS.get(job.status, job.status)
    timing = f"Started {when(job.created_at)}{by}; {status} {when(job.finished_at)}".rstrip()
    options = [label for key, label in (("retry_failed", "retrying failed"),
                                        ("redo", "redoing already split")) if settings.get(key)]
    if options:
        timing += f" ({', '.join(options)})"
    timing += "."
    if result.get("stopped"):  # a refused key, no quota, or the spending ceiling
        timing += (f" It stopped early — {result['stopped']}; "
                   f"{_n(int(result.get('remaining') or 0), 'conversation')} remain.")
    metrics = [(label, int(result.get(key) or 0)) for key, label in (
        ("processed", "Processed"), ("split", "Split"), ("failed", "Failed"),
        ("skipped", "Skipped"), ("pairs_created", "Pairs created"))] if result else []
    kept = (f"Pairs kept from earlier review: {int(result.get('pairs_kept') or 0)}; "
            f"superseded: {int(result.get('pairs_superseded') or 0)}.") if result else ""
    failures = [{"conversation": str(f.get("conversation_id", "")),
                 "reason": str(f.get("reason", ""))} if isinstance(f, dict)
                else {"conversation": str(f[0]), "reason": str(f[1])}
                for f in (result.get("failures") or [])]
    return LastSplit(heading, timing, metrics, kept, failures,
                     int(result.get("pairs_created") or 0),
                     split_summary(result) if result else [])


# ---- mapped imports ---------------------------------------------------------------------------

IMPORT_KINDS = ("dumps", "mapped")
IMPORT_KIND_LABELS = {"dumps": "Conversation dumps", "mapped": "Records through a mapping"}
PREVIEW_RECORDS = 5
PREVIEW_CHARS = 300  # per cell: the preview is for checking the layout, not reading it all
MAPPING_SOURCES = ("preset", "file")
MAPPING_SOURCE_LABELS = {"preset": "A shipped preset", "file": "My mapping file (.toml / .json)"}


@dataclass(frozen=True)
class PresetChoice:
    name: str
    label: str  # "squad — ready pairs from json"
    description: str
    unavailable: str  # why it cannot be used here ("" when it can)


def preset_choices() -> list[PresetChoice]:
    from ..importing.mapping import list_presets

    out = []
    for preset in list_presets():
        makes = "ready pairs" if preset.spec.output == "pairs" else "conversations"
        label = f"{preset.name} — {makes} from {', '.join(preset.spec.files)}"
        if preset.missing:
            label += " (unavailable)"
        out.append(PresetChoice(preset.name, label, preset.spec.description, preset.missing))
    return out


def chosen_mapping(source: str, preset: str | None, upload: tuple[str, bytes] | None
                   ) -> tuple[Any, str]:
    """(the mapping, "") or (None, why not) for the form's current choice."""
    from ..importing.mapping import MappingError, PresetError, get_preset, parse_mapping_text
    from ..importing.mapping.presets import usable
    from ..importing.mapping.spec import MAX_MAPPING_BYTES

    try:
        if source == "preset":
            if not preset:
                return None, "Choose a preset."
            return usable(get_preset(preset).spec), ""
        if upload is None:
            return None, "Upload a mapping file (.toml or .json)."
        name, data = upload
        if len(data) > MAX_MAPPING_BYTES:
            return None, f"{name}: a mapping file over 256 KB is not a mapping."
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, f"{name}: a mapping file must be UTF-8."
        suffix = ".json" if name.lower().endswith(".json") else ".toml"
        return usable(parse_mapping_text(text, name=name, suffix=suffix)), ""
    except (MappingError, PresetError) as exc:
        return None, str(exc)


def _cut(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def preview_rows(items: list[Any]) -> list[dict[str, str]]:
    """The preview table: one row per pair (system / question / answer), per conversation
    (its turns), or per refused record (why)."""
    from ..importing.report import Rejection

    rows: list[dict[str, str]] = []
    for item in items:
        if isinstance(item, Rejection):
            rows.append({"where": f"{item.source} {item.locator}".strip(), "system": "",
                         "question / turns": "", "answer": "", "refused": item.reason})
            continue
        conv = item.conversation
        where = f"{conv.source} {conv.locator}".strip()
        if item.pairs:
            rows.extend({"where": where, "system": _cut(p.system), "question / turns":
                         _cut(p.question), "answer": _cut(p.answer), "refused": ""}
                        for p in item.pairs)
        else:
            rows.append({"where": where, "system": "", "question / turns": _cut(conv.text),
                         "answer": "", "refused": ""})
    return rows


def upload_signature(mapping_key: str, files: list[tuple[str, int]]) -> str:
    """What a preview was made of: the import button needs a preview of the same choice."""
    return mapping_key + "|" + "|".join(f"{name}:{size}" for name, size in files)


def mapped_headline(report: Mapping[str, Any]) -> str:
    """``Mapping squad: 18 ready pairs created …`` ("" for a plain import)."""
    if not report.get("mapping"):
        return ""
    if report.get("output") == "pairs":
        return (f"Mapping {report['mapping']}: {_n(int(report.get('pairs') or 0), 'ready pair')}"
                " created, waiting for review (they are not split).")
    return f"Mapping {report['mapping']}: the conversations wait for a split below."

# ---- a batch split at the provider --------------------------------------------------------------

BATCH_KIND = "split_batch"


@dataclass(frozen=True)
class BatchStatus:
    heading: str  # "Batch job #3, model gpt-4o-mini"
    lines: list[str]
    active: bool  # still waiting at the provider: offer "Check now"


def batch_status(job: Job | None) -> BatchStatus | None:
    """The latest Batch API split as a small block; None before the first one."""
    if job is None:
        return None
    settings = job.settings or {}
    result = job.result if isinstance(job.result, dict) else {}
    items = {str(k): int(v) for k, v in (result.get("items") or {}).items()}
    total = sum(items.values()) or job.total
    answered = total - items.get("submitted", 0)
    heading = f"Batch job #{job.id}, model {settings.get('model') or '?'}"
    by = f" by {settings['started_by']}" if settings.get("started_by") else ""
    lines = [f"Submitted {when(job.created_at)}{by}: {_n(total, 'conversation')} in "
             f"{_n(len((job.external_id or '').split(',')) if job.external_id else 0, 'batch')}."]
    if job.active:
        lines.append(f"Waiting at the provider (answers within 24 hours): {answered:,} of "
                     f"{total:,} answered so far. reviewer jobs poll {job.id} (or Check now) "
                     "stores the answers of batches that ended.")
    else:
        status = STATUS_WORDS.get(job.status, job.status)
        lines.append(f"{status.capitalize()} {when(job.finished_at)}: "
                     f"{items.get('done', 0):,} split, {items.get('failed', 0):,} failed, "
                     f"{items.get('missing', 0):,} without an answer.")
    estimate = result.get("estimate") or {}
    if estimate:
        cost = estimate.get("cost_usd")
        lines.append("Estimated cost at batch prices: "
                     + (f"${cost:.4f}." if cost is not None else "unknown (no price for "
                        "this model)."))
    if result.get("runs"):
        actual = result.get("cost_usd")
        lines.append("Actual cost so far: " + (f"${actual:.4f}." if actual is not None
                                               else "unknown (no price for this model)."))
    if items.get("cancelled"):
        lines.append(f"{_n(items['cancelled'], 'conversation')} released by the cancel: "
                     "live splits take them again.")
    if items.get("missing"):
        lines.append(f"{_n(items['missing'], 'conversation')} got no answer: send them again "
                     f"with: reviewer split --batch --resubmit-missing {job.id} (or split "
                     "them live).")
    return BatchStatus(heading, lines, job.active)


# ---- who speaks as what (conversation dumps) --------------------------------------------------

def dump_roles(staff: str, rules: str) -> tuple[Any, str]:
    """(`SpeakerRoles` or None, "") from the form's staff names and NAME=ROLE rules (each
    comma- or line-separated), or (None, why) when a rule cannot be read."""
    from ..importing.speakers import speaker_roles

    try:
        return speaker_roles([staff.replace("\n", ",")], [rules.replace("\n", ",")]), ""
    except ValueError as exc:
        return None, f"Roles: {exc}."


def roles_summary(roles: Any) -> str:
    """``Engineers: alice, bob · everyone else: customer`` for the form ("" without roles)."""
    if roles is None:
        return ""
    by_role: dict[str, list[str]] = {}
    for name, role in roles.names.items():
        by_role.setdefault(role, []).append(name)
    parts = [f"{role.capitalize()}s: {', '.join(names)}" for role, names in by_role.items()]
    if roles.others:
        parts.append(f"everyone else: {roles.others}")
    return " · ".join(parts) + "."


# ---- a mapping's [options] --------------------------------------------------------------------

@dataclass(frozen=True)
class OptionField:
    """One of a mapping's [options] as a text input: its default written the way it is typed
    (a list as comma-separated text, a table as JSON)."""

    key: str
    default: str
    hint: str


def _option_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _option_hint(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "comma-separated"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number; empty to leave it out"
    if isinstance(value, Mapping):
        return "a JSON object"
    return "text; empty to leave it out"


def option_fields(spec: Any) -> list[OptionField]:
    """An input per key of the mapping's [options], filled with its default."""
    if spec is None:
        return []
    return [OptionField(key, _option_text(value), _option_hint(value))
            for key, value in dict(spec.options).items()]


def _option_value(key: str, text: str, default: Any) -> Any:
    """The typed value of one option field, shaped like its default; ValueError says why."""
    text = text.strip()
    if isinstance(default, list | tuple):
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if isinstance(default, bool):
        if text.lower() in ("true", "yes", "1", "on"):
            return True
        if text.lower() in ("false", "no", "0", "off", ""):
            return False
        raise ValueError(f"{key} must be true or false, got {text!r}")
    if isinstance(default, int | float):
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}") from None
    if isinstance(default, Mapping):
        import json

        try:
            value = json.loads(text or "{}")
        except ValueError:
            raise ValueError(f"{key} must be a JSON object, got {text!r}") from None
        if not isinstance(value, dict):
            raise ValueError(f"{key} must be a JSON object, got {text!r}")
        return value
    return text


def with_options(spec: Any, typed: Mapping[str, str]) -> tuple[Any, str]:
    """(the mapping with the form's option values, "") or (None, why not).

    An empty number or text leaves the option out (the reader's own default). A mapping read
    by a function has its options checked by that function before anything is read, so a bad
    value is named here, not as a rejection of every file."""
    if spec is None:
        return None, ""
    from dataclasses import replace

    options: dict[str, Any] = {}
    try:
        for key, default in dict(spec.options).items():
            text = typed.get(key, _option_text(default))
            if not text.strip() and not isinstance(default, list | tuple | bool | Mapping):
                continue
            options[key] = _option_value(key, text, default)
    except ValueError as exc:
        return None, f"Options: {exc}."
    changed = replace(spec, options=options)
    problem = _builder_refuses(changed)
    return (None, f"Options: {problem}.") if problem else (changed, "")


def _builder_refuses(spec: Any) -> str:
    """What a reader function says about its options, asked with an empty file ("" if fine)."""
    if not spec.builder:
        return ""
    import io

    from ..importing.mapping.reader import load_builder

    try:
        for _ in load_builder(spec.builder)(io.StringIO(""), "(options)", dict(spec.options)):
            break
    except ValueError as exc:
        return str(exc)
    except Exception:  # anything else is about the empty file, not the options
        return ""
    return ""


def options_key(spec: Any) -> str:
    """The options a preview was made with, for `upload_signature`."""
    if spec is None:
        return ""
    import json

    return json.dumps(dict(spec.options), sort_keys=True, ensure_ascii=False, default=str)
