"""What a driver's probe (its manifest's ``probes``) uses to meet a serial
port during ``kiosk provision``: ask a question on an open port, or hear
what a port says unasked.  Nothing here decides what answered: that is each
driver's probe (drivers/<class>/probe.py), which knows its own protocol.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import serial

ANSWER_TIMEOUT = 0.2  # seconds a device has to start answering a probe's question


def ask(port: serial.Serial, question: bytes, timeout: float = ANSWER_TIMEOUT,
        complete: Callable[[bytes], bool] | None = None) -> bytes:
    """Write ``question`` and read the answer until ``complete(answer)``
    (default: any byte) or ``timeout``; what came, possibly nothing."""
    port.reset_input_buffer()
    port.write(question)
    port.flush()
    deadline = time.monotonic() + timeout
    answer = bytearray()
    while time.monotonic() < deadline:
        port.timeout = max(0.01, deadline - time.monotonic())
        chunk = port.read(64)
        if chunk:
            answer += chunk
            if complete is None or complete(bytes(answer)):
                break
    return bytes(answer)


def hear(where: str, opener: Callable[..., serial.Serial], seconds: float, **settings: Any) -> bytes:
    """What the port says unasked for ``seconds``, opened at ``settings`` (as
    the drivers open it: settings at open, not changed on the fly)."""
    port = opener(where, timeout=0.2, **settings)
    try:
        port.reset_input_buffer()
        deadline = time.monotonic() + seconds
        heard = bytearray()
        while time.monotonic() < deadline:
            heard += port.read(512)
        return bytes(heard)
    finally:
        port.close()
