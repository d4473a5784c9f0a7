"""Download public territorial-control files into the local cache (short timeouts, atomic writes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic
from guarantor.sources.catalogue import DEEPSTATE_DAILY
from guarantor.sources.geojson_snapshot import FC_RE

# The daily DeepState files as the catalogue (`guarantor data fetch`) names them: one place for
# the mirror's address, the file names and the cache folder.
DEFAULT_DAILY_BASE = DEEPSTATE_DAILY.url_pattern.rsplit("/", 1)[0]
DAILY_FOLDER = Path(DEEPSTATE_DAILY.folder)

StepFn = Callable[[int, object], None]


@dataclass
class FetchReport:
    """What a fetch did."""

    folder: Path
    downloaded: list[str] = field(default_factory=list)
    cached: int = 0
    missing: list[str] = field(default_factory=list)  # not published (404): gaps in the series

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "folder": str(self.folder),
            "downloaded": len(self.downloaded),
            "cached": self.cached,
            "missing": len(self.missing),
            "missing_files": self.missing,
        }


def _get(client: httpx.Client, url: str) -> bytes | None:
    """The body of a URL, None for 404, a UserError for anything that means we cannot fetch."""
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise UserError(
            f"cannot download {url}: {exc.__class__.__name__}: {exc} (offline? use --base-url "
            "for a mirror, or put the data in a folder and pass --data)"
        ) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UserError(f"cannot download {url}: HTTP {response.status_code}")
    return response.content


def fetch_daily(
    base_url: str,
    first: date,
    last: date,
    dest: Path,
    *,
    timeout: float = 10.0,
    step: StepFn | None = None,
    client: httpx.Client | None = None,
) -> FetchReport:
    """Fetch each day's file from first to last that is not cached yet; 404s are gaps, not errors."""
    if last < first:
        raise UserError(f"--to {last} is before --from {first}")
    folder = dest / DAILY_FOLDER
    report = FetchReport(folder=folder)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        for i, day in enumerate(days):
            name = day.strftime(DEEPSTATE_DAILY.name_pattern)
            target = folder / name
            if target.exists():
                report.cached += 1
            else:
                url = f"{base_url.rstrip('/')}/{name}"
                body = _get(client, url)
                if body is None:
                    report.missing.append(name)
                else:
                    if not FC_RE.search(body[:512]):
                        raise UserError(
                            "downloaded file is not a GeoJSON FeatureCollection; nothing written",
                            Position(url),
                        )
                    write_atomic(target, body)
                    report.downloaded.append(name)
            if step:
                step(i + 1, len(days))
    finally:
        if own:
            client.close()
    return report


def fetch_archive(
    base_url: str,
    relative: str,
    dest: Path,
    *,
    timeout: float = 10.0,
    step: StepFn | None = None,
    client: httpx.Client | None = None,
) -> FetchReport:
    """Fetch one file (e.g. frontline/<archive>.tar.xz) from a mirror into dest/<relative>."""
    target = dest / relative
    report = FetchReport(folder=target.parent)
    if target.exists():
        report.cached = 1
        return report
    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        body = _get(client, f"{base_url.rstrip('/')}/{relative}")
    finally:
        if own:
            client.close()
    if body is None:
        report.missing.append(relative)
        return report
    write_atomic(target, body)
    report.downloaded.append(relative)
    if step:
        step(1, 1)
    return report
