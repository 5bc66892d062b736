"""Serial health devices that print ASCII lines: height-weight scales,
thermometers, blood-pressure monitors and glucometers with an RS-232 or
USB-serial output (the format is configured, see lineproto)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from drivers.base import Counters
from drivers.health import lineproto
from drivers.health.device import HealthDevice, SerialOptions
from drivers.health.lineproto import LineFault, LineFormat, LineProgress, LineReading, LineRejected
from drivers.health.records import Kind, live_of
from drivers.options import OptionError, Text

Step = Literal["waiting", "step_on", "insert_strip", "aim", "measuring", "inflating"]


class LineOptions(SerialOptions):
    baudrate: Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] = 9600
    bytesize: Literal[7, 8] = 8
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    preset: Literal["tanita", "and-standard"] | None = None
    format: LineFormat | None = None
    start_command: Annotated[Text, Field(max_length=64)] = ""   # sent (with the terminator) to start
    cancel_command: Annotated[Text, Field(max_length=64)] = ""
    first_step: Step = "waiting"   # what the screen says until the device reports progress
    model: Annotated[Text, Field(max_length=64)] = "serial line device"
    # A device repeating its reading (a scale) has settled when this many
    # readings in a row agree within settle_spread (record units); before
    # that, each one is shown as a live value.  1: the first reading counts.
    settle_lines: Annotated[int, Field(ge=1, le=100)] = 1
    settle_spread: Annotated[float, Field(ge=0, le=100)] = 0.0

    @model_validator(mode="after")
    def _one_format(self) -> "LineOptions":
        if (self.preset is None) == (self.format is None):
            raise OptionError("format", 'either preset = "tanita" / "and-standard" or a [format] table, not both')
        return self


class LineHealthDevice(HealthDevice):
    """A device speaking a configured line format (``driver = "health.line"``)."""

    Options: ClassVar[type[LineOptions]] = LineOptions
    options: LineOptions

    def __init__(self, name: str, port: str, counters: Counters | None = None, **options: Any):
        super().__init__(name, port, counters, **options)
        raw = self.options.format if self.options.format is not None else lineproto.PRESETS[str(self.options.preset)]
        self.format = lineproto.line_format(raw)
        self.model = self.options.model
        self.measures = frozenset(Kind(f.kind) for f in self.format.fields.values())
        self.serial_settings = {"baudrate": self.options.baudrate, "bytesize": self.options.bytesize,
                                "parity": self.options.parity, "stopbits": self.options.stopbits}
        self._decoder = lineproto.LineDecoder(self.format)
        self._settled = lineproto.SettledLines(self.options.settle_lines, self.options.settle_spread)

    def _command(self, text: str) -> None:
        if text:
            self._write(text.encode("ascii", errors="replace") + lineproto.TERMINATORS[self.format.terminator])

    def _begin(self) -> None:
        self._decoder.reset()
        self._settled.reset()
        self._command(self.options.start_command)
        self._progress(self.options.first_step)

    def _cancel(self) -> None:
        self._command(self.options.cancel_command)

    def _on_bytes(self, data: bytes) -> None:
        self._decoder.feed(data)
        for event in self._decoder.events():
            if isinstance(event, LineReading):
                settled = self._settled.push(event.records)
                if settled is not None:
                    self._deliver(settled)
                    return
                # Not settled yet (someone stepping on the scale): "stand
                # still", showing the weight as it settles.
                self._progress("hold_still", live_of(event.records))
            elif isinstance(event, LineProgress):
                self._progress(event.step, event.live)
            elif isinstance(event, LineFault):
                self._fail(event.fault)
                return
            elif isinstance(event, LineRejected):
                self.counters.incr("rejected_lines")
