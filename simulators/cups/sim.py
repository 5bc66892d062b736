"""The virtual hut's A4 printer: a private cupsd with a cups-pdf queue
(server.py), at the real interface the kiosk uses (IPP on a domain socket)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from .server import CupsServer


class CupsSimulator:
    name = "a4_printer"
    description = "A4 printer: a private cupsd with a cups-pdf queue (PDFs in a4_printer/out)"

    def __init__(self, workdir: str | os.PathLike, queue: str = ""):
        self.server = CupsServer(Path(workdir) / "a4_printer")
        self.queue = queue

    def start(self) -> None:
        self.server.start()
        self.queue = self.server.add_queue(self.queue)

    def stop(self) -> None:
        self.server.stop()

    def where(self) -> str:
        return f"{self.server.url} queue {self.queue}"

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"a4_printer": {"driver": "a4printer.cups", "url": self.server.url,
                                           "options": {"queue": self.queue, "status_interval": 0.5}}}}

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        """``tray`` (state: ok, "sheets N", jam, door-open), ``pause`` /
        ``resume`` (cupsdisable / cupsenable), ``stop_cups`` / ``start_cups``,
        ``printed`` (the PDFs cups-pdf wrote)."""
        actions: dict[str, Callable[..., dict[str, Any]]] = {
            "tray": self._tray,
            "pause": lambda reason="paused by staff": self._lp("cupsdisable", "-r", reason, self.queue),
            "resume": lambda: self._lp("cupsenable", self.queue),
            "stop_cups": self._stop_cups,
            "start_cups": self._start_cups,
            "printed": lambda: {"printed": [str(p) for p in self.server.printed()]},
        }
        if action not in actions:
            raise ValueError(f"unknown a4_printer action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    def _tray(self, state: str = "ok") -> dict[str, Any]:
        words = state.split()
        if not (state in ("ok", "jam", "door-open", "hang") or (len(words) == 2 and words[0] == "sheets"
                                                         and words[1].isdigit())):
            raise ValueError('tray state: "ok", "sheets N", "jam", "door-open" or "hang"')
        self.server.tray(self.queue, state)
        return {"tray": state}

    def _lp(self, *command: str) -> dict[str, Any]:
        self.server.lp(*command)
        return {"ok": True}

    def _stop_cups(self) -> dict[str, Any]:
        self.server.stop(keep_queues=True)
        return {"cups": "stopped"}

    def _start_cups(self) -> dict[str, Any]:
        self.server.start()
        return {"cups": "running"}
