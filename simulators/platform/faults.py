"""Failure injection for the reference platform: the ways a real platform
and a real network let a hut down, on demand.

Modes (applied to /v1/ paths except /v1/admin/):
  error500   answer 500 without touching the request
  status     answer `code` (e.g. 429, 408, 503) with `retry_after` seconds
  timeout    process the request, then hold the answer for `seconds`
             (the client gives up first: the outcome is ambiguous)
  slow       wait `seconds`, then process and answer normally
  drop       process the request, send the status line, then cut the
             connection (ambiguous, like a NAT dropping a flow)
  malformed  process the request, answer with truncated JSON
Each fault hits the next `count` matching requests (None: until cleared),
each with `probability`; `path` narrows it to paths starting with that prefix.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass
from typing import Any

MODES = ("error500", "status", "timeout", "slow", "drop", "malformed")


class ConnectionDropped(Exception):
    """Raised inside the ASGI app so uvicorn closes the socket mid-answer."""


@dataclass
class Fault:
    mode: str
    count: int | None = None
    seconds: float = 0.0
    probability: float = 1.0
    code: int = 500
    retry_after: float | None = None
    path: str = "/v1/"


class FaultInjector:
    """ASGI middleware rather than a switch in each handler: a fault then hits
    every endpoint the same way, as a network or proxy would."""

    def __init__(self, seed: int | None = None):
        self.fault: Fault | None = None
        self.injected = 0
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def set(self, mode: str, count: int | None = None, seconds: float = 0.0, probability: float = 1.0,
            code: int = 500, retry_after: float | None = None, path: str = "/v1/") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; known: {', '.join(MODES)}")
        with self._lock:
            self.fault = Fault(mode, count, float(seconds), float(probability), int(code), retry_after, path)

    def clear(self) -> None:
        with self._lock:
            self.fault = None

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            f = self.fault
            if f is None or not path.startswith(f.path) or self._random.random() >= f.probability:
                return None
            if f.count is not None:
                f.count -= 1
                if f.count <= 0:
                    self.fault = None
            self.injected += 1
            return Fault(f.mode, None, f.seconds, 1.0, f.code, f.retry_after)

    def wrap(self, app: Any) -> Any:
        async def middleware(scope: dict, receive: Any, send: Any) -> None:
            path = scope.get("path", "")
            if scope["type"] != "http" or not path.startswith("/v1/") or path.startswith("/v1/admin/"):
                return await app(scope, receive, send)
            fault = self._take(path)
            if fault is None:
                return await app(scope, receive, send)
            if fault.mode in ("error500", "status"):
                status = 500 if fault.mode == "error500" else fault.code
                body = b'{"error": {"code": "INJECTED", "message": "injected failure"}}'
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                if fault.retry_after is not None:
                    headers.append((b"retry-after", str(int(fault.retry_after)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            if fault.mode == "slow":
                await asyncio.sleep(fault.seconds)
                return await app(scope, receive, send)
            messages: list[dict] = []

            async def capture(message: dict) -> None:
                messages.append(message)

            await app(scope, receive, capture)
            if fault.mode == "timeout":
                await asyncio.sleep(fault.seconds)
            elif fault.mode == "drop":
                start = next(m for m in messages if m["type"] == "http.response.start")
                await send(start)
                raise ConnectionDropped("injected dropped connection")
            elif fault.mode == "malformed":
                start = dict(next(m for m in messages if m["type"] == "http.response.start"))
                body = b'{"number": "PF2026'
                start["headers"] = [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]
                messages = [start, {"type": "http.response.body", "body": body}]
            for message in messages:
                await send(message)

        return middleware
