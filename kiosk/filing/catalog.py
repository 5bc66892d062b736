"""The service catalog: the matters (事项) a resident can file at the hut.

The platform owns the catalog; the kiosk keeps the last copy it received
(see kiosk.central.client) so a hut without network still guides residents.
This module is the typed model both sides agree on, plus the form-field
validation, so the kiosk refuses a bad date before the resident walks away
and the platform refuses the same things with the same rules.

Everything a resident reads comes in Chinese and English (``*_en`` beside
each text, ``conditions_en`` / ``choices_en`` / ``phrases_en`` parallel to
their Chinese lists).  The Chinese is the value: a choice's value is its
Chinese word, which the platform validates, whatever language the resident
reads it in.  A missing English text is shown as Chinese alone (``english_gaps``
lists them, so a test over the reference catalog finds every one).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from drivers.idcard import gb11643

FIELD_TYPES = ("text", "integer", "decimal", "date", "phone", "choice", "boolean", "id_number")
SCAN_SIZES = ("A4", "A5", "ID-1", "B5")
ENHANCE_MODES = ("document", "grayscale", "photo")
_PHONE = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")
# What a phone number looks like, in the problem words (not only "wrong").
PHONE_PROBLEM = ("电话号码应为11位手机号（如13812345678）或带区号的座机号 / "
                 "a phone number: 11 digits for a mobile (13812345678), or a landline with its area code")


class CatalogError(ValueError):
    """The catalog document does not follow the contract."""


def _nth(texts: tuple[str, ...], i: int) -> str:
    return texts[i] if 0 <= i < len(texts) else ""


@dataclass(frozen=True)
class Office:
    """Where a matter's counter steps happen (papers brought later, originals):
    the department's service window, its address, phone and opening hours."""

    name: str
    address: str
    phone: str
    hours: str
    name_en: str = ""
    address_en: str = ""
    hours_en: str = ""

    def english_gaps(self) -> list[str]:
        return [f"office.{key}_en" for key in ("name", "address", "hours")
                if getattr(self, key) and not getattr(self, key + "_en")]


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    name_en: str
    required: bool = True
    handling: str = "scan"          # "scan" at the hut, or "counter": bring the original
    scan_size: str | None = None    # for handling == "scan"
    enhance: str | None = None      # document | grayscale | photo
    pages: int = 1


