"""The byte link to a printer: a python-escpos backend for opening and
sending, plus the reads python-escpos does not do well.

Its ``_read`` asks for 16 bytes and so waits out the whole timeout on every
status query; here replies are read byte by byte with a short timeout from
the backend's socket or serial port, and a byte that is not a status reply
(wrong fixed bits) is skipped rather than taken for one.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any
from urllib.parse import urlparse

from drivers.base import OptionError

from .status import valid_reply

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 30.0


class Link:
    """One open connection through a python-escpos backend."""

    def __init__(self, backend: Any, kind: str):
        self.backend, self.kind = backend, kind

    @property
    def raw(self) -> Any:
        return self.backend._device  # socket.socket or serial.Serial

    def write(self, data: bytes) -> None:
        # A printer with a full buffer takes bytes as fast as it prints;
        # the short status-read timeout must not apply to writes.
        if self.kind == "network":
            self.raw.settimeout(WRITE_TIMEOUT)
        else:
            self.raw.write_timeout = WRITE_TIMEOUT
        self.backend._raw(data)

    def read_byte(self, timeout: float) -> int | None:
        if self.kind == "network":
            self.raw.settimeout(timeout)
            try:
                got = self.raw.recv(1)
            except (socket.timeout, BlockingIOError):
                return None
            if not got:
                raise ConnectionResetError("printer closed the connection")
            return got[0]
        self.raw.timeout = timeout
        got = self.raw.read(1)
        return got[0] if got else None

    def drain(self) -> None:
        """Forget stale bytes (a late reply to an earlier query)."""
        while self.read_byte(0.0 if self.kind == "serial" else 0.001) is not None:
            pass

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # closing a dead link must not raise
            log.debug("closing printer link failed", exc_info=True)

    def read_status_byte(self, timeout: float) -> int | None:
        """The reply to one DLE EOT, or None when none comes in time."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            byte = self.read_byte(left)
            if byte is None:
                return None
            if valid_reply(byte):
                return byte
        return None

    def read_id_text(self, timeout: float) -> str | None:
        """The reply to GS I 65-69: "_" + text + NUL (Epson's format)."""
        deadline = time.monotonic() + timeout
        data = bytearray()
        while (left := deadline - time.monotonic()) > 0:
            byte = self.read_byte(left)
            if byte is None:
                return None
            if not data and byte != 0x5F:  # not the start of an ID reply
                continue
            if byte == 0:
                return data[1:].decode("ascii", "replace").strip() or None
            data.append(byte)
            if len(data) > 80:
                return None
        return None


def tcp_address(url: str) -> tuple[str, int]:
    """(host, port) of "tcp://host[:port]" (port 9100, the raw printing
    port, when not given)."""
    expected = 'tcp://host:port, e.g. "tcp://192.168.1.50:9100"'
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:  # "tcp://host:99999" or "tcp://host:x"
        raise OptionError("url", expected + " (the port is a number from 1 to 65535)") from None
    if parsed.scheme != "tcp" or not parsed.hostname or port == 0:
        raise OptionError("url", expected)
    return parsed.hostname, port or 9100


def connect_error_text(exc: BaseException) -> str:
    """The cause a technician can act on: python-escpos wraps the OS error
    ("Connection refused", "No such file or directory") in a two-line
    "Device not found" message; the wrapped error says it best."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
