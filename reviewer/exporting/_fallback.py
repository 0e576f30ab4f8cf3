"""Temporary stand-in for `reviewer.validation` until that package lands (remove then).

Implements only the contract's shapes and the few checks export tests need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..models import normalise_text
from ..tokens import count_chat_tokens, encoding_name_for_model, get_encoding

_SPECIAL = re.compile(r"<\|[^|>]*\|>")


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    severity: str
    message: str
    pair_id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ValidationReport:
    summary: dict
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {"summary": self.summary, "findings": [f.to_dict() for f in self.findings]}

    def lines(self) -> list[str]:
        out = [f"examples: {self.summary.get('examples')}"]
        out += [f"{f.severity} line {f.line}: {f.rule}: {f.message}" for f in self.findings]
        return out


class _Profile:
    def __init__(self, name: str):
        self.name = name

    def render(self, messages: list[dict]) -> dict:
        return {"messages": messages}


PROFILES = {"openai": _Profile("openai")}


def validate_objects(items: Iterable[tuple[int, dict, int | None]], *, target="openai",
                     model=None, few_shot_examples=None, epochs=None) -> ValidationReport:
    enc = get_encoding(encoding_name_for_model(model))
    findings: list[Finding] = []
    total = 0
    n = 0
    for line, obj, pair_id in items:
        n += 1
        messages = obj.get("messages") or []
        for message in messages:
            content = message.get("content")
            if not isinstance(content, str) or not content:
                findings.append(Finding(line, "missing_content", "error",
                                        f"{message.get('role')} message has no content", pair_id))
            elif _SPECIAL.search(content):
                findings.append(Finding(line, "special_token", "error",
                                        "reserved special-token text", pair_id))
        total += count_chat_tokens(messages, enc)
    if n < 10:
        findings.append(Finding(0, "too_few_examples", "error", f"{n} examples, need 10"))
    epochs = epochs or (3 if n == 0 or 3 * n >= 100 else min(25, 100 // n))
    summary = {"examples": n, "errors": sum(f.severity == "error" for f in findings),
               "warnings": 0, "total_tokens": total, "billed_tokens": total * epochs,
               "epochs": epochs, "estimated_cost_usd": None, "model": model, "target": target}
    return ValidationReport(summary, findings)


def _key(obj: dict) -> str:
    return normalise_text(" ".join(str(m.get("content")) for m in obj.get("messages", [])[1:]))


def find_overlap(train, valid) -> list[Finding]:
    seen = {_key(obj): (line, pid) for line, obj, pid in train}
    out = []
    for line, obj, pid in valid:
        if _key(obj) in seen:
            tline, tpid = seen[_key(obj)]
            out.append(Finding(line, "train_valid_overlap", "error",
                               f"same as train line {tline} (pair {tpid})", pid))
    return out