@dataclass(frozen=True)
class DocumentToSign:
    """A document the resident signs on the touchscreen (``docs/signature.md``):
    its title and text (the Chinese is what is signed and hashed; the English
    is shown beside it), the form fields whose values it declares, and the
    paper it stands for (``material``: that paper's "signed original at the
    counter").  ``kiosk_suffices``: the department accepts the kiosk's signature
    for that paper, so its counter step goes; without it (a matter that needs a
    CA-certified signature, 电子签名法 art. 13) the resident signs here and still
    hands the signed original to the counter."""

    code: str
    title: str
    text: str
    title_en: str = ""
    text_en: str = ""
    declares: tuple[str, ...] = ()
    material: str = ""
    kiosk_suffices: bool = False

    def english_gaps(self) -> list[str]:
        where = f"signatures.{self.code}"
        return [f"{where}.{key}_en" for key in ("title", "text") if getattr(self, key) and not getattr(self, key + "_en")]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    label_en: str
    type: str
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()   # text fields: common phrases the resident can pick instead of typing
    # Required only when another field has one of these values (the address to post
    # to when the resident chose 邮寄到家): {"pickup": ("邮寄到家",)}.
    required_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # English words for the choices and phrases, in their order ("" where missing).
    # The value stays the Chinese choice: it is what the platform validates.
    choices_en: tuple[str, ...] = ()
    phrases_en: tuple[str, ...] = ()

    def choice_en(self, value: Any) -> str:
        """The English words of choice ``value`` ("" when the catalog has none)."""
        return _nth(self.choices_en, self.choices.index(value)) if value in self.choices else ""

    def phrase_en(self, phrase: str) -> str:
        return _nth(self.phrases_en, self.phrases.index(phrase)) if phrase in self.phrases else ""

    def english_gaps(self) -> list[str]:
        where = f"fields.{self.name}"
        gaps = [f"{where}.label_en"] if self.label and not self.label_en else []
        gaps += [f"{where}.choices_en[{i}]" for i in range(len(self.choices)) if not _nth(self.choices_en, i)]
        gaps += [f"{where}.phrases_en[{i}]" for i in range(len(self.phrases)) if not _nth(self.phrases_en, i)]
        return gaps

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable (Chinese first, English second), or None."""
        if value is None or value == "":
            return "必填 / required" if self.required else None
        t = self.type
        if t in ("text", "phone", "id_number", "choice", "date") and not isinstance(value, str):
            return "应为文字 / must be text"
        if t == "text":
            if self.max_length and len(value) > self.max_length:
                return f"不超过{self.max_length}字 / at most {self.max_length} characters"
            if self.pattern and not re.fullmatch(self.pattern, value):
                return "格式不正确 / wrong format"
        elif t == "phone" and not _PHONE.match(value):
            return PHONE_PROBLEM
        elif t == "id_number" and not gb11643.is_valid(value.strip()):
            return "身份证号码不正确 / not a valid ID number"
        elif t == "choice" and value not in self.choices:
            return "请从选项中选择 / choose one of the options"
        elif t == "date":
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                return "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"
        elif t == "boolean" and not isinstance(value, bool):
            return "应为是或否 / must be yes or no"
        elif t in ("integer", "decimal"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    t == "integer" and not float(value).is_integer()):
                return "应为数字 / must be a number"
            if self.min is not None and value < self.min:
                return f"不小于{self.min:g} / at least {self.min:g}"
            if self.max is not None and value > self.max:
                return f"不大于{self.max:g} / at most {self.max:g}"
        return None


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    name_en: str
    department: str
    conditions: tuple[str, ...]
    materials: tuple[Material, ...]
    fields: tuple[FormField, ...]
    social_security_card: bool
    promised_days: int
    summary: str = ""
    # Browsing: the catalog's category (the department when it names none) and
    # the names residents use for the matter (低保申请 for 最低生活保障申请).
    category: str = ""
    aliases: tuple[str, ...] = ()
    # Holds sensitive personal information (PIPL art. 28: health, disability,
    # financial accounts): the resident gives a separate consent before filing.
    sensitive: bool = False
    # The department accepts a required paper the resident does not have with
    # them later at the counter (within the promised days); otherwise a missing
    # required paper means the matter cannot be filed today.
    papers_later: bool = False
    fee: str = ""                   # what filing costs; empty: free of charge (不收费)

    face_check: bool = False        # 人证核验 after the card (kiosk/flows/face_check.py)
    # What the card itself answers of the conditions (age on the day of filing),
    # checked right after the card so nobody fills in a form in vain.
    min_age: int | None = None
    max_age: int | None = None
    # The English of what a resident reads ("" where the catalog has none: shown in Chinese alone).
    department_en: str = ""
    summary_en: str = ""
    category_en: str = ""
    conditions_en: tuple[str, ...] = ()
    fee_en: str = ""
    office: Office | None = None    # the counter steps' office (address, phone, hours)
    signatures: tuple[DocumentToSign, ...] = ()   # documents signed on the touchscreen, in order

    def signed_here(self, material_code: str) -> DocumentToSign | None:
        """The document signed at the kiosk in place of paper ``material_code``'s
        signed original, when the department accepts it (else None: the counter step stays)."""
        return next((d for d in self.signatures if d.material == material_code and d.kiosk_suffices), None)

    @property
    def category_name(self) -> str:
        return self.category or self.department

    @property
    def category_name_en(self) -> str:
        return self.category_en if self.category else self.department_en

    def condition_pairs(self) -> tuple[tuple[str, str], ...]:
        """Each condition as (Chinese, English or "")."""
        return tuple((c, _nth(self.conditions_en, i)) for i, c in enumerate(self.conditions))

    def english_gaps(self) -> list[str]:
        """What a resident reads here in Chinese that has no English, by field."""
        gaps = [f"{key}_en" for key in ("name", "department", "summary", "category", "fee")
                if getattr(self, key) and not getattr(self, key + "_en")]
        gaps += [f"conditions_en[{i}]" for i, (_zh, en) in enumerate(self.condition_pairs()) if not en]
        gaps += [f"materials.{m.code}.name_en" for m in self.materials if m.name and not m.name_en]
        for f in self.fields:
            gaps += f.english_gaps()
        if self.office is not None:
            gaps += self.office.english_gaps()
        for document in self.signatures:
            gaps += document.english_gaps()
        return gaps

    def required(self, f: FormField, form: Mapping[str, Any]) -> bool:
        """Whether ``f`` must be filled given the rest of ``form``."""
        if f.required_when:
            return any(form.get(other) in values for other, values in f.required_when)
        return f.required

    def problem_of(self, f: FormField, form: Mapping[str, Any]) -> str | None:
        """``f``'s problem in ``form`` (its own rule, and whether the rest makes it required)."""
        value = form.get(f.name)
        if (value is None or value == "") and f.required_when:
            return "必填 / required" if self.required(f, form) else None
        return f.problem(value)

    def age_problem(self, age: int | None) -> tuple[str, str] | None:
        """Why a resident of ``age`` cannot file this matter ((Chinese, English)), or None."""
        if age is None or (self.min_age is None and self.max_age is None):
            return None
        if self.min_age is not None and age < self.min_age:
            return (f"本事项仅限年满{self.min_age}周岁的居民办理，根据您的证件，您今年{age}周岁。",
                    f"This matter is for residents aged {self.min_age} and over; your card says you are {age}.")
        if self.max_age is not None and age > self.max_age:
            return (f"本事项仅限{self.max_age}周岁以下的居民办理，根据您的证件，您今年{age}周岁。",
                    f"This matter is for residents up to {self.max_age}; your card says you are {age}.")
        return None

    def validate(self, form: Mapping[str, Any]) -> dict[str, str]:
        """Problems by field name; empty when the form can be filed."""
        problems = {f.name: p for f in self.fields if (p := self.problem_of(f, form)) is not None}
        known = {f.name for f in self.fields}
        for extra in form:
            if extra not in known:
                problems[extra] = "未知字段 / unknown field"
        return problems


