"""`guarantor data fetch`: every catalogued source into the cache, only what is new, failures named."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.sources.catalogue import (
    CATALOGUE,
    ContentKind,
    ContentRule,
    DailySeries,
    Reshape,
    Source,
    SourceFile,
    SourceName,
)
from guarantor.sources.download import (
    DownloadError,
    DownloadOutcome,
    DownloadRequest,
    RetryPolicy,
    download,
)
from guarantor.sources.reshape import reshape

if TYPE_CHECKING:
    import httpx

GAPS_FILE = ".meta/gaps.json"  # days a daily series did not publish (not asked again once old)
RECHECK_DAYS = 3  # a day missing for fewer days than this is asked again (late publication)

# (source, files done, files in all, bytes just received)
Step = Callable[[str, int, int, int], None]


@dataclass
class SourceFetch:
    """What fetching one source did."""

    source: SourceName
    downloaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)  # daily files not published (gaps)
    known_gaps: int = 0  # days recorded as not published earlier, not asked again
    failed: list[str] = field(default_factory=list)  # one line each: what and why

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "source": self.source.value,
            "downloaded": len(self.downloaded),
            "unchanged": self.unchanged,
            "missing": self.missing,
            "known_gaps": self.known_gaps,
            "failed": self.failed,
        }


@dataclass
class FetchSummary:
    """What `data fetch` did, per source, and where."""

    cache: Path
    sources: list[SourceFetch]

    @property
    def failed(self) -> list[SourceFetch]:
        """The sources with at least one failure."""
        return [s for s in self.sources if s.failed]

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {"cache": str(self.cache), "sources": [s.to_json() for s in self.sources]}


def layout_rule(path: str) -> ContentRule:
    """The check for a file as it sits in the shared-data layout (what a mirror serves)."""
    if path.endswith(".geojson"):
        return ContentRule(ContentKind.geojson)
    if path.endswith(".csv.gz"):
        return ContentRule(ContentKind.gzip_csv)
    return ContentRule(ContentKind.csv)


def _days(series: DailySeries, today: date) -> list[date]:
    return [series.first + timedelta(days=i) for i in range((today - series.first).days + 1)]


def _fetch_daily(
    client: httpx.Client,
    src: Source,
    series: DailySeries,
    cache: Path,
    result: SourceFetch,
    *,
    mirror: str | None,
    today: date,
    retry: RetryPolicy,
    step: Step | None,
) -> None:
    folder = cache / series.folder
    gaps_file = folder / GAPS_FILE
    try:
        gaps = set(json.loads(gaps_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        gaps = set()
    days = _days(series, today)
    for i, day in enumerate(days):
        name = day.strftime(series.name_pattern)
        target = folder / name
        old_gap = day.isoformat() in gaps and (today - day).days >= RECHECK_DAYS
        if target.exists():
            result.unchanged += 1
        elif old_gap:
            result.known_gaps += 1
        else:
            url = (
                f"{mirror.rstrip('/')}/{series.folder}/{name}"
                if mirror
                else day.strftime(series.url_pattern)
            )
            req = DownloadRequest(src.name.value, url, target, series.rule)
            try:
                outcome = download(client, req, retry=retry, step=_bytes(step, src, i, len(days)))
            except DownloadError as exc:
                result.failed.append(str(exc))
                outcome = None
            if outcome is DownloadOutcome.missing:
                result.missing.append(day.isoformat())
                gaps.add(day.isoformat())
            elif outcome is DownloadOutcome.downloaded:
                result.downloaded.append(name)
                gaps.discard(day.isoformat())
        if step:
            step(src.name.value, i + 1, len(days), 0)
    if gaps:
        write_atomic(gaps_file, json.dumps(sorted(gaps)))


def _bytes(step: Step | None, src: Source, done: int, total: int) -> Callable[[int], None] | None:
    if step is None:
        return None
    return lambda n: step(src.name.value, done, total, n)


def _fetch_file(
    client: httpx.Client,
    src: Source,
    item: SourceFile,
    cache: Path,
    result: SourceFetch,
    *,
    mirror: str | None,
    retry: RetryPolicy,
    step: Step | None,
    done: int,
    total: int,
) -> None:
    if mirror:
        req = DownloadRequest(
            src.name.value,
            f"{mirror.rstrip('/')}/{item.path}",
            cache / item.path,
            layout_rule(item.path),
        )
        kind = Reshape.none
    else:
        landing = cache / (item.download_as or item.path)
        req = DownloadRequest(src.name.value, item.url, landing, item.rule, item.size, item.sha256)
        kind = item.reshape
    try:
        outcome = download(client, req, retry=retry, step=_bytes(step, src, done, total))
        if outcome is DownloadOutcome.missing:
            result.failed.append(f"{src.name.value}: {req.url}: HTTP 404 (not found)")
            return
        target = cache / item.path
        if kind is not Reshape.none and (
            outcome is DownloadOutcome.downloaded or not target.exists()
        ):
            reshape(kind, req.target, target, src.name.value)
        if outcome is DownloadOutcome.downloaded:
            result.downloaded.append(item.path)
        else:
            result.unchanged += 1
    except UserError as exc:
        result.failed.append(str(exc))


def fetch_sources(
    only: Sequence[SourceName],
    cache: Path,
    *,
    client: httpx.Client | None = None,
    mirror: str | None = None,
    today: date | None = None,
    retry: RetryPolicy | None = None,
    step: Step | None = None,
    timeout: float = 30.0,
) -> FetchSummary:
    """Fetch the chosen sources (all when `only` is empty) into `cache`; failures are collected."""
    import httpx

    chosen = [s for s in CATALOGUE if not only or s.name in only]
    today = today or datetime.now(UTC).date()
    retry = retry or RetryPolicy()
    own = client is None
    client = client or httpx.Client(
        timeout=timeout, follow_redirects=True, headers={"User-Agent": "guarantor-data-fetch"}
    )
    summary = FetchSummary(cache, [])
    try:
        for src in chosen:
            result = SourceFetch(src.name)
            summary.sources.append(result)
            if src.daily is not None:
                _fetch_daily(
                    client,
                    src,
                    src.daily,
                    cache,
                    result,
                    mirror=mirror,
                    today=today,
                    retry=retry,
                    step=step,
                )
            for i, item in enumerate(src.files):
                _fetch_file(
                    client,
                    src,
                    item,
                    cache,
                    result,
                    mirror=mirror,
                    retry=retry,
                    step=step,
                    done=i,
                    total=len(src.files),
                )
                if step:
                    step(src.name.value, i + 1, len(src.files), 0)
    finally:
        if own:
            client.close()
    return summary


def network_answers(url: str, timeout: float = 3.0) -> bool:
    """Whether a HEAD request to `url` answers within `timeout` seconds (any HTTP status)."""
    import httpx

    try:
        httpx.head(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError:
        return False
    return True
