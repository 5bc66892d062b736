"""The health record of one visit: what was measured, whose it is, and the
resident's separate consent to send it.

Health data is sensitive personal information (PIPL art. 28); processing it
needs the resident's *separate* consent (art. 29), not the general consent
of identification.  So a :class:`Visit` refuses to measure before
:meth:`Visit.give_consent` and refuses to submit without it, and the consent
(given, when, which text) travels with the record.  The resident is named by
the keyed hash of the ID number only.

The record lives in memory for the session; on disk only inside the
encrypted outbox (``submit``), on paper only through the slip, never in a log:
``repr`` shows neither values nor identity.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Protocol, Sequence

from drivers.health.records import Kind, Measurement
from kiosk.checkup import classify, record
from kiosk.checkup.classify import GlucoseContext
from kiosk.checkup.session import TESTS, MeasurementSession, display
from kiosk.errors import KioskError

CONSENT_VERSION = "health-consent-2026-1"
SEXES = ("male", "female")
_HASH = re.compile(r"^[0-9a-f]{64}$")

ITEM_NAMES: dict[Kind, tuple[str, str]] = {
    Kind.SYSTOLIC: ("收缩压", "Systolic"), Kind.DIASTOLIC: ("舒张压", "Diastolic"),
    Kind.MEAN_ARTERIAL: ("平均动脉压", "Mean arterial"), Kind.PULSE: ("脉搏", "Pulse"),
    Kind.WEIGHT: ("体重", "Weight"), Kind.HEIGHT: ("身高", "Height"), Kind.BMI: ("体重指数", "BMI"),
    Kind.WAIST: ("腰围", "Waist"),
    Kind.TEMPERATURE: ("体温", "Temperature"), Kind.SPO2: ("血氧饱和度", "SpO2"), Kind.GLUCOSE: ("血糖", "Glucose"),
}


class Enqueues(Protocol):
    def enqueue(self, kind: str, body: dict, attachments: Iterable[Any] = ()) -> Any: ...


@dataclass(frozen=True)
class Consent:
    given: bool
    at: dt.datetime
    version: str = CONSENT_VERSION

    def as_contract(self) -> dict[str, Any]:
        return {"given": self.given, "at": self.at.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
                "version": self.version, "basis": "PIPL art. 29 separate consent"}


@dataclass(frozen=True, repr=False)
class Result:
    """One line of the report: the words for the resident and the value as shown."""

    test: str
    classification: classify.Classification
    shown: tuple[tuple[str, str], ...]   # (item, display text)

    def __repr__(self) -> str:  # the result is health data: no values, no words
        return f"Result(test={self.test!r}, values=<hidden>)"


class Visit:
    """The measurements of one resident's health check."""

    def __init__(self, resident_ref: str | None = None, glucose_context: GlucoseContext | None = None,
                 sex: str | None = None):
        if resident_ref is not None and not _HASH.match(resident_ref):
            raise KioskError("the resident reference must be the keyed hash of the ID number (64 hex digits)")
        self.resident_ref = resident_ref
        # When the glucose sample was taken (asked before the strip); None counts as random.
        self.glucose_context = glucose_context
        # "male" / "female" (from the ID card): the waist cut-offs differ; None: waist is not classed.
        self.sex = sex
        self.consent: Consent | None = None
        self.measurements: list[Measurement] = []

    def __repr__(self) -> str:
        return (f"Visit(measurements={len(self.measurements)}, consent={self.consent_given}, "
                f"resident={'<hidden>' if self.resident_ref else None})")

    # -- consent ------------------------------------------------------------------
    @property
    def consent_given(self) -> bool:
        return self.consent is not None and self.consent.given

    def give_consent(self, at: dt.datetime | None = None) -> None:
        self.consent = Consent(True, at or dt.datetime.now(dt.timezone.utc))

    def refuse_consent(self, at: dt.datetime | None = None) -> None:
        """The resident said no: nothing is measured, anything measured is dropped."""
        self.consent = Consent(False, at or dt.datetime.now(dt.timezone.utc))
        self.measurements.clear()

    # -- measuring -----------------------------------------------------------------
    def session(self, test: str) -> MeasurementSession:
        if not self.consent_given:
            raise KioskError("health measurements need the resident's separate consent first (PIPL art. 29)")
        return MeasurementSession(test)

    def keep(self, session: MeasurementSession) -> None:
        """File a finished session's records into the visit (a repeated test
        replaces the earlier reading of the same kinds)."""
        if not self.consent_given:
            raise KioskError("no consent: the reading is not kept")
        if not session.records:
            raise KioskError(f"{session.test}: no reading to keep")
        self._file(session.records)

    def keep_records(self, test: str, records: Sequence[Measurement]) -> None:
        """File records that no device session produced: the waist typed on
        the keypad, the mean of two or three blood-pressure readings.  The
        same rule as :meth:`keep`: a kind filed again replaces the earlier one."""
        if not self.consent_given:
            raise KioskError("no consent: the reading is not kept")
        if test not in TESTS:
            raise KioskError(f"unknown health test {test!r}; tests: {', '.join(TESTS)}")
        records = tuple(records)
        needed = TESTS[test][0]
        got = {r.kind for r in records if r.value is not None}
        if not needed <= got:
            raise KioskError(f"{test}: the records lack {', '.join(sorted(k.value for k in needed - got))}")
        self._file(records)

    def _file(self, records: Sequence[Measurement]) -> None:
        # A record without the device's time stamp is stamped when filed: each value travels with its time.
        now = dt.datetime.now().astimezone()
        stamped = [r if r.time is not None else replace(r, time=now) for r in records]
        # A kind measured again replaces the earlier reading, but a reading the device could not make (NaN,
        # "unsuccessful") never replaces a value: the oximeter's failed pulse leaves the cuff's pulse.
        valued = {r.kind for r in stamped if r.value is not None}
        filed = {r.kind for r in stamped}
        older = [m for m in self.measurements
                 if m.kind not in valued and not (m.kind in filed and m.value is None)]
        have = {m.kind for m in older if m.value is not None}
        self.measurements = older + [r for r in stamped if r.value is not None or r.kind not in have]

    # -- meaning -------------------------------------------------------------------
    def results(self, table: classify.ReferenceTable) -> list[Result]:
        return results_of(self.measurements, table, self.glucose_context, self.sex)

    # -- leaving the kiosk -------------------------------------------------------------
    def contract_body(self, table: classify.ReferenceTable,
                      devices: Mapping[str, Mapping[str, str]] = {}) -> dict[str, Any]:
        """The contract's HealthRecord (without serial: the outbox adds it).
        ``devices`` maps a configured device name (``Measurement.device``) to
        its ``{"model": ..., "serial": ...}``."""
        if not self.consent_given or self.consent is None:
            raise KioskError("the health record cannot be sent without the resident's separate consent")
        observations = record.observations(self.measurements, devices, self.glucose_context)
        if not observations:
            raise KioskError("the health record has no measurements")
        body: dict[str, Any] = {
            "resident": {"id_hash": self.resident_ref} if self.resident_ref else {},
            "consent": self.consent.as_contract(),
            "measured_at": max(o["measured_at"] for o in observations),
            "observations": observations,
            "classification": [{"test": r.test, **r.classification.as_json()} for r in self.results(table)],
        }
        if self.glucose_context is not None:
            body["glucose_context"] = self.glucose_context.value
        return body

    def submit(self, outbox: Enqueues, table: classify.ReferenceTable,
               devices: Mapping[str, Mapping[str, str]] = {}) -> Any:
        """Into the encrypted outbox; the worker carries it to /v1/health-records.
        An anonymous visit is never sent: nothing would join it to a resident."""
        if self.resident_ref is None:
            raise KioskError("an anonymous health check is not sent: the record needs the resident's ID hash")
        return outbox.enqueue("health_record", self.contract_body(table, devices))

    def slip_data(self, table: classify.ReferenceTable, name: str | None = None, id_number: str | None = None,
                  hut: str = "", queued: bool = False) -> dict[str, Any]:
        """Data for ``kiosk.slips.health_report``: masked there; the QR holds
        the values only (no name, no number, no hash)."""
        qr = record.qr_text(self.measurements, self.glucose_context) if self.measurements else ""
        return slip_data_of(self.results(table), name, id_number, hut=hut, queued=queued, qr=qr)


