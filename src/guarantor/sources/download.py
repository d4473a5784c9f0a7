"""One file over HTTP, done carefully: retries with backoff, resume, conditional GET, checks, atomic.

A download goes to `<target>.part` beside the target; a dropped connection resumes it with
`Range` + `If-Range` (so a file that changed meanwhile restarts from zero); a 5xx or 429 is
retried with exponential backoff; the finished bytes are checked (size, sha256, content) and only
then renamed over the target. The validators (ETag, Last-Modified) are kept in `.meta/<name>.json` beside it
so that the next run asks `If-None-Match` / `If-Modified-Since` and a 304 costs nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.sources.catalogue import ContentKind, ContentRule

if TYPE_CHECKING:
    import httpx

DATA_EXIT = 3
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

ByteStep = Callable[[int], None]  # bytes received since the last call


class DownloadError(UserError):
    """A download that failed or was refused: names the source and the URL (exit 3)."""


class DownloadOutcome(StrEnum):
    """What a download did."""

    downloaded = "downloaded"
    not_modified = "not_modified"  # 304: the file kept is current
    missing = "missing"  # 404: not published (a gap in a daily series)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: delay = base * 2**attempt, capped."""

    attempts: int = 5
    base_seconds: float = 0.5
    max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int) -> None:
        """Sleep before retry number `attempt` (0-based)."""
        self.sleep(min(self.max_seconds, self.base_seconds * (2**attempt)))


@dataclass(frozen=True)
class Validators:
    """What the server said identifies the version of a file."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, headers: Any) -> Validators:
        """From response headers."""
        return cls(headers.get("etag"), headers.get("last-modified"))

    def to_json(self) -> dict[str, str | None]:
        """As JSON-ready data."""
        return {"etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_json(cls, data: Any) -> Validators:
        """From what `to_json` wrote (anything else: no validators)."""
        if not isinstance(data, dict):
            return cls()
        etag, modified = data.get("etag"), data.get("last_modified")
        return cls(
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
        )

    def if_range(self) -> str | None:
        """The If-Range value: a strong ETag, else the date."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified


@dataclass(frozen=True)
class DownloadRequest:
    """One file to fetch: from where, to where, for which source, with what expectations."""

    source: str
    url: str
    target: Path
    rule: ContentRule
    size: int | None = None
    sha256: str | None = None


def meta_path(target: Path) -> Path:
    """The sidecar that keeps a file's validators and checksum (in `.meta/`: snapshot folders
    are read by file name, and a sidecar beside the files would look like one)."""
    return target.parent / ".meta" / f"{target.name}.json"


def part_path(target: Path) -> Path:
    """Where a download in progress is kept (resumable)."""
    return target.with_name(target.name + ".part")


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def fail(req: DownloadRequest, message: str) -> DownloadError:
    """A download error naming the source and URL."""
    return DownloadError(f"{req.source}: {req.url}: {message}", exit_code=DATA_EXIT)


def check_content(data: bytes, rule: ContentRule) -> str | None:
    """Why `data` is not what the rule says (None: it is)."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")):
        return "an HTML/XML page (an error or login page?), not the data"
    if not data:
        return "empty"
    if rule.kind is ContentKind.geojson:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            return f"not valid JSON (truncated?): {exc}"
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            return "JSON, but not a GeoJSON FeatureCollection"
        if not isinstance(doc.get("features"), list):
            return "a FeatureCollection without a features list"
        return None
    if rule.kind is ContentKind.gzip_csv:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            return f"not a complete gzip file (truncated?): {exc}"
        return _csv_problem(data, rule.columns)
    if rule.kind is ContentKind.csv:
        return _csv_problem(data, rule.columns)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"not a complete zip archive (truncated?): {exc}"
    if bad is not None:
        return f"zip member {bad} is corrupt"
    if rule.member and not any(n.endswith(rule.member) for n in names):
        return f"zip archive without a member ending {rule.member!r}"
    return None


def _csv_problem(data: bytes, columns: tuple[str, ...]) -> str | None:
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    names = {c.strip().strip('"').lower() for c in first.split(",")}
    lacking = [c for c in columns if c.lower() not in names]
    if lacking:
        return f"a table without the columns {', '.join(lacking)} (header: {first[:120]!r})"
    return None


def download(
    client: httpx.Client,
    req: DownloadRequest,
    *,
    retry: RetryPolicy | None = None,
    step: ByteStep | None = None,
) -> DownloadOutcome:
    """Fetch `req.url` into `req.target` (see the module docstring); raise DownloadError on failure."""
    import httpx

    retry = retry or RetryPolicy()
    target, part, meta_file = req.target, part_path(req.target), meta_path(req.target)
    kept = _read_meta(meta_file) if target.exists() else {}
    part_meta_file = meta_path(part)
    last_problem = "no attempt made"
    for attempt in range(retry.attempts):
        if attempt:
            retry.wait(attempt - 1)
        # identity: byte ranges must count the file's bytes, not a compressed stream's
        headers: dict[str, str] = {"Accept-Encoding": "identity"}
        have = part.stat().st_size if part.exists() else 0
        partial = Validators.from_json(_read_meta(part_meta_file)) if have else Validators()
        if have and partial.if_range():
            headers["Range"] = f"bytes={have}-"
            headers["If-Range"] = str(partial.if_range())
        elif kept:
            old = Validators.from_json(kept)
            if old.etag:
                headers["If-None-Match"] = old.etag
            if old.last_modified:
                headers["If-Modified-Since"] = old.last_modified
        try:
            with client.stream("GET", req.url, headers=headers) as response:
                status = response.status_code
                if status not in (200, 206):
                    response.read()  # a short error body: read it, so the connection is reused
                if status == 304 and "Range" not in headers:
                    return DownloadOutcome.not_modified
                if status == 404:
                    return DownloadOutcome.missing
                if status in RETRY_STATUS:
                    last_problem = f"HTTP {status}"
                    continue
                if status not in (200, 206):
                    raise fail(req, f"HTTP {status}")
                append = status == 206 and bool(have)
                if not append:
                    have = 0
                    write_atomic(
                        part_meta_file, json.dumps(Validators.of(response.headers).to_json())
                    )
                part.parent.mkdir(parents=True, exist_ok=True)
                with part.open("ab" if append else "wb") as out:
                    for chunk in response.iter_raw():
                        out.write(chunk)
                        if step:
                            step(len(chunk))
                validators = Validators.of(response.headers)
        except httpx.TransportError as exc:
            last_problem = f"{exc.__class__.__name__}: {exc}"
            continue  # the bytes received stay in .part: the next attempt resumes
        problem = _verify(part, req)
        if problem is not None:
            part.unlink(missing_ok=True)
            part_meta_file.unlink(missing_ok=True)
            raise fail(req, f"refused: {problem}; nothing kept")
        digest = _sha256(part)
        os.replace(part, target)
        part_meta_file.unlink(missing_ok=True)
        write_atomic(
            meta_file,
            json.dumps(
                {"url": req.url, "size": target.stat().st_size, "sha256": digest}
                | validators.to_json(),
                indent=1,
            ),
        )
        return DownloadOutcome.downloaded
    raise fail(req, f"gave up after {retry.attempts} attempts ({last_problem})")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(part: Path, req: DownloadRequest) -> str | None:
    size = part.stat().st_size if part.exists() else 0
    if req.size is not None and size != req.size:
        return f"{size:,} bytes where {req.size:,} were expected (truncated or changed)"
    if req.sha256 is not None and _sha256(part) != req.sha256:
        return "sha256 does not match the catalogue (corrupt or changed)"
    return check_content(part.read_bytes(), req.rule)
