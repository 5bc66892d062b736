"""The 2D code scanner in USB-COM mode, on a pty.

``control("scan", code="...")`` is a resident holding a phone (or a slip)
under the window: the code goes out followed by the configured suffix,
paced like a 115200-baud line.  ``repeat`` sends it that many times in a
burst (a phone held still), ``raw`` sends bytes as they are (garbage, a code
without its suffix), ``unplug``/``plug`` pull and put back the cable.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from simulators.pty import close_pty, open_pty

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t", "none": b""}
BYTE_SECONDS = 10 / 115200   # 8N1 at 115200 baud


class ScannerSimulator:
    name = "code_scanner"
    description = "扫码器 2D code scanner (USB-COM) on a pty / code scanner simulator"

    def __init__(self, workdir: Path, suffix: str = "cr", paced: bool = True):
        self.workdir = Path(workdir)
        self.link = self.workdir / "code_scanner"
        self.suffix = suffix
        self.paced = paced
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self.sent = 0

    # -- the hut's simulator protocol ---------------------------------------------
    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._plug()

    def stop(self) -> None:
        with self._lock:
            self._unplug()

    def where(self) -> str:
        return str(self.link)

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"code_scanner": {"driver": "code_scanner.serial", "port": str(self.link),
                                             "options": {"suffix": self.suffix}}}}

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions: dict[str, Callable[..., dict[str, Any]]] = {
            "scan": self.scan, "raw": self.raw, "unplug": self.unplug, "plug": self.plug,
            "status": lambda: {"plugged": self._master is not None, "sent": self.sent},
        }
        if action not in actions:
            raise ValueError(f"code_scanner: unknown action {action!r} (one of {', '.join(actions)})")
        return actions[action](**params)

    # -- actions -------------------------------------------------------------------
    def scan(self, code: str, repeat: int = 1) -> dict[str, Any]:
        """One code shown ``repeat`` times in a burst, each with the suffix."""
        data = code.encode("utf-8") + SUFFIXES[self.suffix]
        for _ in range(max(1, int(repeat))):
            self._write(data)
        return {"sent": len(data) * max(1, int(repeat))}

    def raw(self, data: str = "", b64: str = "") -> dict[str, Any]:
        """Bytes as they are (``b64``: base64 for bytes that are not text)."""
        payload = base64.b64decode(b64) if b64 else data.encode("utf-8")
        self._write(payload)
        return {"sent": len(payload)}

    def unplug(self) -> dict[str, Any]:
        with self._lock:
            self._unplug()
        return {"plugged": False}

    def plug(self) -> dict[str, Any]:
        with self._lock:
            if self._master is None:
                self._plug()
        return {"plugged": True}

    # -- the line --------------------------------------------------------------------
    def _plug(self) -> None:
        self._master, self._slave = open_pty(self.link)

    def _unplug(self) -> None:
        close_pty(self.link, self._master, self._slave)
        self._master = self._slave = None

    def _write(self, data: bytes) -> None:
        with self._lock:
            master = self._master
            if master is None:
                raise RuntimeError("code_scanner: unplugged (plug it first)")
            view = memoryview(data)
            while view:
                try:
                    written = os.write(master, view[:256])
                except BlockingIOError:
                    time.sleep(0.001)   # the driver has not read yet: the pty's buffer is full
                    continue
                view = view[written:]
                self.sent += written
                if self.paced:
                    time.sleep(written * BYTE_SECONDS)
