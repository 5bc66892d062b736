"""The form of one matter, as the resident fills it at the terminal.

The fields and their rules come from the catalog (``Matter.fields``,
``FormField.problem``, ``Matter.validate``): the kiosk refuses what the
platform would refuse, with the same words, before the resident walks away.
What the card already says is filled in (name, ID number, gender, date of
birth, address where the matter has a field of that name) so an elderly
resident types almost nothing; every pre-filled value can still be changed.

The values are personal data: they live in this object, held by the session
(``Session.data``), and nowhere else.  Views carry display text that is masked
where the value identifies the resident (ID numbers, phone numbers, names);
``repr`` shows field names only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kiosk.filing.catalog import FormField, Matter
from kiosk.identity import Identity
from kiosk.privacy import mask_id, mask_name, redact

# A field of one of these names asks for what the card says (record attribute).
PREFILL: dict[str, str] = {
    "name": "name", "applicant_name": "name", "id_number": "id_number", "gender": "gender",
    "birth_date": "birth_date", "address": "address",
}
# How a screen lets the resident enter each field type (large controls only).
KEYBOARDS: dict[str, str] = {
    "text": "pinyin", "integer": "keypad", "decimal": "keypad", "phone": "keypad", "id_number": "keypad",
    "date": "date", "choice": "choices", "boolean": "yes_no",
}
_NAME_FIELDS = frozenset({"name", "applicant_name", "agent_name"})


@dataclass(frozen=True)
class FieldView:
    """One field as a screen shows it.  ``display`` is masked for ID numbers,
    phone numbers and names; ``problem`` is Chinese / English, or "".
    ``keyboard``: pinyin | keypad | date | choices | yes_no."""

    name: str
    label: str
    label_en: str
    type: str
    keyboard: str
    required: bool
    display: str = ""
    filled: bool = False
    prefilled: bool = False
    problem: str = ""
    choices: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    # The English beside the catalog's Chinese ("" where it has none): the
    # choices' and phrases' words (the value stays the Chinese), and the
    # value's own English when it is a choice (the review in English).
    choices_en: tuple[str, ...] = ()
    phrases_en: tuple[str, ...] = ()
    display_en: str = ""

    def __repr__(self) -> str:
        return f"FieldView({self.name!r}, filled={self.filled}, problem={bool(self.problem)})"


class FilingForm:
    """The values of one matter's fields for one resident."""

    def __init__(self, matter: Matter, identity: Identity | None = None):
        self.matter = matter
        self.values: dict[str, Any] = {}
        self.prefilled: set[str] = set()
        self.touched: set[str] = set()
        self.prefill(identity)

    def __repr__(self) -> str:
        return f"FilingForm({self.matter.code}, filled={sorted(self.values)})"

    def field(self, name: str) -> FormField:
        for f in self.matter.fields:
            if f.name == name:
                return f
        raise KeyError(f"matter {self.matter.code} has no field {name!r}")

    def prefill(self, identity: Identity | None) -> None:
        """Fill what the card says into the fields that ask for it (once: a
        value the resident changed stays theirs)."""
        for f in self.matter.fields:
            attribute = PREFILL.get(f.name)
            if identity is None or attribute is None or f.name in self.touched:
                continue
            value = identity.prefill(attribute)
            if value is None:
                continue
            if f.type == "choice" and value not in f.choices:
                continue
            if f.problem(str(value)) is None:
                self.values[f.name] = str(value)
                self.prefilled.add(f.name)

    def set(self, name: str, value: Any) -> str | None:
        """The resident entered ``value`` (keypad text, a choice, a date, a
        phrase, yes/no); returns the field's problem, or None.  An empty value
        clears the field."""
        f = self.field(name)
        self.touched.add(name)
        self.prefilled.discard(name)
        converted = convert(f, value)
        if converted is None or converted == "":
            self.values.pop(name, None)
        else:
            self.values[name] = converted
        return self.matter.problem_of(f, self.values)

    def problems(self) -> dict[str, str]:
        """Every field's problem, by name (``Matter.validate``: the platform's rule)."""
        return self.matter.validate(self.values)

    def complete(self) -> bool:
        return not self.problems()

    def submission(self) -> dict[str, Any]:
        """The ``form`` object of the contract's Application."""
        return dict(self.values)

    def views(self, show_problems: bool = False) -> tuple[FieldView, ...]:
        """Every field for a screen.  ``show_problems``: also for fields the
        resident has not touched yet (after they pressed Continue), so a new
        form does not open covered in red."""
        out = []
        for f in self.matter.fields:
            value = self.values.get(f.name)
            problem = self.matter.problem_of(f, self.values) if (show_problems or f.name in self.touched) else None
            out.append(FieldView(name=f.name, label=f.label, label_en=f.label_en, type=f.type,
                                 keyboard=KEYBOARDS.get(f.type, "pinyin"), required=self.matter.required(f, self.values),
                                 display=display(f, value), filled=value not in (None, ""),
                                 prefilled=f.name in self.prefilled, problem=problem or "", choices=f.choices,
                                 phrases=f.phrases, max_length=f.max_length, min=f.min, max=f.max,
                                 choices_en=tuple(f.choice_en(c) for c in f.choices),
                                 phrases_en=tuple(f.phrase_en(p) for p in f.phrases),
                                 display_en=f.choice_en(value) if f.type == "choice" else ""))
        return tuple(out)


def convert(f: FormField, value: Any) -> Any:
    """Screen input to the field's value: keypad text to a number, a date to
    ISO text, spaces out of phone and ID numbers.  Input that does not convert
    is kept as it is, so ``problem`` names what is wrong with it."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if f.type == "integer" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if f.type == "decimal" and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    if f.type == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if f.type in ("phone", "id_number") and isinstance(value, str):
        cleaned = re.sub(r"[\s]", "", value)
        return cleaned.upper() if f.type == "id_number" else cleaned
    if f.type == "boolean" and isinstance(value, str) and value in ("是", "否", "yes", "no"):
        return value in ("是", "yes")
    return value


def display(f: FormField, value: Any) -> str:
    """The value as a screen or slip may show it: masked where it identifies."""
    if value is None or value == "":
        return ""
    if f.type == "id_number":
        return mask_id(str(value))
    if f.type == "phone":
        text = str(value)
        return text[:3] + "*" * max(0, len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)
    if f.name in _NAME_FIELDS:
        return mask_name(str(value))
    if f.type == "boolean":
        return "是 / yes" if value else "否 / no"
    if isinstance(value, float):
        return f"{value:g}"
    return redact(str(value))
