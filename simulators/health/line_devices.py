"""The hut's line-protocol health devices: blood-pressure monitor,
height-weight scale (Tanita format), thermometer and glucometer.

Each answers the driver's start command (the scale needs none: it prints
while someone stands on it) with the progress and result lines of its
format, as scripted through ``control``:

    reading      next result (values by name; defaults are a healthy adult)
    fault        next measurement fails with this fault (kind = cuff_leak, movement...)
    no_response  the device stays silent (a dead cable or a hung device)
    clear        back to normal
"""

from __future__ import annotations

import time
from typing import Any, Callable

from simulators.health.base import PtyDevice


def _xor(data: bytes) -> str:
    out = 0
    for byte in data:
        out ^= byte
    return f"{out:02X}"


class LineDevice(PtyDevice):
    driver_options: dict[str, Any] = {}
    defaults: dict[str, float] = {}
    faults: dict[str, str] = {}        # fault name -> the line the device prints
    start_word = b"START"
    cancel_word = b"STOP"

    def __init__(self, workdir: Any, speedup: float = 1.0):
        super().__init__(workdir, speedup)
        self.values = dict(self.defaults)
        self.commands: list[str] = []   # the last commands the driver sent
        self._buffer = b""

    def config_patch(self) -> dict[str, Any]:
        options = {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                   "stopbits": self.stopbits, **self.driver_options}
        return {"devices": {self.name: {"driver": "health.line", "port": self.where(), "options": options}}}

    def actions(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {"reading": self._reading, "fault": self._fault}

    def _status(self) -> dict[str, Any]:
        return {**super()._status(), "commands": list(self.commands), "reading": dict(self.values)}

    def _reading(self, **values: float) -> dict[str, Any]:
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name} reading takes {', '.join(self.defaults)}; not {', '.join(sorted(unknown))}")
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} must be a number")
        self._set_mode("normal")
        self.values = {**self.defaults, **{k: float(v) for k, v in values.items()}}
        return {"reading": dict(self.values)}

    def _fault(self, kind: str) -> dict[str, Any]:
        if kind not in self.faults:
            raise ValueError(f"{self.name} faults: {', '.join(self.faults)}")
        return self._set_mode(kind)

    def _line(self, text: str, script: int | None = None) -> None:
        self._send(text.encode("ascii") + b"\r\n", script)

    def _on_bytes(self, data: bytes) -> None:
        self._buffer = (self._buffer + data)[-256:]
        while b"\r\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\r\n", 1)
            self.commands = [*self.commands, line.decode("ascii", "replace")][-20:]
            if line.strip() == self.start_word:
                self._measure()
            elif line.strip() == self.cancel_word:
                self._end_script()  # drops the scripted lines still to come

    def _script(self, steps: list[tuple[float, str]]) -> None:
        """Lines, each ``delay`` device seconds after the one before; a fault
        replaces the result line.  One measurement at a time, as the device
        has one output line: a new start command ends the one in progress
        (a driver without a cancel command starts again after a timeout)."""
        with self._lock:
            self._end_script()
            script = self._generation
        if self.mode == "no_response":
            return
        result = self.faults.get(self.mode)
        lines = [*steps[:-1], (steps[-1][0], result if result is not None else steps[-1][1])]
        self._say(lines, script, time.monotonic(), 0.0)

    def _say(self, lines: list[tuple[float, str]], script: int, start: float, at: float) -> None:
        """The script's next line at its time, then the rest: one line at a
        time, so a line that takes longer to send than the gap to the next
        (a sped-up script at 9600 baud) delays it instead of interleaving
        with it byte by byte."""
        (delay, text), rest = lines[0], lines[1:]
        at += delay
        wait = max(0.0, start + at / self.speedup - time.monotonic()) * self.speedup   # in device seconds

        def say() -> None:
            self._line(text, script)
            with self._lock:
                if script != self._generation:
                    return   # ended while this line went out
            if rest:
                self._say(rest, script, start, at)

        self._later(wait, say)

    def _measure(self) -> None:
        raise NotImplementedError


class BloodPressureSimulator(LineDevice):
    """An upper-arm blood-pressure monitor with a serial output, in a line
    format configured in kiosk.toml: the cuff's pressure while it inflates
    and deflates (P,INF,085 / P,DEF,142), then R,sys,dia,pulse,XOR checksum."""

    name = "bp"
    description = "电子血压计 (serial line format) on a pty at 9600 8N1 / blood-pressure monitor simulator"
    defaults = {"systolic": 128.0, "diastolic": 82.0, "pulse": 72.0}
    faults = {"cuff_leak": "E,01", "movement": "E,02", "overrange": "E,03", "device_error": "E,09"}
    driver_options = {
        "model": "hut BP monitor (simulated)",
        "start_command": "START", "cancel_command": "STOP", "first_step": "inflating", "measure_timeout": 90.0,
        "format": {
            "terminator": "\r\n",
            "pattern": r"^R,(?P<sys>\d{3}),(?P<dia>\d{3}),(?P<pul>\d{3}),(?P<cs>[0-9A-F]{2})$",
            "fields": {"sys": {"kind": "systolic", "unit": "mmHg"}, "dia": {"kind": "diastolic", "unit": "mmHg"},
                       "pul": {"kind": "pulse", "unit": "/min"}},
            "checksum": "xor8",
            # P,INF,085 / P,DEF,142: the cuff's pressure (mmHg) as it inflates and deflates.
            "progress": {"inflating": r"^P,INF(?:,(?P<cuff>\d{3}))?$", "deflating": r"^P,DEF(?:,(?P<cuff>\d{3}))?$"},
            "live": {"cuff": {"kind": "cuff_pressure", "unit": "mmHg"}},
            "faults": {"cuff_leak": "^E,01$", "movement": "^E,02$", "overrange": "^E,03$", "device_error": "^E,09$"},
        },
    }

    TICK = 0.2   # seconds between the cuff-pressure lines

    def _measure(self) -> None:
        v = self.values
        body = f"R,{int(v['systolic']):03d},{int(v['diastolic']):03d},{int(v['pulse']):03d},"
        self._script([*self.cuff_lines(), (self.TICK, body + _xor(body.encode()))])

    def cuff_lines(self) -> list[tuple[float, str]]:
        """The cuff's pressure every TICK: rising to systolic + 30 in 2 s,
        then falling to below diastolic in 3 s (the result comes one TICK
        later), as a monitor shows it on its display."""
        top = min(299.0, self.values["systolic"] + 30)
        bottom = max(20.0, self.values["diastolic"] - 15)
        rising = [20 + (top - 20) * (i + 1) / 10 for i in range(10)]
        falling = [top - (top - bottom) * (i + 1) / 14 for i in range(14)]
        return ([(0.2, f"P,INF,{int(rising[0]):03d}")] + [(self.TICK, f"P,INF,{int(p):03d}") for p in rising[1:]]
                + [(self.TICK, f"P,DEF,{int(top):03d}")] + [(self.TICK, f"P,DEF,{int(p):03d}") for p in falling])


