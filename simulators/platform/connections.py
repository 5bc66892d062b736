"""The platform's connections: time limits and a share per client address.

uvicorn closes a connection that stays idle *after* a response
(``timeout_keep_alive``), but not one that never sends a request, nor one
that trickles its headers or its body a byte at a time; and its concurrency
limit answers a plain-text 503 to everyone once anybody holds enough
sockets.  200 idle connections from one address were a denial of service.

``guarded_protocol`` makes uvicorn's h11 protocol class with three rules:
the request head must be complete within ``header_seconds`` of the first
byte (or of the connection: an idle new connection is dropped), the body
within ``body_seconds``; and one client address holds at most
``per_address`` connections, the platform ``total`` (more get a 503 in the
contract's error shape, with Retry-After, and a short deadline).  Refusals
and timeouts answer ``{"error": {"code", "message"}}`` like every other.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

RETRY_AFTER = 5


@dataclass
class ConnectionLimits:
    header_seconds: float = 10.0
    body_seconds: float = 120.0
    per_address: int = 64
    total: int = 512
    refused_seconds: float = 2.0  # how long a refused connection may take to send its request
    open_by_address: Counter[str] = field(default_factory=Counter)


def error_bytes(status: int, reason: str, code: str, message: str, retry_after: int | None = None) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}",
            "connection: close"] + ([f"retry-after: {retry_after}"] if retry_after else [])
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _too_many(_scope: Any, _receive: Any, send: Any) -> None:
    body = json.dumps({"error": {"code": "TOO_MANY_CONNECTIONS", "message": "too many connections from this "
                                 "address (or to the platform); retry after Retry-After seconds"}}).encode()
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"retry-after", str(RETRY_AFTER).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    class GuardedH11Protocol(H11Protocol):
        _address = ""
        _counted = False
        _deadline: asyncio.TimerHandle | None = None
        _phase = ""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._address = self.client[0] if self.client else ""
            busy = limits.open_by_address[self._address] >= limits.per_address or \
                sum(limits.open_by_address.values()) >= limits.total
            if busy:
                self.app = _too_many  # answered as soon as its request head is in, then closed
                self._arm("head", limits.refused_seconds)
            else:
                limits.open_by_address[self._address] += 1
                self._counted = True
                self._arm("head", limits.header_seconds)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted:
                self._counted = False
                limits.open_by_address[self._address] -= 1
                if limits.open_by_address[self._address] <= 0:
                    del limits.open_by_address[self._address]
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._phase == "" and self.conn.their_state is h11.IDLE:  # the first byte of a new request
                self._arm("head", limits.header_seconds)
            super().data_received(data)
            self._follow()

        def on_response_complete(self) -> None:
            super().on_response_complete()  # uvicorn's keep-alive timer takes over the idle connection
            self._disarm()

        def _follow(self) -> None:
            state = self.conn.their_state
            if state is h11.SEND_BODY and self._phase == "head":
                self._arm("body", limits.body_seconds)
            elif state is not h11.IDLE and state is not h11.SEND_BODY:
                self._disarm()

        def _arm(self, phase: str, seconds: float) -> None:
            self._disarm()
            self._phase = phase
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline, self._phase = None, ""

        def _expired(self) -> None:
            phase, self._deadline = self._phase, None
            if self.transport.is_closing():
                return
            if phase == "head" and (self.cycle is None or self.cycle.response_complete) \
                    and self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
                what = "the request head did not arrive in time"
                self.transport.write(error_bytes(408, "Request Timeout", "REQUEST_TIMEOUT", what))
            self.transport.close()  # a body still arriving: the app sees the client go away

    return GuardedH11Protocol


class AttemptLimit:
    """At most ``count`` tries per ``seconds`` from one client address (the
    enrolment endpoint: a code must not be guessable at hundreds a second)."""

    def __init__(self, count: int = 10, seconds: float = 60.0):
        self.count, self.seconds = count, seconds
        self._tries: dict[str, list[float]] = {}

    def retry_after(self, address: str, now: float) -> float | None:
        """None when this try is allowed (and counted); else seconds to wait."""
        if len(self._tries) > 10_000:  # forget addresses that went quiet
            self._tries = {a: t for a, t in self._tries.items() if t and t[-1] > now - self.seconds}
        recent = [t for t in self._tries.get(address, []) if t > now - self.seconds]
        if len(recent) >= self.count:
            self._tries[address] = recent
            return recent[0] + self.seconds - now
        self._tries[address] = [*recent, now]
        return None
