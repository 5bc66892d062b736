"""The platform's own checks of a health record, beyond the schema: the
resident's separate consent, and every number finite and physically
plausible (a NaN or 1e308 from a broken device or codec must not reach a
resident's health file).

Kept apart from the kiosk's code on purpose: the platform is another
system and does not trust the terminal's validation.
"""

from __future__ import annotations

import math
from typing import Any

# Plausible ranges by measurement kind (in the contract's units: mmHg, /min,
# kg, cm, kg/m2, °C, %, mmol/L); an unknown kind gets the generic bound.
BOUNDS: dict[str, tuple[float, float]] = {
    "systolic": (0, 400), "diastolic": (0, 400), "mean_arterial": (0, 400), "pulse": (0, 400),
    "weight": (0, 700), "height": (0, 300), "bmi": (0, 200), "waist": (30, 250), "temperature": (-50, 100), "spo2": (0, 100),
    "glucose": (0, 200),
}
GENERIC = (-1e6, 1e6)
SPECIALS = {"NaN", "NRes", "+INF", "-INF", "reserved", "unsuccessful"}


class BadHealthRecord(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _number(where: str, kind: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadHealthRecord("VALIDATION", f"{where}: must be a number")
    if not math.isfinite(value):
        raise BadHealthRecord("VALIDATION", f"{where}: must be a finite number (not NaN or infinity)")
    lo, hi = BOUNDS.get(kind, GENERIC)
    if not lo <= value <= hi:
        raise BadHealthRecord("VALIDATION", f"{where}: {kind} must lie within {lo:g}..{hi:g}")


def check_health_record(data: dict) -> None:
    """Raise BadHealthRecord (code, message) when the record must be refused."""
    consent = data.get("consent")
    if not isinstance(consent, dict) or consent.get("given") is not True:
        raise BadHealthRecord("CONSENT_MISSING", "consent.given must be true: health data needs the resident's "
                                                 "separate consent (PIPL art. 29)")
    items = data.get("measurements")
    if not isinstance(items, list) or not items:
        raise BadHealthRecord("VALIDATION", "measurements: a non-empty list of objects with a kind")
    for i, m in enumerate(items):
        where = f"measurements[{i}]"
        if not isinstance(m, dict) or not isinstance(m.get("kind"), str) or not m["kind"].strip():
            raise BadHealthRecord("VALIDATION", f"{where}: an object with a kind")
        kind = m["kind"]
        if "value" in m:
            if m["value"] is None:
                if m.get("special") not in SPECIALS:
                    raise BadHealthRecord("VALIDATION", f"{where}.special: a null value needs one of "
                                                        + ", ".join(sorted(SPECIALS)))
            else:
                _number(f"{where}.value", kind, m["value"])
        values = m.get("values", {})
        if not isinstance(values, dict):
            raise BadHealthRecord("VALIDATION", f"{where}.values: an object of name: number")
        for name, value in values.items():
            _number(f"{where}.values.{name}", name, value)
