"""`.zip` archives: each member is imported like a file of its own.

Nothing is extracted to disk, but member names are still checked: an absolute path or a
``..`` component marks a hostile archive and that member is refused. The member count and
the total declared uncompressed size are capped before anything is decompressed, and each
member is read through a reader that stops at its declared size, so a header that lies
cannot unpack more than the cap. Archives inside archives are refused.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from ..models import Conversation
from .errors import FileRejected
from .limits import Limits, human_bytes
from .names import member_display_name
from .report import Rejection
from .sources import LimitedReader, Source, check_size

ParseMember = Callable[[Source], Iterator[Conversation | Rejection]]

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_member_name(name: str) -> str | None:
    """Why a member name could escape the archive, or None when it is safe."""
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        return "absolute path in archive; refused"
    if ".." in path.split("/"):
        return "path escapes the archive ('..'); refused"
    if "\x00" in path:
        return "NUL byte in member name; refused"
    return None


def _ignored(name: str) -> bool:
    """macOS resource forks and folder metadata that zip tools add."""
    parts = name.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def parse_archive(source: Source, limits: Limits, parse_member: ParseMember
                  ) -> Iterator[Conversation | Rejection]:
    if source.seekable is None:
        raise FileRejected("nested archives are not supported; unpack the inner zip first",
                           rule="nested_archive")
    with source.seekable() as handle:
        archive = _open_zip(handle)
        with archive:
            members = [i for i in archive.infolist() if not i.is_dir() and not _ignored(i.filename)]
            _check_totals(members, limits)
            for info in members:
                yield from _member(archive, info, source.name, limits, parse_member)


def _open_zip(handle: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise FileRejected(f"not a valid zip archive ({exc})", rule="invalid_archive") from exc


def _check_totals(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.max_zip_members:
        raise FileRejected(
            f"archive holds {len(members)} files, over the limit of {limits.max_zip_members}; "
            "refused", rule="archive_limits"
        )
    total = sum(info.file_size for info in members)
    if total > limits.max_zip_total_bytes:
        raise FileRejected(
            f"archive unpacks to {human_bytes(total)}, over the "
            f"{human_bytes(limits.max_zip_total_bytes)} limit; refused", rule="archive_limits"
        )


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_name: str,
            limits: Limits, parse_member: ParseMember) -> Iterator[Conversation | Rejection]:
    name = f"{archive_name}:{member_display_name(info.filename, bool(info.flag_bits & 0x800))}"
    problem = unsafe_member_name(info.filename)
    rule = "unsafe_archive_member"
    if problem is None and info.flag_bits & 0x1:
        problem, rule = "encrypted archive member; not supported", "encrypted_member"
    if problem is None:
        try:
            check_size(name, info.file_size, limits.max_file_bytes)
        except FileRejected as exc:
            problem, rule = str(exc), exc.rule
    if problem is not None:
        yield Rejection(name, "", problem, rule)
        return

    def opener() -> BinaryIO:
        try:
            raw = archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise FileRejected(f"cannot read archive member: {exc}",
                               rule="invalid_archive") from exc
        member: Any = raw  # a zip member stream reads like any binary file
        limited: Any = LimitedReader(member, info.file_size, "archive member")
        return limited

    yield from parse_member(Source(name, info.file_size, opener, None))
