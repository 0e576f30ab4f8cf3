"""What an import run tells its caller: counts, what happened to each file, and every
rejected record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .names import printable


@dataclass(slots=True)
class Rejection:
    """A file or record that was not imported.

    `locator` is ``"line 7"``, ``"index 2"``, ``"row 4"``, or ``""`` for the whole file;
    `rule` is a short code for the check that refused it (``invalid_json``, ``binary_data``,
    ``unclosed_quote`` ...). Every text is made printable on creation: a name or reason
    built from hostile input (lone surrogates, undecodable file names) must not break the
    terminal, the JSON report or the database.
    """

    source: str
    locator: str
    reason: str
    rule: str = ""

    def __post_init__(self) -> None:
        self.source = printable(self.source)
        self.locator = printable(self.locator)
        self.reason = printable(self.reason)

    def describe(self) -> str:
        where = f"{self.source} {self.locator}" if self.locator else self.source
        return f"{where}: {self.reason}"


# How many distinct first copies a file's entry names per kind of duplicate.
FIRST_COPIES_SHOWN = 3


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_copies(copies: list[tuple[str, str]]) -> str:
    """``a.txt line 1, line 9; b.json index 2`` (locators grouped by file)."""
    by_file: dict[str, list[str]] = {}
    for source, locator in copies:
        by_file.setdefault(source, []).append(locator)
    return "; ".join(f"{source} {', '.join(loc for loc in locators if loc)}".rstrip()
                     for source, locators in by_file.items())


@dataclass(slots=True)
class FileReport:
    """One file's share of an import (a zip member counts as a file of its own).

    Duplicates are split by where the first copy is: an earlier import (already in the
    database before this run) or this same import (an earlier record of this file or of
    another file in the batch). `first_copies_*` keep up to `FIRST_COPIES_SHOWN` distinct
    first copies as (file, locator).
    """

    name: str
    encoding: str = ""
    imported: int = 0
    duplicates_earlier: int = 0
    duplicates_here: int = 0
    rejected: int = 0
    first_copies_earlier: list[tuple[str, str]] = field(default_factory=list)
    first_copies_here: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = printable(self.name)

    @property
    def duplicates(self) -> int:
        return self.duplicates_earlier + self.duplicates_here

    def add_duplicate(self, *, earlier: bool, source: str, locator: str) -> None:
        copies = self.first_copies_earlier if earlier else self.first_copies_here
        if earlier:
            self.duplicates_earlier += 1
        else:
            self.duplicates_here += 1
        copy = (printable(source), printable(locator or ""))
        if copy not in copies and len(copies) < FIRST_COPIES_SHOWN:
            copies.append(copy)

    def to_dict(self) -> dict:
        def copies(items: list[tuple[str, str]]) -> list[dict]:
            return [{"file": source, "locator": locator} for source, locator in items]

        return {"file": self.name, "encoding": self.encoding, "imported": self.imported,
                "duplicates": self.duplicates,
                "duplicates_of_earlier_imports": self.duplicates_earlier,
                "duplicates_within_this_import": self.duplicates_here,
                "first_copies_earlier": copies(self.first_copies_earlier),
                "first_copies_here": copies(self.first_copies_here),
                "rejected": self.rejected}

    def duplicate_parts(self) -> list[str]:
        """The duplicates by kind, each naming where its first copies are."""
        parts = []
        for n, kind, copies in ((self.duplicates_earlier, "of an earlier import",
                                 self.first_copies_earlier),
                                (self.duplicates_here, "within this import",
                                 self.first_copies_here)):
            if n:
                more = " …" if n > len(copies) and len(copies) == FIRST_COPIES_SHOWN else ""
                where = f" (first copy: {describe_copies(copies)}{more})" if copies else ""
                parts.append(f"{n} {kind}{where}")
        return parts

    def line(self) -> str:
        """``name [encoding]: N imported, N rejected, N duplicates: …`` (one line)."""
        encoding = f" [{self.encoding}]" if self.encoding else ""
        dups = _plural(self.duplicates, "duplicate")
        if self.duplicates:
            dups += ": " + "; ".join(self.duplicate_parts())
        return f"{self.name}{encoding}: {self.imported} imported, {self.rejected} rejected, {dups}"


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    files: int = 0
    run_id: int | None = None
    per_file: dict[str, FileReport] = field(default_factory=dict)

    def file(self, name: str) -> FileReport:
        """The entry for ``name``, made on first use (entries keep first-seen order)."""
        entry = self.per_file.get(name)
        if entry is None:
            entry = self.per_file[name] = FileReport(name)
        return entry

    def reject(self, rejection: Rejection) -> None:
        self.rejected.append(rejection)
        self.file(rejection.source).rejected += 1

    @property
    def ok(self) -> bool:
        return not self.rejected

    def counts(self) -> dict:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "files": self.files,
        }

    def to_dict(self) -> dict:
        return {
            **self.counts(),
            "run_id": self.run_id,
            "per_file": [f.to_dict() for f in self.per_file.values()],
            "rejections": [asdict(r) for r in self.rejected],
        }

    def lines(self) -> list[str]:
        out = [
            f"Imported {_plural(self.imported, 'conversation')} from "
            f"{_plural(self.files, 'file')}; {_plural(self.duplicates, 'duplicate')} skipped; "
            f"{len(self.rejected)} rejected."
        ]
        out.extend(f"  {f.line()}" for f in self.per_file.values())
        if self.rejected:
            out.append("Rejected:")
            out.extend(f"  {r.describe()}" for r in self.rejected)
        return out
