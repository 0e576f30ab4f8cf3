"""Legacy prompt/completion checks that still make sense (after openai's old ``prepare_data``).

Collected incrementally over the stream: common prompt suffix (the separator), whether it
also appears earlier inside prompts, completions starting with a space, common completion
suffix (the stop sequence) and whether it appears inside completions, long common prefixes,
all-identical prompts or completions, and very long examples (over 10,000 characters).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from .findings import Finding, error, warning

SEPARATOR = "\n\n###\n\n"
STOP = " END"
LONG_CHARS = 10_000
SEPARATOR_CANDIDATES = (" ->", "\n\n###\n\n", "\n\n===\n\n", "\n\n---\n\n", "\n\n===>\n\n",
                        "\n\n--->\n\n")
STOP_CANDIDATES = ("\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%")


def _common_suffix(a: str, b: str) -> str:
    return os.path.commonprefix([a[::-1], b[::-1]])[::-1]


@dataclass
class LegacyState:
    n: int = 0
    prompt_prefix: str = ""
    prompt_suffix: str = ""
    completion_prefix: str = ""
    completion_suffix: str = ""
    first_prompt: str | None = None
    first_completion: str | None = None
    all_prompts_same: bool = True
    all_completions_same: bool = True
    no_space: list[int] = field(default_factory=list)
    no_space_count: int = 0
    prompts: list[tuple[int, str]] = field(default_factory=list)  # small sample for suffix reuse
    completions: list[tuple[int, str]] = field(default_factory=list)
    seen_chars_prompt: set[str] = field(default_factory=set)

    def add(self, line: int, prompt: str, completion: str) -> list[Finding]:
        out: list[Finding] = []
        self.n += 1
        if self.first_prompt is None:
            self.first_prompt, self.first_completion = prompt, completion
            self.prompt_prefix = self.prompt_suffix = prompt
            self.completion_prefix = self.completion_suffix = completion
        else:
            self.all_prompts_same &= prompt == self.first_prompt
            self.all_completions_same &= completion == self.first_completion
            self.prompt_prefix = os.path.commonprefix([self.prompt_prefix, prompt])
            self.prompt_suffix = _common_suffix(self.prompt_suffix, prompt)
            self.completion_prefix = os.path.commonprefix([self.completion_prefix, completion])
            self.completion_suffix = _common_suffix(self.completion_suffix, completion)
        if not completion.startswith(" "):
            self.no_space_count += 1
            if len(self.no_space) < 5:
                self.no_space.append(line)
        # keep a bounded sample to check separator/stop reuse at the end
        if len(self.prompts) < 20_000:
            self.prompts.append((line, prompt))
            self.completions.append((line, completion))
        if len(prompt) + len(completion) > LONG_CHARS:
            out.append(warning(line, "long_example",
                               f"prompt + completion is {len(prompt) + len(completion):,} "
                               f"characters (legacy guidance: under {LONG_CHARS:,})"))
        return out

    def finish(self) -> list[Finding]:
        out: list[Finding] = []
        if self.n < 2:
            return out
        if self.all_prompts_same:
            out.append(error(0, "all_prompts_identical", "every prompt is the same"))
        if self.all_completions_same:
            out.append(error(0, "all_completions_identical", "every completion is the same"))
        out.extend(_ending_findings(
            self.prompt_suffix, self.prompts, SEPARATOR_CANDIDATES, "\n\n### =>\n\n",
            missing=("prompt_separator", "prompts do not end with a common separator; end "
                                         "each with {suggest!r}"),
            reused=("separator_in_prompt", "the separator {ending!r} also appears inside "
                                           "{n} prompt(s)")))
        if self.no_space_count:
            out.append(warning(self.no_space[0], "completion_leading_space",
                               f"{self.no_space_count} completion(s) do not start with a space "
                               f"(lines {', '.join(map(str, self.no_space))}…)"))
        out.extend(_ending_findings(
            self.completion_suffix, self.completions, STOP_CANDIDATES, " [END]",
            missing=("completion_stop", "completions do not end with a common stop sequence; "
                                        "end each with {suggest!r} and pass it as stop at "
                                        "inference"),
            reused=("stop_in_completion", "the stop sequence {ending!r} also appears inside "
                                          "{n} completion(s)")))
        prefix = self.prompt_prefix
        if len(prefix) > 12:
            out.append(warning(0, "common_prompt_prefix",
                               f"all prompts start with {prefix[:40]!r}; fine-tuning does not "
                               "need instructions repeated in every prompt"))
        cprefix = self.completion_prefix.removeprefix(" ")
        if len(cprefix) >= 5 and not self.all_completions_same:
            out.append(warning(0, "common_completion_prefix",
                               f"all completions start with {cprefix[:40]!r}; consider removing "
                               "it"))
        return out


def _ending_findings(ending: str, items: list[tuple[int, str]], candidates: Sequence[str],
                     fallback: str, *, missing: tuple[str, str],
                     reused: tuple[str, str]) -> list[Finding]:
    """The separator / stop-sequence check: a common ending must exist (else suggest the
    first candidate no text contains) and must not also occur inside a text."""
    if not ending:
        suggest = next((c for c in candidates if not any(c in t for _, t in items)), fallback)
        return [warning(0, missing[0], missing[1].format(suggest=suggest))]
    inside = [ln for ln, t in items if ending in t[:-len(ending)]]
    if not inside:
        return []
    return [warning(inside[0], reused[0], reused[1].format(ending=ending, n=len(inside)))]
