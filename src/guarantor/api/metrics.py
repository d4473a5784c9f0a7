"""`/metrics`: request counts, latencies and errors per route, in Prometheus's text format."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from guarantor.api.limits import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """One app's counters (its own registry, so that several apps in a process stay apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "guarantor_http_requests",
            "Requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "guarantor_http_request_seconds",
            "Time from request to the end of the response, by method and route template.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "guarantor_http_errors",
            "Responses with status >= 400, by route template and status class (4xx, 5xx).",
            ("route", "status_class"),
            registry=self.registry,
        )
        self.unanswered = Counter(
            "guarantor_http_unanswered",
            "Requests that ended without a complete response (exception or client gone).",
            ("route",),
            registry=self.registry,
        )

    def text(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)

    content_type = CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Count and time every HTTP request by the route template it matched (bounded labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # the labelled series per (method, route, status): looked up once, not on every request
        self.series: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def _series(self, method: str, route: str, status: int) -> tuple[Any, Any, Any]:
        key = (method, route, status)
        found = self.series.get(key)
        if found is None:
            m = self.metrics
            errors = m.errors.labels(route, f"{status // 100}xx") if status >= 400 else None
            found = (
                m.requests.labels(method, route, str(status)),
                m.latency.labels(method, route),
                errors,
            )
            self.series[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request; record status and route once it is answered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal status, finished
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if finished or status:
                count, latency, errors = self._series(str(scope.get("method", "")), route, status)
                count.inc()
                latency.observe(time.perf_counter() - started)
                if errors is not None:
                    errors.inc()
            if not finished:
                self.metrics.unanswered.labels(route).inc()
