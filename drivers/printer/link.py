"""The byte link to a printer: a TCP socket or a serial port, owned here.

python-escpos's backends (``Network``, ``Serial``) only open, write and
close, and their reads ask for 16 bytes, so every status query would wait
out the whole timeout; they keep the connection in a private attribute.  The
link is plain ``socket`` and pyserial instead: replies are read byte by byte
with a short timeout, and a byte that is not a status reply (wrong fixed
bits) is skipped rather than taken for one.  python-escpos stays what it is
good at: generating the commands (encode.py).
"""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlparse

import serial

from drivers.base import OptionError

from .status import valid_reply

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 30.0


class Link:
    """One open connection to a printer."""

    def __init__(self, conn: socket.socket | serial.Serial):
        self.conn = conn
        self.kind = "network" if isinstance(conn, socket.socket) else "serial"

    @classmethod
    def tcp(cls, host: str, port: int, connect_timeout: float) -> "Link":
        """Connect to a network printer's raw port.  Raises OSError."""
        sock = socket.create_connection((host, port), timeout=connect_timeout)
        # Status queries are 3-byte writes: no Nagle delay.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock)

    @classmethod
    def serial_port(cls, port: str, baudrate: int, timeout: float) -> "Link":
        """Open a serial printer (8N1, no flow control).  Raises OSError
        (pyserial's SerialException is one) or ValueError."""
        return cls(serial.Serial(port, baudrate, timeout=timeout, write_timeout=WRITE_TIMEOUT, dsrdtr=False))

    def write(self, data: bytes) -> None:
        # A printer with a full buffer takes bytes as fast as it prints;
        # the short status-read timeout must not apply to writes.
        if isinstance(self.conn, socket.socket):
            self.conn.settimeout(WRITE_TIMEOUT)
            self.conn.sendall(data)
        else:
            self.conn.write(data)

    def read_byte(self, timeout: float) -> int | None:
        if isinstance(self.conn, socket.socket):
            self.conn.settimeout(timeout)
            try:
                got = self.conn.recv(1)
            except (socket.timeout, BlockingIOError):
                return None
            if not got:
                raise ConnectionResetError("printer closed the connection")
            return got[0]
        self.conn.timeout = timeout
        got = self.conn.read(1)
        return got[0] if got else None

    def drain(self) -> None:
        """Forget stale bytes (a late reply to an earlier query)."""
        while self.read_byte(0.0 if self.kind == "serial" else 0.001) is not None:
            pass

    def close(self) -> None:
        try:
            if isinstance(self.conn, socket.socket):
                try:
                    self.conn.shutdown(socket.SHUT_RDWR)
                except OSError:  # already reset by the printer
                    pass
            self.conn.close()
        except (OSError, serial.SerialException):  # closing a dead link must not raise
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
    """The cause a technician can act on ("Connection refused", "No such
    file or directory"): pyserial wraps the OS error in "could not open port
    ...: [Errno 2] ..."; the wrapped error says it best."""
    cause = exc.__cause__ or exc.__context__
    for err in (cause, exc):
        if isinstance(err, OSError) and err.strerror and "[Errno" not in err.strerror:
            return err.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
