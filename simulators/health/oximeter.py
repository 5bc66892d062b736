"""A Contec CMS50D+ on a pty at 19200 8O1, streaming 5-byte packets about 60
times a second as the real probe does while powered.

    reading      a finger in the clip: a second of "searching", a second
                 of numbers settling, then the given SpO2 and pulse with a
                 little natural wobble
    finger_out   the clip is empty (the start state)
    fault        probe_error: the probe reports a sensor fault
    no_response  the stream stops (cable pulled at the probe, flat battery)
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

from simulators.health.base import PtyDevice

RATE = 60.0   # packets a second


def packet(*, spo2: int = 127, pulse: int = 255, finger_out: bool = False, searching: bool = False,
           probe_error: bool = False, pleth: int = 0, signal: int = 0, bar: int = 0, beep: bool = False) -> bytes:
    """One packet laid out as the CMS50D+ description says."""
    b0 = 0x80 | (signal & 0x0F) | (0x10 if finger_out else 0) | (0x40 if beep else 0)
    b2 = (bar & 0x0F) | (0x10 if probe_error else 0) | (0x20 if searching else 0) | ((pulse & 0x80) >> 1)
    return bytes([b0, pleth & 0x7F, b2, pulse & 0x7F, spo2 & 0x7F])


class OximeterSimulator(PtyDevice):
    name = "oximeter"
    description = "指夹式血氧仪 Contec CMS50D+ on a pty at 19200 8O1 / pulse oximeter simulator"
    baudrate, bytesize, parity, stopbits = 19200, 8, "O", 1

    def __init__(self, workdir: Any, speedup: float = 1.0, stable_samples: int = 120):
        super().__init__(workdir, speedup)
        self.stable_samples = stable_samples
        self.mode = "finger_out"
        self.spo2, self.pulse = 98, 72
        self._finger_at = 0.0
        self._streamer: threading.Thread | None = None
        self.sent = 0

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {self.name: {"driver": "health.cms50d", "port": self.where(),
                                        "options": {"stable_samples": self.stable_samples,
                                                    "measure_timeout": 60.0}}}}

    def actions(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {"reading": self._reading, "finger_out": lambda: self._set_mode("finger_out"),
                "fault": self._fault}

    def _reading(self, spo2: int = 98, pulse: int = 72) -> dict[str, Any]:
        for key, value, hi in (("spo2", spo2, 100), ("pulse", pulse, 254)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
                raise ValueError(f"{key} must be a whole number from 1 to {hi}")
        self._set_mode("normal")
        self.spo2, self.pulse = spo2, pulse
        self._finger_at = time.monotonic()
        return {"reading": {"spo2": spo2, "pulse": pulse}}

    def _fault(self, kind: str) -> dict[str, Any]:
        if kind != "probe_error":
            raise ValueError("oximeter faults: probe_error")
        return self._set_mode(kind)

    def start(self) -> None:
        super().start()
        self._streamer = threading.Thread(target=self._stream, name="sim-oximeter-stream", daemon=True)
        self._streamer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._streamer is not None:
            self._streamer.join(5)
            self._streamer = None
        super().stop()

    def current_packet(self, n: int) -> bytes:
        wave = int(50 + 45 * math.sin(2 * math.pi * n * self.pulse / 60 / RATE))
        if self.mode == "finger_out":
            return packet(finger_out=True, searching=True)
        if self.mode == "probe_error":
            return packet(probe_error=True, searching=True)
        since = (time.monotonic() - self._finger_at) * self.speedup
        if since < 1.0:
            return packet(searching=True, signal=2, pleth=wave)
        # Then the numbers settle over a second: SpO2 up from 3 below, the
        # pulse down from 8 above (what a live display shows meanwhile).
        left = max(0.0, 2.0 - since)
        wobble = (0, 1, 0, -1)[(n // 30) % 4]   # a beat or so either way every half second
        spo2 = max(1, round(self.spo2 - 3 * left))
        pulse = max(1, min(254, round(self.pulse + 8 * left) + wobble))
        return packet(spo2=spo2, pulse=pulse, signal=6, bar=wave // 16, pleth=wave,
                      beep=n % int(RATE * 60 / self.pulse) == 0)

    def _stream(self) -> None:
        n = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            if self.mode != "no_response":
                self._send(self.current_packet(n))
                self.sent += 1
            n += 1
            next_at += 1.0 / RATE
            self._stop.wait(max(0.0, next_at - time.monotonic()))
