"""A visit's health record as FHIR R4: the format a district health system imports.

:func:`bundle` turns the contract's ``HealthRecord`` (``Visit.contract_body``,
or a record a technician saved) into a ``Bundle`` of type ``collection`` with
one ``Observation`` per observation: status ``final``, category
``vital-signs`` (``laboratory`` for glucose), the LOINC code(s) under
http://loinc.org, the value as a ``Quantity`` with its UCUM code under
http://unitsofmeasure.org, ``effectiveDateTime``, the device as a display
text (model and serial), blood pressure as the 85354-9 panel with systolic
and diastolic components (the panel itself has no value), and how a value
was made (the mean of readings, the glucose sample's timing) as a note.

The subject is an identifier holding the resident's keyed ID hash, never a
name or an ID number: the record holds neither.  Ids are derived from the
record's serial, so the same record always gives the same bundle.
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping

from kiosk.errors import KioskError

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
SUBJECT_SYSTEM = "urn:hut-kiosk:resident-id-hash"   # HMAC-SHA256 of the ID number with the district's key
NAMESPACE = uuid.UUID("5b1d3f52-8a8e-4d35-9d77-3c4f0c7b2a61")  # this project's uuid5 namespace for bundle ids

# LOINC display names (the LOINC short/long common names).
DISPLAY: dict[str, str] = {
    "85354-9": "Blood pressure panel with all children optional",
    "8480-6": "Systolic blood pressure",
    "8462-4": "Diastolic blood pressure",
    "8478-0": "Mean blood pressure",
    "8867-4": "Heart rate",
    "8302-2": "Body height",
    "29463-7": "Body weight",
    "39156-5": "Body mass index (BMI) [Ratio]",
    "8280-0": "Waist Circumference at umbilicus by Tape measure",
    "8310-5": "Body temperature",
    "2708-6": "Oxygen saturation in Arterial blood",
    "59408-5": "Oxygen saturation in Arterial blood by Pulse oximetry",
    "15074-8": "Glucose [Moles/volume] in Blood",
}
# The UCUM code -> the unit as a person writes it (Quantity.unit).
UNIT_TEXT = {"mm[Hg]": "mmHg", "/min": "/min", "kg": "kg", "cm": "cm", "kg/m2": "kg/m2", "Cel": "°C", "%": "%",
             "mmol/L": "mmol/L"}
TEXT = {"blood_pressure": "Blood pressure 血压", "mean_arterial": "Mean arterial pressure 平均动脉压",
        "pulse": "Pulse 脉搏", "height": "Height 身高", "weight": "Weight 体重", "bmi": "BMI 体重指数",
        "waist": "Waist circumference 腰围", "temperature": "Temperature 体温", "spo2": "SpO2 血氧饱和度",
        "glucose": "Blood glucose 血糖", "systolic": "Systolic 收缩压", "diastolic": "Diastolic 舒张压"}
GLUCOSE_TEXT = {"fasting": "fasting sample (空腹)", "after_meal": "2 hours after a meal (餐后2小时)",
                "random": "random sample, any time of day (随机)"}


def _code(kind: str, codes: Any, where: str) -> dict[str, Any]:
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c for c in codes):
        raise KioskError(f"{where}.loinc: a list of LOINC codes")
    coding = [{"system": LOINC_SYSTEM, "code": c, **({"display": DISPLAY[c]} if c in DISPLAY else {})}
              for c in codes]
    return {"coding": coding, "text": TEXT.get(kind, kind)}


def _quantity(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    value, unit = item.get("value"), item.get("unit")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KioskError(f"{where}.value: a number")
    if not isinstance(unit, str) or not unit:
        raise KioskError(f"{where}.unit: a UCUM unit code")
    return {"value": value, "unit": UNIT_TEXT.get(unit, unit), "system": UCUM_SYSTEM, "code": unit}


def _notes(obs: Mapping[str, Any]) -> list[dict[str, str]]:
    notes = []
    context = obs.get("glucose_context")
    if isinstance(context, str):
        notes.append({"text": "Glucose sample: " + GLUCOSE_TEXT.get(context, context)})
    extra = obs.get("context")
    if isinstance(extra, Mapping) and extra:
        notes.append({"text": "; ".join(f"{k}: {v}" for k, v in extra.items())})
    return notes


def _device(obs: Mapping[str, Any]) -> dict[str, str] | None:
    device = obs.get("device")
    if not isinstance(device, Mapping):
        return None
    parts = [str(device[k]) for k in ("model", "serial") if device.get(k)]
    if not parts and device.get("name"):
        parts = [str(device["name"])]
    return {"display": " ".join(parts)} if parts else None


def observation(obs: Mapping[str, Any], subject: dict[str, Any] | None, where: str = "observation",
                ident: str | None = None) -> dict[str, Any]:
    """One contract observation as a FHIR R4 Observation."""
    if not isinstance(obs, Mapping) or not isinstance(obs.get("kind"), str):
        raise KioskError(f"{where}: an object with a kind")
    kind = obs["kind"]
    when = obs.get("measured_at")
    if not isinstance(when, str) or not when:
        raise KioskError(f"{where}.measured_at: when it was measured")
    category = "laboratory" if kind == "glucose" else "vital-signs"
    out: dict[str, Any] = {"resourceType": "Observation"}
    if ident:
        out["id"] = ident
    out.update({
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category,
                                  "display": "Vital Signs" if category == "vital-signs" else "Laboratory"}]}],
        "code": _code(kind, obs.get("loinc"), where),
    })
    if subject:
        out["subject"] = subject
    out["effectiveDateTime"] = when
    if kind == "blood_pressure":
        parts = obs.get("components")
        if not isinstance(parts, list) or not parts:
            raise KioskError(f"{where}.components: the panel's systolic and diastolic values")
        out["component"] = [{"code": _code(str(p.get("kind")), p.get("loinc"), f"{where}.components[{i}]"),
                             "valueQuantity": _quantity(p, f"{where}.components[{i}]")}
                            for i, p in enumerate(parts) if isinstance(p, Mapping)]
    else:
        out["valueQuantity"] = _quantity(obs, where)
    device = _device(obs)
    if device:
        out["device"] = device
    notes = _notes(obs)
    if notes:
        out["note"] = notes
    return out


def bundle(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as a FHIR R4 ``Bundle`` (type ``collection``) of Observations."""
    if not isinstance(record, Mapping) or not isinstance(record.get("observations"), list) \
            or not record["observations"]:
        raise KioskError("not a health record: expected an object with a non-empty list of observations "
                         "(kiosk health measure --consent prints one, Visit.contract_body makes one)")
    resident = record.get("resident")
    id_hash = resident.get("id_hash") if isinstance(resident, Mapping) else None
    subject = {"identifier": {"system": SUBJECT_SYSTEM, "value": id_hash}} if isinstance(id_hash, str) else None
    seed = str(record.get("serial") or record.get("measured_at") or "")
    entries = []
    for i, obs in enumerate(record["observations"]):
        ident = str(uuid.uuid5(NAMESPACE, f"{seed}/{i}"))
        entries.append({"fullUrl": f"urn:uuid:{ident}",
                        "resource": observation(obs, subject, f"observations[{i}]", ident)})
    out: dict[str, Any] = {"resourceType": "Bundle", "id": str(uuid.uuid5(NAMESPACE, seed)), "type": "collection"}
    if isinstance(record.get("measured_at"), str):
        out["timestamp"] = record["measured_at"]
    out["entry"] = entries
    return out
