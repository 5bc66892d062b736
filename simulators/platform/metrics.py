"""Prometheus metrics of the platform (prometheus_client), outermost around
the gate so refusals count too: requests by endpoint and status, latency
by endpoint, the database pool, and the database's refusals.

``GET /metrics`` answers the text format.  With several workers
(``kiosk platform serve --workers N``) each worker writes its values under
``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor before the workers
start) and any worker answers the sum of all; one process (tests, SQLite)
keeps them in memory.  Endpoints are labelled by their route, never by a
path's serial or hash, so the series stay few.
"""

from __future__ import annotations

import os
import time
from typing import Any, Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from simulators.platform.db import Database

_WORDS = {"v1", "admin", "enrolment", "catalog", "request-catalog", "attachments", "applications", "health-records",
          "requests", "request-ratings", "heartbeat", "withdrawals", "by-serial", "submissions", "id-hash-keys",
          "staff-cards", "revoke", "restore", "stats", "help-requests", "terminals", "status", "papers-received",
          "transition", "enrolment-codes", "openapi.yaml", "openapi.json", "healthz", "readyz", "metrics"}
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def endpoint(method: str, path: str) -> str:
    """``PUT /v1/attachments/{id}``; a path outside the platform's words: ``other``."""
    parts = path.strip("/").split("/")
    if not parts or parts[0] not in _WORDS:
        return "other"
    shown = [p if p in _WORDS else "{id}" for p in parts]
    if len(shown) > 6:
        return "other"
    return f"{method} /{'/'.join(shown)}"


class Metrics:
    def __init__(self, app: Any, database: Database):
        self.app, self.database = app, database
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        self.requests = Counter("platform_requests", "Requests answered, by endpoint and status",
                                ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram("platform_request_seconds", "Time from the request's head to the answer's end",
                                 ["endpoint"], buckets=BUCKETS, registry=self.registry)
        mode = {"multiprocess_mode": "livesum"} if self.multiprocess else {}
        self.pool = Gauge("platform_db_pool_connections", "Database pool connections (size, available, waiting "
                          "requests)", ["state"], registry=self.registry, **mode)  # type: ignore[arg-type]
        self.unavailable = Counter("platform_db_unavailable", "Requests answered 503 because the database did not "
                                   "answer or the pool was exhausted", registry=self.registry)

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] == "/metrics" and scope["method"] == "GET":
            return await self._serve(send)
        start = time.perf_counter()
        status = 500

        async def sending(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            label = endpoint(scope["method"], scope["path"])
            self.requests.labels(label, str(status)).inc()
            self.latency.labels(label).observe(time.perf_counter() - start)
            if status == 503:
                self.unavailable.inc()
            for state, value in self.database.pool_stats().items():
                if state in ("size", "available", "waiting"):
                    self.pool.labels(state).set(value)

    async def _serve(self, send: Any) -> None:
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            body = generate_latest(registry)
        else:
            body = generate_latest(self.registry)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
