"""Contec CMS50D+ pulse oximeter, live stream (19200 baud, 8 data bits, odd
parity, 1 stop bit): 5-byte packets, about 60 a second.

Only the first byte of a packet has bit 7 set, which is how the decoder
finds packet starts in a stream joined mid-packet:

    byte 0  bits 0-3 signal strength, 0x10 finger out, 0x20 SpO2 dropping, 0x40 beep
    byte 1  pulse waveform (plethysmogram) sample
    byte 2  bits 0-3 bar graph, 0x10 probe error, 0x20 searching, 0x40 pulse bit 7
    byte 3  pulse bits 0-6      -> pulse = ((b2 & 0x40) << 1) | (b3 & 0x7F); 255 = no reading
    byte 4  SpO2 bits 0-6       -> 127 = no reading

The stream never stops while the probe is powered, so a value is only a
*reading* once it has settled: :class:`StableReading` holds that rule.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from drivers.health.records import Kind, Measurement, Special, measurement

PACKET = 5
SERIAL = {"baudrate": 19200, "bytesize": 8, "parity": "O", "stopbits": 1}
NO_SPO2 = 127
NO_PULSE = 255


@dataclass(frozen=True, repr=False)
class Sample:
    """One packet.  ``spo2``/``pulse`` are None when the probe has no reading."""

    signal: int
    finger_out: bool
    dropping: bool
    beep: bool
    pleth: int
    bar: int
    probe_error: bool
    searching: bool
    pulse: int | None
    spo2: int | None
    raw: bytes

    def __repr__(self) -> str:  # SpO2 and pulse are health data
        return (f"Sample(finger_out={self.finger_out}, probe_error={self.probe_error}, "
                f"searching={self.searching}, values=<hidden>)")

    @property
    def usable(self) -> bool:
        return (not self.finger_out and not self.probe_error and not self.searching
                and self.spo2 is not None and self.pulse is not None and self.spo2 > 0 and self.pulse > 0)


def parse_packet(packet: bytes) -> Sample:
    """One aligned 5-byte packet (the caller has checked the sync bits)."""
    b0, b1, b2, b3, b4 = packet
    pulse = ((b2 & 0x40) << 1) | (b3 & 0x7F)
    spo2 = b4 & 0x7F
    return Sample(signal=b0 & 0x0F, finger_out=bool(b0 & 0x10), dropping=bool(b0 & 0x20), beep=bool(b0 & 0x40),
                  pleth=b1 & 0x7F, bar=b2 & 0x0F, probe_error=bool(b2 & 0x10), searching=bool(b2 & 0x20),
                  pulse=None if pulse == NO_PULSE else pulse,
                  spo2=None if spo2 == NO_SPO2 or spo2 > 100 else spo2, raw=bytes(packet))


class Cms50dDecoder:
    """Sans-I/O: ``feed(bytes)``, then ``events()`` gives whole packets.

    A byte with bit 7 set always starts a packet; one arriving early drops
    the partial packet before it (counted in ``resyncs``), and bytes before
    the first start are skipped.  No input raises.
    """

    def __init__(self) -> None:
        self._partial = bytearray()
        self._ready: list[Sample] = []
        self.resyncs = 0

    def feed(self, data: bytes) -> None:
        for byte in data:
            if byte & 0x80:
                if self._partial:
                    self.resyncs += 1
                self._partial = bytearray((byte,))
            elif self._partial:
                self._partial.append(byte)
                if len(self._partial) == PACKET:
                    self._ready.append(parse_packet(bytes(self._partial)))
                    self._partial.clear()
            # else: mid-packet bytes before the first start: skipped

    def events(self) -> list[Sample]:
        ready, self._ready = self._ready, []
        return ready

    def reset(self) -> None:
        self._partial.clear()
        self._ready.clear()


def records_of(sample: Sample) -> list[Measurement]:
    """A packet's SpO2 and pulse as records (no reading: special NaN)."""
    raw = sample.raw
    spo2_raw = raw[4] & 0x7F
    out = []
    if sample.spo2 is not None:
        out.append(measurement(Kind.SPO2, float(sample.spo2), raw))
    else:
        out.append(measurement(Kind.SPO2, None, raw, special=Special.NAN if spo2_raw == NO_SPO2 else Special.RESERVED))
    if sample.pulse is not None:
        out.append(measurement(Kind.PULSE, float(sample.pulse), raw))
    else:
        out.append(measurement(Kind.PULSE, None, raw, special=Special.NAN))
    return out


def decode(data: bytes) -> list[Measurement]:
    """Every whole packet in ``data`` as records (for ``kiosk health decode``)."""
    decoder = Cms50dDecoder()
    decoder.feed(data)
    return [r for sample in decoder.events() for r in records_of(sample)]


@dataclass(frozen=True, repr=False)
class Reading:
    spo2: int
    pulse: int
    samples: tuple[Sample, ...]

    def __repr__(self) -> str:
        return f"Reading(samples={len(self.samples)}, values=<hidden>)"

    def records(self) -> list[Measurement]:
        raw = self.samples[-1].raw
        return [measurement(Kind.SPO2, float(self.spo2), raw), measurement(Kind.PULSE, float(self.pulse), raw)]


class StableReading:
    """When a stream of samples has settled into one reading.

    The rule: the last ``window`` samples are all usable (finger in, no
    probe error, not searching, SpO2 and pulse present), their SpO2 spans at
    most ``spo2_spread`` percentage points and their pulse at most
    ``pulse_spread`` beats a minute.  The reading is the window's median
    (rounded half up).  Any unusable sample empties the window: a finger
    pulled out and put back starts settling afresh.
    """

    def __init__(self, window: int = 180, spo2_spread: int = 1, pulse_spread: int = 3):
        if window < 1:
            raise ValueError("window must be at least one sample")
        self.window, self.spo2_spread, self.pulse_spread = window, spo2_spread, pulse_spread
        self._samples: list[Sample] = []

    def push(self, sample: Sample) -> Reading | None:
        if not sample.usable:
            self._samples.clear()
            return None
        self._samples.append(sample)
        if len(self._samples) > self.window:
            del self._samples[0]
        if len(self._samples) < self.window:
            return None
        spo2 = [s.spo2 for s in self._samples if s.spo2 is not None]
        pulse = [s.pulse for s in self._samples if s.pulse is not None]
        if max(spo2) - min(spo2) > self.spo2_spread or max(pulse) - min(pulse) > self.pulse_spread:
            return None
        return Reading(int(statistics.median(spo2) + 0.5), int(statistics.median(pulse) + 0.5),
                       tuple(self._samples))

    def reset(self) -> None:
        self._samples.clear()
