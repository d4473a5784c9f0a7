"""Tar archives of snapshot files read in place, with limits: an index of members, one member, all."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from guarantor.errors import Position, UserError

ARCHIVE_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
SNAPSHOT_SUFFIXES = (".geojson", ".json")
MIB = 1 << 20
# A data problem (corrupt, truncated or oversized input): exit code 3 (docs/territory.md).
DATA_EXIT = 3

ProgressFn = Callable[[int, str], None]


@dataclass(frozen=True)
class ReadLimits:
    """Sizes past which an input is refused before it is read whole (memory stays bounded)."""

    max_file_bytes: int = 64 * MIB  # one snapshot file or archive member (raw dumps are < 1 MiB)
    max_members: int = 100_000  # snapshot members in one archive
    max_total_bytes: int = 16 * 1024 * MIB  # uncompressed snapshot bytes in one archive

    def check_file(self, size: int, where: Position) -> None:
        """Refuse a file or member above the per-file limit, before reading it."""
        if size > self.max_file_bytes:
            raise UserError(
                f"{_size(size)} is above the limit of {_size(self.max_file_bytes)} per snapshot "
                "file (--max-file-mb): refused unread",
                where,
                exit_code=DATA_EXIT,
            )


def _size(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    return f"{n:,} bytes"


def is_archive(path: Path) -> bool:
    """Whether a path names a tar archive (plain or compressed)."""
    return path.name.endswith(ARCHIVE_SUFFIXES)


@dataclass(frozen=True)
class Member:
    """One snapshot file inside an archive: its name, size and where its bytes start."""

    name: str
    size: int
    offset: int  # of its data in the uncompressed tar stream


# Everything a damaged compressed stream or tar can raise while being read.
_CORRUPT = (tarfile.TarError, EOFError, lzma.LZMAError, zlib.error, OSError, ValueError)


class ArchiveReader:
    """A tar archive (plain, .xz, .gz, .bz2) read in place: never unpacked to disk.

    Compressed archives have no random access, so reading a member decompresses the stream up
    to it (forward seeks are cheap; a seek backwards starts again). The index is one pass over
    the headers; `iter_members` reads every member in one forward pass.
    """

    def __init__(self, path: Path, limits: ReadLimits | None = None) -> None:
        self.path = path
        self.limits = limits or ReadLimits()
        self._cursor: tuple[tarfile.TarFile, int] | None = None  # open archive, position

    def forget(self) -> None:
        """In a forked process: drop the inherited open archive (its file offset is shared with
        the parent) without closing it; the next read opens the archive again."""
        self._cursor = None

    def close(self) -> None:
        """Close the archive kept open between reads."""
        if self._cursor is not None:
            self._cursor[0].close()
            self._cursor = None

    def _corrupt(self, exc: BaseException, after: str | None, count: int) -> UserError:
        where = f" after {after}" if after else ""
        return UserError(
            f"truncated or corrupt archive{where} ({count} snapshot file(s) read): "
            f"{type(exc).__name__}: {exc}",
            Position(str(self.path)),
            exit_code=DATA_EXIT,
        )

    def _open(self) -> tarfile.TarFile:
        try:
            return tarfile.open(self.path, mode="r:*")
        except _CORRUPT as exc:
            raise self._corrupt(exc, None, 0) from None

    def _wanted(self, info: tarfile.TarInfo, count: int, total: int) -> bool:
        if not info.isfile() or not info.name.endswith(SNAPSHOT_SUFFIXES):
            return False
        where = Position(f"{self.path}:{info.name}")
        self.limits.check_file(info.size, where)
        if count + 1 > self.limits.max_members:
            raise UserError(
                f"more than {self.limits.max_members:,} snapshot files in one archive: refused",
                Position(str(self.path)),
                exit_code=DATA_EXIT,
            )
        if total + info.size > self.limits.max_total_bytes:
            raise UserError(
                f"snapshot files add up to more than {_size(self.limits.max_total_bytes)} "
                "uncompressed: refused",
                where,
                exit_code=DATA_EXIT,
            )
        return True

    def index(self, progress: ProgressFn | None = None) -> list[Member]:
        """The snapshot members in stored order (headers only; data is skipped, not kept)."""
        members: list[Member] = []
        total = 0
        last: str | None = None
        with self._open() as archive:
            try:
                while (info := archive.next()) is not None:
                    if not self._wanted(info, len(members), total):
                        continue
                    total += info.size
                    members.append(Member(info.name, info.size, info.offset_data))
                    last = info.name
                    if progress:
                        progress(len(members), info.name)
                self._check_end(archive)
            except _CORRUPT as exc:
                raise self._corrupt(exc, last, len(members)) from None
        return members

    def _check_end(self, archive: tarfile.TarFile) -> None:
        """Notice a cut-off tail: tarfile stops quietly at a header cut short."""
        handle: IO[bytes] = archive.fileobj  # type: ignore[assignment]
        if isinstance(handle, lzma.LZMAFile | gzip.GzipFile | bz2.BZ2File):
            while handle.read(MIB):  # the stream's end marker and checksum are checked here
                pass
        else:
            # tarfile also stops quietly at a damaged header: the archive must end with zero blocks
            with self.path.open("rb") as raw:
                raw.seek(archive.offset)
                end = raw.read(2 * tarfile.BLOCKSIZE)
            if len(end) < 2 * tarfile.BLOCKSIZE:
                raise EOFError("the tar ends without its end-of-archive blocks")
            if end.strip(b"\0"):
                raise tarfile.ReadError(f"damaged tar header at byte {archive.offset}")

    def read(self, member: Member) -> bytes:
        """One member's bytes (decompresses the stream up to it; reads in stored order are one pass)."""
        if self._cursor is None or self._cursor[1] > member.offset:
            self.close()
            self._cursor = (self._open(), 0)
        archive = self._cursor[0]
        try:
            handle: IO[bytes] = archive.fileobj  # type: ignore[assignment]
            handle.seek(member.offset)
            data = handle.read(member.size)
        except _CORRUPT as exc:
            self.close()
            raise self._corrupt(exc, member.name, 0) from None
        self._cursor = (archive, member.offset + len(data))
        if len(data) != member.size:
            self.close()
            raise self._corrupt(EOFError("member cut short"), member.name, 0)
        return data

    def iter_members(self, progress: ProgressFn | None = None) -> Iterator[tuple[Member, bytes]]:
        """Every snapshot member with its bytes, in stored order, in one forward pass."""
        count = total = 0
        last: str | None = None
        with self._open() as archive:
            try:
                while (info := archive.next()) is not None:
                    if not self._wanted(info, count, total):
                        continue
                    handle = archive.extractfile(info)
                    if handle is None:
                        continue
                    data = handle.read()
                    if len(data) != info.size:
                        raise EOFError("member cut short")
                    count += 1
                    total += info.size
                    last = info.name
                    if progress:
                        progress(count, info.name)
                    yield Member(info.name, info.size, info.offset_data), data
                self._check_end(archive)
            except _CORRUPT as exc:
                raise self._corrupt(exc, last, count) from None


def read_file_limited(path: Path, limits: ReadLimits | None = None) -> bytes:
    """A file's bytes, refused unread above the per-file limit."""
    limits = limits or ReadLimits()
    try:
        size = path.stat().st_size
        limits.check_file(size, Position(str(path)))
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", Position(str(path))) from None
