"""What an import run tells its caller: counts plus every rejected record."""

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


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    files: int = 0
    run_id: int | None = None

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
            "rejections": [asdict(r) for r in self.rejected],
        }

    def lines(self) -> list[str]:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}" if n == 1 else f"{n} {word}s"

        out = [
            f"Imported {plural(self.imported, 'conversation')} from "
            f"{plural(self.files, 'file')}; {plural(self.duplicates, 'duplicate')} skipped; "
            f"{len(self.rejected)} rejected."
        ]
        if self.rejected:
            out.append("Rejected:")
            out.extend(f"  {r.describe()}" for r in self.rejected)
        return out
