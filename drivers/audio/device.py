"""The audio output the voice plays on: does the sound device exist and accept a stream?

espeak-ng exits 0 with no sound card at all, so the voice alone cannot tell
whether anything was heard.  This device opens the playback device (an ALSA
PCM node, ``/dev/snd/pcmC<card>D<device>p``) for writing, without blocking,
and closes it at once: that it opens (or is busy playing) means the card is
there and takes a stream.  It looks again every few seconds, so an unplugged
USB speaker shows as ``no_device`` in the heartbeat and on the screen.
"""

from __future__ import annotations

import errno
import glob
import os
import threading
from typing import Any, ClassVar

from pydantic import Field

from drivers.base import Action, Counters, Device, DeviceFailure, DeviceInfo, HealthLevel, Status
from drivers.options import DriverOptions

DEFAULT_PCM = "/dev/snd/pcmC*D*p"


class AudioOptions(DriverOptions):
    # How loud espeak-ng speaks at the middle step (its amplitude, 0-200; the
    # resident's control goes a step below and above).  Staff set it per hut.
    volume: int = Field(default=100, ge=10, le=200)
    check_seconds: float = Field(default=5.0, ge=0.5, le=3600)


def playback_check(pattern: str) -> tuple[Status, str, str]:
    """(status, problem code, words) of the playback device(s) ``pattern`` names."""
    nodes = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
    nodes = [n for n in nodes if os.path.exists(n)]
    if not nodes:
        return Status.NO_DEVICE, "no_sound_card", f"no playback device ({pattern})"
    try:
        fd = os.open(nodes[0], os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            return Status.ONLINE, "", f"{nodes[0]} (busy playing)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Status.HARDWARE_ERROR, "not_permitted", f"{nodes[0]}: permission denied"
        if exc.errno in (errno.ENXIO, errno.ENODEV, errno.ENOENT):
            return Status.NO_DEVICE, "no_sound_card", f"{nodes[0]}: {os.strerror(exc.errno)}"
        return Status.HARDWARE_ERROR, "no_stream", f"{nodes[0]}: {os.strerror(exc.errno or 0)}"
    os.close(fd)
    return Status.ONLINE, "", nodes[0]


class AudioOutput(Device):
    device_class: ClassVar[str] = "speaker"
    Options = AudioOptions

    def __init__(self, name: str, pcm: str = DEFAULT_PCM, counters: Counters | None = None,
                 options: AudioOptions | None = None):
        super().__init__(name, counters)
        self.pcm, self.options = pcm, options or AudioOptions()
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> AudioOutput:
        return cls(name, cfg.port or DEFAULT_PCM, counters, AudioOptions(**dict(cfg.options)))

    @property
    def volume(self) -> int:
        return self.options.volume

    def _open(self) -> None:
        self._set_info(DeviceInfo(model="ALSA playback", capabilities=frozenset({"voice"})))
        self._look()
        self._stop.clear()
        self._watch = threading.Thread(target=self._watching, name=f"speaker-{self.name}", daemon=True)
        self._watch.start()

    def _watching(self) -> None:
        while not self._stop.wait(self.options.check_seconds):
            self._look()

    def _look(self) -> str:
        status, problem, words = playback_check(self.pcm)
        if status is not self.status:
            if problem:
                self.counters.incr("checks_failed")
                self._set_state(status, problem=problem, where=words)
                if problem == "no_sound_card":
                    self._report_error(f"speaker: {words}", Action.CLEAR, "no_sound_card")
                elif problem == "not_permitted":
                    self._report_error(f"speaker: {words}", Action.MAINTENANCE, "not_permitted")
                else:
                    self._report_error(f"speaker: {words}", Action.MAINTENANCE, "no_stream")
            else:
                self._set_state(status, problem=None, where=words)
        return words

    def _close(self) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join(2)
        self._set_state(Status.OFFLINE)

    def _check_health(self, level: HealthLevel) -> str:
        words = self._look()
        if self.status is not Status.ONLINE:
            raise DeviceFailure(f"扬声器不可用 / speaker unavailable: {words}", Action.MAINTENANCE,
                                str(self.state.detail.get("problem") or "no_sound_card"))
        return "OK"
