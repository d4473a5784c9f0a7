"""A synthetic territory feed, a watch configuration on it, and a webhook receiver."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guarantor.territory.synthetic import SyntheticScenario, write_synthetic
from guarantor.watch.notify import SIGNATURE_HEADER, verify_signature

REPO = Path(__file__).resolve().parents[2]
AGREEMENT = REPO / "examples" / "agreements" / "aug2025_article5_like.yaml"
SECRET = "s3cret-for-tests"


@dataclass
class Receiver:
    """A webhook endpoint that checks signatures and keeps what it got."""

    url: str = ""
    bodies: list[dict[str, object]] = field(default_factory=list)
    bad_signatures: int = 0
    fail_next: int = 0  # answer 503 to this many requests first
    server: http.server.ThreadingHTTPServer | None = None

    def seqs(self) -> list[int]:
        return [int(r["seq"]) for b in self.bodies for r in b["records"]]  # type: ignore[attr-defined]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if rec.fail_next > 0:
                rec.fail_next -= 1
                status = 503
            elif not verify_signature(SECRET.encode(), body, self.headers[SIGNATURE_HEADER]):
                rec.bad_signatures += 1
                status = 401
            else:
                rec.bodies.append(json.loads(body))
                status = 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rec.server = server
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield rec
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Feed:
    """A live snapshot folder fed day by day from a generated scenario."""

    scenario: SyntheticScenario
    live: Path
    root: Path

    def publish(self, first: int, last: int) -> None:
        """Copy days [first, last) of the scenario into the live folder."""
        files = sorted(self.scenario.snapshots.iterdir())
        for f in files[first:last]:
            shutil.copy(f, self.live / f.name)


@pytest.fixture()
def feed(tmp_path: Path) -> Feed:
    scenario = write_synthetic(tmp_path / "site", days=30)
    live = tmp_path / "live"
    live.mkdir()
    (tmp_path / "data").mkdir()
    return Feed(scenario, live, tmp_path)


def write_config(
    feed: Feed, *, webhook: str | None = None, extra_agreement: str = "", every: float = 3600
) -> Path:
    """A watch configuration on the feed (SQLite ledger, state and key beside it)."""
    hooks = ""
    if webhook is not None:
        hooks = f"webhooks:\n  - {{name: ops, url: '{webhook}', secret: {SECRET}, attempts: 2}}\n"
    text = f"""schema: guarantor/watch@1
state: state
schedule: {{every_seconds: {every}}}
data: {{folder: {feed.root / "data"}}}
ledger: {{database: ledger.sqlite, key: key.pem}}
agreements:
  - name: syn
    agreement: {AGREEMENT}
    from: 2030-01-01
    territory: {feed.live}
    border: {feed.scenario.border}
    attacks_from_territory: true
{extra_agreement}{hooks}"""
    path = feed.root / "watch.yaml"
    path.write_text(text)
    return path