@dataclass(frozen=True)
class Catalog:
    version: str
    matters: tuple[Matter, ...] = field(default_factory=tuple)

    def matter(self, code: str) -> Matter | None:
        return next((m for m in self.matters if m.code == code), None)

    def english_gaps(self) -> dict[str, list[str]]:
        """Missing English by matter code ({} when every text a resident reads has it)."""
        return {m.code: gaps for m in self.matters if (gaps := m.english_gaps())}

    def category_en(self, category: str) -> str:
        """The English of a browsing category ("" when the catalog has none)."""
        return next((m.category_name_en for m in self.matters if m.category_name == category and m.category_name_en),
                    "")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Catalog":
        try:
            return cls(version=str(data["version"]),
                       matters=tuple(_matter(m) for m in data["matters"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"catalog does not follow the contract: {exc!r}") from None


def _matter(m: Mapping[str, Any]) -> Matter:
    materials = []
    for x in m.get("materials", []):
        handling = x.get("handling", "scan")
        if handling not in ("scan", "counter"):
            raise ValueError(f"material {x.get('code')}: handling {handling!r}")
        if handling == "scan" and (x.get("scan_size") not in SCAN_SIZES or x.get("enhance") not in ENHANCE_MODES):
            raise ValueError(f"material {x.get('code')}: scan_size/enhance")
        materials.append(Material(code=x["code"], name=x["name"], name_en=x.get("name_en", ""),
                                  required=bool(x.get("required", True)), handling=handling,
                                  scan_size=x.get("scan_size"), enhance=x.get("enhance"),
                                  pages=int(x.get("pages", 1))))
    fields = []
    for f in m.get("fields", []):
        if f["type"] not in FIELD_TYPES:
            raise ValueError(f"field {f.get('name')}: type {f['type']!r}")
        fields.append(FormField(name=f["name"], label=f["label"], label_en=f.get("label_en", ""), type=f["type"],
                                required=bool(f.get("required", True)), min=f.get("min"), max=f.get("max"),
                                max_length=f.get("max_length"), pattern=f.get("pattern"),
                                choices=tuple(f.get("choices", ())), phrases=tuple(f.get("phrases", ())),
                                required_when=tuple((str(k), tuple(str(v) for v in vs))
                                                    for k, vs in dict(f.get("required_when") or {}).items()),
                                choices_en=_texts(f, "choices_en"), phrases_en=_texts(f, "phrases_en")))
    return Matter(code=m["code"], name=m["name"], name_en=m.get("name_en", ""), department=m["department"],
                  conditions=tuple(m.get("conditions", ())), materials=tuple(materials), fields=tuple(fields),
                  social_security_card=bool(m["social_security_card"]), promised_days=int(m["promised_days"]),
                  summary=m.get("summary", ""), category=m.get("category", ""), aliases=tuple(m.get("aliases", ())),
                  sensitive=bool(m.get("sensitive", False)), papers_later=bool(m.get("papers_later", False)),
                  fee=str(m.get("fee", "")), face_check=bool(m.get("face_check", False)),
                  min_age=_age(m, "min_age"), max_age=_age(m, "max_age"),
                  department_en=str(m.get("department_en", "")), summary_en=str(m.get("summary_en", "")),
                  category_en=str(m.get("category_en", "")), conditions_en=_texts(m, "conditions_en"),
                  fee_en=str(m.get("fee_en", "")), office=_office(m.get("office")),
                  signatures=_signatures(m, {f.name for f in fields}, {x.code for x in materials}))


def _signatures(m: Mapping[str, Any], fields: set[str], materials: set[str]) -> tuple[DocumentToSign, ...]:
    """The matter's documents to sign: each names fields and a paper the matter has."""
    documents = []
    for d in m.get("signatures") or ():
        if not isinstance(d, Mapping) or not str(d.get("title", "")).strip() or not str(d.get("text", "")).strip():
            raise ValueError(f"matter {m.get('code')}: a document to sign needs a title and a text")
        declares = tuple(str(name) for name in d.get("declares") or ())
        unknown = [name for name in declares if name not in fields]
        material = str(d.get("material") or "")
        if unknown or (material and material not in materials):
            raise ValueError(f"matter {m.get('code')}: signature {d.get('code')!r} names fields {unknown} "
                             f"or paper {material!r} the matter does not have")
        documents.append(DocumentToSign(code=str(d["code"]), title=str(d["title"]), text=str(d["text"]),
                                        title_en=str(d.get("title_en", "")), text_en=str(d.get("text_en", "")),
                                        declares=declares, material=material,
                                        kiosk_suffices=bool(d.get("kiosk_suffices", False))))
    if len({d.code for d in documents}) != len(documents):
        raise ValueError(f"matter {m.get('code')}: two documents to sign with one code")
    return tuple(documents)


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """An optional list of texts (English beside a Chinese list): a null is "" (missing)."""
    value = data.get(key) or ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{key} must be a list of texts")
    return tuple("" if v is None else str(v) for v in value)


def _office(data: Any) -> Office | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ValueError("office must be an object")
    return Office(name=str(data.get("name", "")), address=str(data.get("address", "")),
                  phone=str(data.get("phone", "")), hours=str(data.get("hours", "")),
                  name_en=str(data.get("name_en", "")), address_en=str(data.get("address_en", "")),
                  hours_en=str(data.get("hours_en", "")))


def _age(m: Mapping[str, Any], key: str) -> int | None:
    value = dict(m.get("eligibility") or {}).get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 150:
        raise ValueError(f"matter {m.get('code')}: eligibility.{key} must be an age in years, not {value!r}")
    return value
