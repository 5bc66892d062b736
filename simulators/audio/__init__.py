"""The hut's speaker, simulated: a playback node that accepts a stream.

A FIFO stands in for the ALSA PCM node: while the simulator holds its
reading end open (and drains it), opening it for writing succeeds, as a
sound card's playback device does; ``unplug`` closes it and removes the
node (``no_device``), ``replug`` brings it back.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


class SpeakerSimulator:
    name = "speaker"
    description = "扬声器 (speaker): a playback node that accepts a stream / speaker simulator"

    def __init__(self, workdir: Path):
        self.node = Path(workdir) / "snd" / "pcmC0D0p"
        self._lock = threading.Lock()
        self._reader: int | None = None
        self._keep: int | None = None   # its own writing end: a FIFO with no writer reads as EOF forever
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._plug()

    def stop(self) -> None:
        self._unplug()

    def where(self) -> str:
        return str(self.node)

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"speaker": {"driver": "speaker.alsa", "port": str(self.node),
                                        "options": {"check_seconds": 0.5}}}}

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions = {"unplug": self._unplug, "replug": self._plug, "status": lambda: None}
        if action not in actions:
            raise ValueError(f"unknown speaker action {action!r}; actions: {', '.join(sorted(actions))}")
        actions[action]()
        return {"plugged": self._reader is not None, "node": str(self.node)}

    def _plug(self) -> None:
        with self._lock:
            if self._reader is not None:
                return
            self.node.parent.mkdir(parents=True, exist_ok=True)
            if not self.node.exists():
                os.mkfifo(self.node, 0o660)
            self._reader = os.open(self.node, os.O_RDONLY | os.O_NONBLOCK)
            self._keep = os.open(self.node, os.O_WRONLY | os.O_NONBLOCK)
            self._stop.clear()
            self._thread = threading.Thread(target=self._drain, args=(self._reader,), name="speaker-sim", daemon=True)
            self._thread.start()

    def _drain(self, fd: int) -> None:
        import select

        while not self._stop.is_set():
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    return

    def _unplug(self) -> None:
        with self._lock:
            self._stop.set()
            if self._thread is not None:
                self._thread.join(2)
                self._thread = None
            for fd in (self._keep, self._reader):
                if fd is not None:
                    os.close(fd)
            self._reader = self._keep = None
            if self.node.exists():
                self.node.unlink()
