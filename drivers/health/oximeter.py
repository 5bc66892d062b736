"""The Contec CMS50D+ fingertip pulse oximeter on its USB-serial cable
(19200 baud, 8 data bits, odd parity, 1 stop bit, live stream)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from drivers.base import Counters
from drivers.health import cms50d
from drivers.health.device import HealthDevice, SerialOptions
from drivers.health.records import Kind, LiveKind, live_value


class OximeterOptions(SerialOptions):
    # The settling rule (cms50d.StableReading); the probe sends ~60 packets a second.
    stable_samples: Annotated[int, Field(ge=1, le=3600)] = 180
    spo2_spread: Annotated[int, Field(ge=0, le=10)] = 1
    pulse_spread: Annotated[int, Field(ge=0, le=30)] = 3
    probe_error_samples: Annotated[int, Field(ge=1, le=3600)] = 120   # how long a probe error must last


class PulseOximeter(HealthDevice):
    """``driver = "health.cms50d"``: SpO2 and pulse once the stream settles,
    and meanwhile as live values (``progress`` events, at most 5 a second).

    Finger out becomes the "put a finger in the clip" prompt, not a failure:
    the resident is about to do it.  A probe error only fails the measurement
    when it lasts ``probe_error_samples`` packets (a finger pushed in makes
    a short one).
    """

    Options: ClassVar[type[OximeterOptions]] = OximeterOptions
    options: OximeterOptions
    model = "Contec CMS50D+"
    measures = frozenset({Kind.SPO2, Kind.PULSE})

    def __init__(self, name: str, port: str, counters: Counters | None = None, **options: Any):
        super().__init__(name, port, counters, **options)
        self.serial_settings = dict(cms50d.SERIAL)
        self._decoder = cms50d.Cms50dDecoder()
        self._rule = cms50d.StableReading(self.options.stable_samples, self.options.spo2_spread,
                                          self.options.pulse_spread)
        self._probe_errors = 0

    def _begin(self) -> None:
        self._decoder.reset()
        self._rule.reset()
        self._probe_errors = 0

    def _on_bytes(self, data: bytes) -> None:
        self._decoder.feed(data)
        for sample in self._decoder.events():
            if sample.probe_error:
                self._probe_errors += 1
                if self._probe_errors >= self.options.probe_error_samples:
                    self._fail("probe_error")
                    return
            else:
                self._probe_errors = 0
            self._progress("finger_out" if sample.finger_out else "measuring")
            reading = self._rule.push(sample)
            if reading is not None:
                self._deliver(reading.records())
                return
            if sample.usable and sample.spo2 is not None and sample.pulse is not None:
                # Settling: the probe's numbers as they come (rate-limited).
                self._live(live_value(LiveKind.SPO2, sample.spo2) + live_value(LiveKind.PULSE, sample.pulse))