class ScaleSimulator(LineDevice):
    """A height-weight station printing Tanita's key,value line twice a
    second while someone stands on it (``reading``) until ``step_off``.  The
    weight settles as a person steps on: short of it, over it, then steady
    from the fifth line on (SETTLING)."""

    name = "scale"
    description = "身高体重秤 (Tanita format) on a pty at 9600 8N1 / height-weight scale simulator"
    defaults = {"weight": 65.4, "height": 170.0}
    driver_options = {"model": "Tanita-format height-weight station (simulated)", "preset": "tanita",
                      "first_step": "step_on", "measure_timeout": 60.0, "settle_lines": 3, "settle_spread": 0.1}
    INTERVAL = 0.5
    SETTLING = (0.62, 1.035, 0.985, 1.004)   # the weight's share on the first lines after stepping on

    def __init__(self, workdir: Any, speedup: float = 1.0):
        super().__init__(workdir, speedup)
        self.mode = "empty"   # nobody on the scale
        self._line_no = 0     # lines since stepping on

    def actions(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {**super().actions(), "step_off": self._step_off}

    def _reading(self, **values: float) -> dict[str, Any]:
        out = super()._reading(**values)
        self._line_no = 0
        self._standing()
        return out

    def _step_off(self) -> dict[str, Any]:
        return self._set_mode("empty")

    def _standing(self) -> None:
        if self.mode != "normal":
            return
        h = self.values["height"]
        share = self.SETTLING[self._line_no] if self._line_no < len(self.SETTLING) else 1.0
        w = round(self.values["weight"] * share, 1)
        self._line_no += 1
        bmi = w / (h / 100) ** 2
        self._line(f'{{0,16,~0,1,~1,1,~2,1,MO,"WB-380H",Hm,{h:.1f},Wk,{w:.1f},MI,{bmi:.1f},CS,00')
        self._later(self.INTERVAL, self._standing)

    def _measure(self) -> None:  # the scale takes no commands
        return


class ThermometerSimulator(LineDevice):
    """A forehead infrared thermometer module: READ -> aim prompt -> T,36.6."""

    name = "thermometer"
    description = "红外体温计 (serial line format) on a pty at 9600 8N1 / thermometer simulator"
    defaults = {"temperature": 36.6}
    faults = {"device_error": "E,HW"}
    start_word = b"READ"
    driver_options = {
        "model": "infrared thermometer (simulated)", "start_command": "READ", "first_step": "aim",
        "measure_timeout": 30.0,
        "format": {"pattern": r"^T,(?P<t>-?\d+\.\d)$", "fields": {"t": {"kind": "temperature", "unit": "°C"}},
                   "progress": {"measuring": "^P,MEAS$"}, "faults": {"device_error": "^E,HW$"}},
    }

    def _measure(self) -> None:
        self._script([(0.2, "P,MEAS"), (0.8, f"T,{self.values['temperature']:.1f}")])


class GlucometerSimulator(LineDevice):
    """A glucometer with a serial cable: START -> insert strip -> apply blood -> G,5.6."""

    name = "glucometer"
    description = "血糖仪 (serial line format) on a pty at 9600 8N1 / glucometer simulator"
    defaults = {"glucose": 5.6}
    faults = {"strip_error": "E,STRIP", "device_error": "E,HW"}
    driver_options = {
        "model": "glucometer (simulated)", "start_command": "START", "cancel_command": "STOP",
        "first_step": "insert_strip", "measure_timeout": 120.0,
        "format": {"pattern": r"^G,(?P<g>\d+\.\d)$", "fields": {"g": {"kind": "glucose", "unit": "mmol/L"}},
                   "progress": {"insert_strip": "^S,STRIP$", "apply_blood": "^S,BLOOD$", "measuring": "^S,MEAS$"},
                   "faults": {"strip_error": "^E,STRIP$", "device_error": "^E,HW$"}},
    }

    def _measure(self) -> None:
        self._script([(0.2, "S,STRIP"), (1.0, "S,BLOOD"), (1.0, "S,MEAS"), (2.0, f"G,{self.values['glucose']:.1f}")])
