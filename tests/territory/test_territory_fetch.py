"""`fetch` against a local HTTP server: daily files with gaps, an archive mirror, offline."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from guarantor.errors import UserError
from guarantor.sources.fetch import DAILY_FOLDER, fetch_archive, fetch_daily
from guarantor.sources.snapshots import scan_snapshots
from guarantor.territory.synthetic import write_synthetic


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def serve() -> Iterator[object]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_daily_files_with_a_gap(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = write_synthetic(tmp_path / "site", days=6)
    (scenario.snapshots / "deepstatemap_data_20300103.geojson").unlink()  # a day never published
    base = serve(scenario.snapshots)
    cache = tmp_path / "cache"
    report = fetch_daily(base, date(2030, 1, 1), date(2030, 1, 6), cache, timeout=5)
    assert len(report.downloaded) == 5 and report.missing == ["deepstatemap_data_20300103.geojson"]
    again = fetch_daily(base, date(2030, 1, 1), date(2030, 1, 6), cache, timeout=5)
    assert again.cached == 5 and not again.downloaded
    series = scan_snapshots(cache / DAILY_FOLDER)
    assert len(series.entries) == 5
    assert not [p for p in (cache / DAILY_FOLDER).iterdir() if p.name.startswith(".part")]


def test_a_non_geojson_answer_writes_nothing(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "deepstatemap_data_20300101.geojson").write_text("<html>rate limited</html>")
    with pytest.raises(UserError, match="not a GeoJSON FeatureCollection"):
        fetch_daily(serve(site), date(2030, 1, 1), date(2030, 1, 1), tmp_path / "cache", timeout=5)
    assert not (tmp_path / "cache" / DAILY_FOLDER / "deepstatemap_data_20300101.geojson").exists()


def test_offline_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UserError, match=r"cannot download .* \(offline\?"):
        fetch_daily(
            f"http://127.0.0.1:{port}", date(2030, 1, 1), date(2030, 1, 2), tmp_path, timeout=1
        )


def test_archive_mirror_of_the_shared_data(serve, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = sorted((shared_data / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))[-1]
    relative = f"frontline/{archive.name}"
    report = fetch_archive(serve(shared_data), relative, tmp_path, timeout=10)
    assert report.downloaded == [relative]
    fetched = tmp_path / relative
    assert fetched.read_bytes() == archive.read_bytes()
    assert len(scan_snapshots(fetched).entries) == 769
