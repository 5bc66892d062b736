"""The platform's own checks of a health record, beyond the schema: the
resident's separate consent, a resident to file it under, every observation
coded with the LOINC code(s) and the UCUM unit of its kind, every number
finite and physically plausible (a NaN or 1e308 from a broken device or codec
must not reach a resident's health file), and when each was measured.

Kept apart from the kiosk's code on purpose: the platform is another
system and does not trust the terminal's validation, so the codes and
bounds here are its own copy.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

# kind -> (LOINC codes, UCUM unit, plausible physical range in that unit).
KINDS: dict[str, tuple[frozenset[str], str, tuple[float, float]]] = {
    "systolic": (frozenset({"8480-6"}), "mm[Hg]", (0, 400)),
    "diastolic": (frozenset({"8462-4"}), "mm[Hg]", (0, 400)),
    "mean_arterial": (frozenset({"8478-0"}), "mm[Hg]", (0, 400)),
    "pulse": (frozenset({"8867-4"}), "/min", (0, 400)),
    "weight": (frozenset({"29463-7"}), "kg", (0, 700)),
    "height": (frozenset({"8302-2"}), "cm", (0, 300)),
    "bmi": (frozenset({"39156-5"}), "kg/m2", (0, 200)),
    "waist": (frozenset({"8280-0"}), "cm", (30, 250)),
    "temperature": (frozenset({"8310-5"}), "Cel", (-50, 100)),
    "spo2": (frozenset({"2708-6", "59408-5"}), "%", (0, 100)),
    "glucose": (frozenset({"15074-8"}), "mmol/L", (0, 200)),
}
PANEL = "blood_pressure"
PANEL_LOINC = frozenset({"85354-9"})
PANEL_COMPONENTS = ("systolic", "diastolic")
GLUCOSE_CONTEXTS = ("fasting", "after_meal", "random")
# Codes a refusal carries (422), so a technician reads what was wrong.
CONSENT_MISSING, RESIDENT_MISSING = "CONSENT_MISSING", "RESIDENT_MISSING"
WRONG_LOINC, WRONG_UNIT, OUT_OF_RANGE, VALIDATION = "WRONG_LOINC", "WRONG_UNIT", "OUT_OF_RANGE", "VALIDATION"


class BadHealthRecord(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _time(where: str, value: Any) -> None:
    if not isinstance(value, str) or len(value) > 40:
        raise BadHealthRecord(VALIDATION, f"{where}: when it was measured (RFC 3339 with an offset) is required")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadHealthRecord(VALIDATION, f"{where}: an RFC 3339 date-time with an offset")


def _coded(where: str, kind: str, item: dict, loinc: frozenset[str]) -> None:
    codes = item.get("loinc")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or set(codes) != loinc \
            or len(codes) != len(loinc):
        raise BadHealthRecord(WRONG_LOINC, f"{where}.loinc: {kind} is coded {', '.join(sorted(loinc))} (LOINC)")


def _quantity(where: str, kind: str, item: dict) -> None:
    loinc, unit, (lo, hi) = KINDS[kind]
    _coded(where, kind, item, loinc)
    if item.get("unit") != unit:
        raise BadHealthRecord(WRONG_UNIT, f"{where}.unit: {kind} is measured in {unit} (UCUM)")
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadHealthRecord(VALIDATION, f"{where}.value: must be a number")
    if not math.isfinite(value):
        raise BadHealthRecord(VALIDATION, f"{where}.value: must be a finite number (not NaN or infinity)")
    if not lo <= value <= hi:
        raise BadHealthRecord(OUT_OF_RANGE, f"{where}.value: {kind} must lie within {lo:g}..{hi:g} {unit}")


def _observation(where: str, obs: Any) -> None:
    if not isinstance(obs, dict) or not isinstance(obs.get("kind"), str):
        raise BadHealthRecord(VALIDATION, f"{where}: an object with a kind")
    kind = obs["kind"]
    _time(f"{where}.measured_at", obs.get("measured_at"))
    if kind == PANEL:
        _coded(where, kind, obs, PANEL_LOINC)
        parts = obs.get("components")
        if "value" in obs or not isinstance(parts, list) or len(parts) != len(PANEL_COMPONENTS) \
                or sorted(str(p.get("kind")) if isinstance(p, dict) else "" for p in parts) != sorted(PANEL_COMPONENTS):
            raise BadHealthRecord(VALIDATION, f"{where}.components: the panel holds systolic and diastolic, "
                                              "and no value of its own")
        for i, part in enumerate(parts):
            _quantity(f"{where}.components[{i}]", part["kind"], part)
        return
    if kind not in KINDS:
        raise BadHealthRecord(VALIDATION, f"{where}.kind: one of {', '.join([PANEL, *KINDS])}")
    if kind in PANEL_COMPONENTS:
        raise BadHealthRecord(VALIDATION, f"{where}.kind: {kind} goes into a {PANEL} panel with its partner")
    _quantity(where, kind, obs)
    if kind == "glucose" and obs.get("glucose_context") not in GLUCOSE_CONTEXTS:
        raise BadHealthRecord(VALIDATION, f"{where}.glucose_context: one of {', '.join(GLUCOSE_CONTEXTS)} "
                                          "(the cut-offs differ)")


def check_health_record(data: dict) -> None:
    """Raise BadHealthRecord (code, message) when the record must be refused."""
    consent = data.get("consent")
    if not isinstance(consent, dict) or consent.get("given") is not True:
        raise BadHealthRecord(CONSENT_MISSING, "consent.given must be true: health data needs the resident's "
                                               "separate consent (PIPL art. 29)")
    resident = data.get("resident")
    if not isinstance(resident, dict) or not isinstance(resident.get("id_hash"), str):
        raise BadHealthRecord(RESIDENT_MISSING, "resident.id_hash is required: a health record is filed under "
                                                "the resident (an anonymous check is never sent)")
    items = data.get("observations")
    if not isinstance(items, list) or not items:
        raise BadHealthRecord(VALIDATION, "observations: a non-empty list of observations")
    for i, obs in enumerate(items):
        _observation(f"observations[{i}]", obs)
    kinds = [o["kind"] for o in items]
    if len(set(kinds)) != len(kinds):
        raise BadHealthRecord(VALIDATION, "observations: one observation per kind and visit")


def history_entry(number: str, received_at: str, body: dict) -> dict:
    """A stored record as the history query shows it: the values, codes and
    times, not the device's bytes, not the consent, not the resident."""
    keep = ("kind", "loinc", "value", "unit", "measured_at", "components", "glucose_context")
    return {"number": number, "received_at": received_at, "measured_at": body.get("measured_at"),
            "observations": [{k: o[k] for k in keep if k in o} for o in body.get("observations", [])]}
