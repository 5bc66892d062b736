"""One measurement on one device, as a pure state machine the later
health-check screens will render.

The driver's events (progress, measurement, measurement_failed) and the
resident's intents (start, cancel) move it; the transitions are one table a
test enumerates.  :meth:`MeasurementSession.view` is an immutable value with
the words to show; it carries the reading's display text for the screen, but
its ``repr`` never shows it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable

from drivers.health.records import Kind, Measurement
from kiosk.errors import KioskError


class State(enum.StrEnum):
    READY = "ready"
    MEASURING = "measuring"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Event(enum.StrEnum):
    START = "start"          # the resident pressed "start" (the kiosk starts the device)
    PROGRESS = "progress"    # the device reports a step
    RESULT = "result"        # the device delivered its records
    FAILURE = "failure"      # the device reported a fault, a timeout or no data
    CANCEL = "cancel"        # the resident (or the idle timer) cancelled


TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.READY, Event.START): State.MEASURING,
    (State.FAILED, Event.START): State.MEASURING,      # measure again
    (State.CANCELLED, Event.START): State.MEASURING,
    (State.DONE, Event.START): State.MEASURING,        # the resident wants a second reading
    (State.MEASURING, Event.PROGRESS): State.MEASURING,
    (State.MEASURING, Event.RESULT): State.DONE,
    (State.MEASURING, Event.FAILURE): State.FAILED,
    (State.MEASURING, Event.CANCEL): State.CANCELLED,
}

# What each health test needs from its device.
TESTS: dict[str, tuple[frozenset[Kind], str, str]] = {
    "blood_pressure": (frozenset({Kind.SYSTOLIC, Kind.DIASTOLIC}), "血压", "Blood pressure"),
    "height_weight": (frozenset({Kind.WEIGHT}), "身高体重", "Height and weight"),
    "waist": (frozenset({Kind.WAIST}), "腰围", "Waist circumference"),
    "temperature": (frozenset({Kind.TEMPERATURE}), "体温", "Temperature"),
    "spo2": (frozenset({Kind.SPO2}), "血氧饱和度", "Blood oxygen"),
    "glucose": (frozenset({Kind.GLUCOSE}), "血糖", "Blood glucose"),
}


@dataclass(frozen=True, repr=False)
class SessionView:
    test: str
    state: State
    prompt_zh: str
    prompt_en: str
    can_start: bool
    can_cancel: bool
    shown: tuple[tuple[str, str], ...] = ()   # (kind, "128 mmHg") for the screen

    def __repr__(self) -> str:
        return f"SessionView(test={self.test!r}, state={self.state.value!r}, values=<hidden>)"


class MeasurementSession:
    """One test (``blood_pressure``...) on one device, from start to result."""

    def __init__(self, test: str):
        if test not in TESTS:
            raise KioskError(f"unknown health test {test!r}; tests: {', '.join(TESTS)}")
        self.test = test
        self.state = State.READY
        self.prompt = ("请按“开始测量”", "Press Start to measure")
        self.records: tuple[Measurement, ...] = ()
        self.failure_reason: str | None = None

    def __repr__(self) -> str:
        return f"MeasurementSession(test={self.test!r}, state={self.state.value!r})"

    def _move(self, event: Event) -> None:
        try:
            self.state = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise KioskError(f"{self.test}: {event.value} is not possible while {self.state.value}") from None

    def start(self) -> None:
        self._move(Event.START)
        self.records, self.failure_reason = (), None
        self.prompt = ("正在连接设备", "Starting the device")

    def progress(self, text_zh: str, text_en: str) -> None:
        self._move(Event.PROGRESS)
        self.prompt = (text_zh, text_en)

    def result(self, records: Iterable[Measurement]) -> None:
        records = tuple(records)
        needed, _, _ = TESTS[self.test]
        got = {r.kind for r in records if r.value is not None}
        if not needed <= got:
            # The device answered without the values this test needs (NaN,
            # "unsuccessful"): a failure the resident can retry, not a result.
            self.failure("no_valid_value", "测量未成功，请重新测量", "No valid reading, measure again")
            return
        self._move(Event.RESULT)
        self.records = records
        self.prompt = ("测量完成", "Done")

    def failure(self, reason: str, text_zh: str, text_en: str) -> None:
        self._move(Event.FAILURE)
        self.failure_reason = reason
        self.prompt = (text_zh, text_en)

    def cancel(self) -> None:
        self._move(Event.CANCEL)
        self.prompt = ("已取消", "Cancelled")

    def view(self) -> SessionView:
        shown = tuple((r.kind.value, display(r)) for r in self.records if r.value is not None)
        return SessionView(self.test, self.state, self.prompt[0], self.prompt[1],
                           can_start=(self.state, Event.START) in TRANSITIONS,
                           can_cancel=(self.state, Event.CANCEL) in TRANSITIONS, shown=shown)


DECIMALS = {Kind.SYSTOLIC: 0, Kind.DIASTOLIC: 0, Kind.MEAN_ARTERIAL: 0, Kind.PULSE: 0, Kind.WEIGHT: 1,
            Kind.HEIGHT: 1, Kind.BMI: 1, Kind.WAIST: 1, Kind.TEMPERATURE: 1, Kind.SPO2: 0, Kind.GLUCOSE: 1}
UNIT_SHOWN = {"/min": "次/分", "kg/m2": "kg/m²"}


def display(record: Measurement) -> str:
    """The value as a resident reads it: rounded half up like the classification."""
    from kiosk.checkup.classify import shown

    if record.value is None:
        return "—"
    return f"{shown(record.value, DECIMALS[record.kind])} {UNIT_SHOWN.get(record.unit, record.unit)}"