def _value(measurements: Sequence[Measurement], kind: Kind) -> float | None:
    for m in measurements:
        if m.kind is kind and m.value is not None:
            return m.value
    return None


def results_of(measurements: Sequence[Measurement], table: classify.ReferenceTable,
               glucose_context: GlucoseContext | None = None, sex: str | None = None) -> list[Result]:
    """The report's lines for these measurements (glucose counts as random
    unless its context is known; waist is classed only when the sex is)."""
    out: list[Result] = []

    def v(kind: Kind) -> float | None:
        return _value(measurements, kind)

    def shown(*kinds: Kind) -> tuple[tuple[str, str], ...]:
        return tuple((k.value, display(m)) for k in kinds for m in measurements if m.kind is k and m.value is not None)

    sys_, dia = v(Kind.SYSTOLIC), v(Kind.DIASTOLIC)
    if sys_ is not None and dia is not None:
        out.append(Result("blood_pressure", classify.blood_pressure(sys_, dia, table),
                          shown(Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE)))
    bmi = v(Kind.BMI)
    weight, height = v(Kind.WEIGHT), v(Kind.HEIGHT)
    items = shown(Kind.WEIGHT, Kind.HEIGHT, Kind.BMI)
    if bmi is None and weight is not None and height:
        bmi = classify.bmi_of(weight, height)
        items += (("bmi", f"{classify.shown(bmi, 1)} kg/m²"),)
    if bmi is not None:
        out.append(Result("height_weight", classify.bmi(bmi, table), items))
    waist = v(Kind.WAIST)
    if waist is not None and sex is not None and sex in SEXES:
        out.append(Result("waist", classify.waist(waist, sex, table), shown(Kind.WAIST)))
    temperature = v(Kind.TEMPERATURE)
    if temperature is not None:
        out.append(Result("temperature", classify.temperature(temperature, table), shown(Kind.TEMPERATURE)))
    spo2 = v(Kind.SPO2)
    if spo2 is not None:
        out.append(Result("spo2", classify.spo2(spo2, table), shown(Kind.SPO2, Kind.PULSE)))
    glucose = v(Kind.GLUCOSE)
    if glucose is not None:
        context = glucose_context or GlucoseContext.RANDOM
        out.append(Result("glucose", classify.glucose(glucose, context, table), shown(Kind.GLUCOSE)))
    return out


def slip_data_of(results: list[Result], name: str | None = None, id_number: str | None = None, *,
                 hut: str = "", queued: bool = False, qr: str = "") -> dict[str, Any]:
    """Data for ``kiosk.slips.health_report``: the values as shown and the
    classification words (the slip adds the not-a-diagnosis note and, for an
    urgent result, the line to see a doctor today)."""
    rows: list[dict[str, Any]] = []
    for result in results:
        c = result.classification
        for item, text in result.shown:
            zh, en = ITEM_NAMES[Kind(item)]
            rows.append({"item": zh, "item_en": en, "value": text, "unit": "", "flag": None})
        rows.append({"item": TESTS[result.test][1], "item_en": TESTS[result.test][2], "value": c.label_zh,
                     "value_en": c.label_en, "unit": "", "flag": None, "urgent": c.urgent})
    data: dict[str, Any] = {"results": rows, "time": dt.datetime.now()}
    if name:
        data["name"] = name
    if id_number:
        data["id_number"] = id_number
    if hut:
        data["hut"] = hut
    data["queued"] = queued
    if qr:
        data["qr"] = qr
    return data
