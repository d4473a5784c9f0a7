"""The watch service: ticks on a schedule, one runner per agreement, /health and /metrics.

A tick, per agreement: fetch (optional) -> read and compare the new days -> evaluate -> record
(signed, idempotent keys) -> checkpoint; then every webhook gets the records after its cursor.
A failing agreement or webhook is reported and counted; the others go on.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.watch.config import LoadedConfig
from guarantor.watch.notify import Subscriber, WebhookDelivery
from guarantor.watch.recorder import Recorder
from guarantor.watch.runner import AgreementRunner, RecordKind

if TYPE_CHECKING:
    import httpx
    from prometheus_client import CollectorRegistry

Say = Callable[[str], None]


@dataclass
class SourceHealth:
    """How one agreement's watch stands: up, its data, its last error."""

    name: str
    up: bool = False
    data_through: date | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "up": self.up,
            "data_through": None if self.data_through is None else self.data_through.isoformat(),
            "error": self.error,
            "problems": self.problems[-20:],
        }


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    recorded: dict[str, int]  # agreement -> records added
    failures: list[str]  # one line each, naming the agreement or webhook
    deliveries: list[WebhookDelivery]


class WatchMetrics:
    """Prometheus metrics of one watch (own registry)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge

        self.registry: CollectorRegistry = CollectorRegistry()
        r = self.registry
        self.last_data = Gauge(
            "guarantor_watch_last_data_timestamp_seconds",
            "Start of the last day of data evaluated (Unix time)",
            ["agreement"],
            registry=r,
        )
        self.lag = Gauge(
            "guarantor_watch_data_lag_seconds",
            "Age of the last day of data evaluated, at the last tick",
            ["agreement"],
            registry=r,
        )
        self.up = Gauge(
            "guarantor_watch_source_up",
            "1 when the agreement's watch works",
            ["agreement"],
            registry=r,
        )
        self.records = Counter(
            "guarantor_watch_records", "Ledger records written", ["agreement", "kind"], registry=r
        )
        self.activations = Counter(
            "guarantor_watch_activations", "Activations recorded", ["agreement"], registry=r
        )
        self.failures = Counter(
            "guarantor_watch_failures", "Failures by what failed", ["source"], registry=r
        )
        self.problems = Counter(
            "guarantor_watch_data_problems",
            "Inputs reported and kept out (bad snapshots, gaps)",
            ["agreement"],
            registry=r,
        )
        self.cursor = Gauge(
            "guarantor_watch_webhook_cursor",
            "Last record seq a webhook acknowledged",
            ["webhook"],
            registry=r,
        )
        self.webhook_up = Gauge(
            "guarantor_watch_webhook_up",
            "1 when the last delivery succeeded",
            ["webhook"],
            registry=r,
        )
        self.ticks = Counter("guarantor_watch_ticks", "Ticks run", registry=r)
        self.last_tick = Gauge(
            "guarantor_watch_last_tick_timestamp_seconds", "When the last tick ended", registry=r
        )

    def text(self) -> bytes:
        """The exposition text."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class Watcher:
    """All agreements of one configuration, their records and subscribers."""

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        say: Say | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from guarantor.sources.locate import locate_data

        self.loaded = loaded
        cfg = loaded.config
        self.say = say or (lambda _m: None)
        self.clock = clock
        self.metrics = WatchMetrics()
        self.state = loaded.path(cfg.state)
        self.state.mkdir(parents=True, exist_ok=True, mode=0o700)
        if cfg.data.folder:
            self.data = locate_data(loaded.path(cfg.data.folder))
        elif cfg.data.fetch:  # what it fetches is what it reads
            from guarantor.sources.locate import DataFolder, cache_dir

            self.data = DataFolder(cache_dir(), "cache")
        else:
            self.data = locate_data()
        self.recorder = Recorder(
            loaded.database_url(), cfg.ledger.party, loaded.path(cfg.ledger.key)
        )
        self.health = {a.name: SourceHealth(a.name) for a in cfg.agreements}
        self.runners: dict[str, AgreementRunner] = {}
        self.subscribers = [Subscriber(h, self.state, sleep) for h in cfg.webhooks]
        self.webhook_errors: dict[str, str | None] = {h.name: None for h in cfg.webhooks}
        self.last_tick: datetime | None = None
        self._client: httpx.Client | None = None
        self.lock = threading.Lock()
        for s in self.subscribers:
            self.metrics.cursor.labels(s.hook.name).set(s.cursor)

    def _runner(self, name: str) -> AgreementRunner:
        if name not in self.runners:
            spec = next(a for a in self.loaded.config.agreements if a.name == name)
            self.runners[name] = AgreementRunner(self.loaded, spec, self.data)
        return self.runners[name]

    def _fetch(self) -> list[str]:
        cfg = self.loaded.config.data
        if not cfg.fetch:
            return []
        from guarantor.sources.catalogue import SourceName
        from guarantor.sources.datafetch import fetch_sources
        from guarantor.sources.locate import cache_dir

        summary = fetch_sources([SourceName.territory], cache_dir(), mirror=cfg.mirror)
        return [line for s in summary.failed for line in s.failed]

    def tick(self, client: httpx.Client | None = None) -> TickReport:
        """One round over every agreement and webhook."""
        import httpx

        with self.lock:
            failures: list[str] = []
            for line in self._fetch():
                failures.append(f"fetch: {line}")
                self.metrics.failures.labels("fetch").inc()
            recorded: dict[str, int] = {}
            for name, health in self.health.items():
                try:
                    recorded[name] = self._tick_one(name, health)
                except UserError as exc:
                    health.up = False
                    health.error = str(exc)
                    self.metrics.up.labels(name).set(0)
                    self.metrics.failures.labels(name).inc()
                    failures.append(f"{name}: {exc}")
                    self.runners.pop(name, None)  # load it again next time (the file may be fixed)
                    self.say(f"[{name}] error: {exc}")
            deliveries: list[WebhookDelivery] = []
            if self.subscribers:
                if client is None:
                    if self._client is None:  # one client for the service's life (TLS set-up once)
                        self._client = httpx.Client()
                    client = self._client
                pending = [
                    r
                    for r in self.recorder.since(min(s.cursor for s in self.subscribers))
                    if r.party == self.recorder.party
                ]
                for sub in self.subscribers:
                    d = sub.deliver(client, pending)
                    deliveries.append(d)
                    self.metrics.cursor.labels(sub.hook.name).set(d.cursor)
                    self.metrics.webhook_up.labels(sub.hook.name).set(0 if d.error else 1)
                    self.webhook_errors[sub.hook.name] = d.error
                    if d.error:
                        self.metrics.failures.labels(f"webhook:{sub.hook.name}").inc()
                        failures.append(f"webhook {sub.hook.name}: {d.error}")
                        self.say(f"[webhook {sub.hook.name}] error: {d.error}")
            self.last_tick = self.clock()
            self.metrics.ticks.inc()
            self.metrics.last_tick.set(self.last_tick.timestamp())
            return TickReport(recorded, failures, deliveries)

    def _tick_one(self, name: str, health: SourceHealth) -> int:
        runner = self._runner(name)
        now = self.clock()
        step = runner.step(now)
        for p in step.problems:
            self.metrics.problems.labels(name).inc()
            self.say(f"[{name}] {p}")
        health.problems = (health.problems + step.problems)[-100:]
        added = self.recorder.record(step.findings) if step.findings else []
        runner.save()  # after the records: a crash in between re-derives them, and keys dedupe
        for rec in added:
            self.metrics.records.labels(name, rec.kind).inc()
            if rec.kind == RecordKind.activation.value:
                self.metrics.activations.labels(name).inc()
        health.up, health.error = True, None
        health.data_through = step.data_through
        self.metrics.up.labels(name).set(1)
        if step.data_through is not None:
            day = datetime.combine(step.data_through, datetime.min.time(), UTC)
            self.metrics.last_data.labels(name).set(day.timestamp())
            self.metrics.lag.labels(name).set(max(0.0, (now - day).total_seconds()))
        if added or step.new_days:
            self.say(
                f"[{name}] {step.new_days} new day(s), data through {step.data_through}; "
                f"{len(added)} record(s) added"
            )
        return len(added)

    def health_doc(self) -> tuple[int, dict[str, Any]]:
        """The /health status code and document: 200 while ticking, degraded when a part fails."""
        every = self.loaded.config.schedule.every_seconds
        alive = self.last_tick is not None and (
            (self.clock() - self.last_tick).total_seconds() <= 2 * every + 60
        )
        degraded = any(not h.up for h in self.health.values()) or any(self.webhook_errors.values())
        status = "starting" if self.last_tick is None else ("degraded" if degraded else "ok")
        doc = {
            "status": status,
            "last_tick": None if self.last_tick is None else self.last_tick.isoformat(),
            "agreements": {n: h.to_json() for n, h in self.health.items()},
            "webhooks": {n: {"error": e} for n, e in self.webhook_errors.items()},
        }
        return (200 if alive or self.last_tick is None else 503), doc

    def close(self) -> None:
        """Release the ledger and the HTTP client."""
        if self._client is not None:
            self._client.close()
        self.recorder.close()


def serve_http(watcher: Watcher, host: str, port: int) -> ThreadingHTTPServer:
    """/health (JSON) and /metrics (Prometheus text) in a background thread."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, ctype, status = watcher.metrics.text(), "text/plain; version=0.0.4", 200
            elif self.path == "/health":
                status, doc = watcher.health_doc()
                body, ctype = json.dumps(doc, sort_keys=True).encode(), "application/json"
            else:
                body, ctype, status = b"not found\n", "text/plain", 404
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_forever(watcher: Watcher, stop: threading.Event | None = None) -> None:
    """Tick on the schedule until SIGTERM/SIGINT (or `stop`); a tick's failures do not stop it."""
    stop = stop or threading.Event()

    def _stop(_sig: int, _frame: object) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    every = watcher.loaded.config.schedule.every_seconds
    while not stop.is_set():
        started = time.monotonic()
        try:
            watcher.tick()
        except Exception as exc:  # the service keeps running; the failure is counted and shown
            watcher.metrics.failures.labels("tick").inc()
            watcher.say(f"tick failed: {exc.__class__.__name__}: {exc}")
        stop.wait(max(0.0, every - (time.monotonic() - started)))
