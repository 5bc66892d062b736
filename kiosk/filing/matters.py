"""Finding a matter in the catalog: categories, and search by pinyin.

Elderly residents rarely know a matter's official name (最低生活保障申请);
they know what people call it (低保) and can type a few letters on a big
keyboard.  So the search matches a query against each matter's name and
aliases (``Matter.aliases``) as Chinese text, as full pinyin (``dibao``) and
as pinyin initials (``dbsq``), plus the English name for English readers;
ranked: an exact match of a name's initials first, then a prefix, then a
substring, then initials found in order with gaps (``zdbz`` in
``zdshbzsq``).  Readings come from pypinyin (its phrase dictionary picks 长
as zhang or chang by context), computed once per catalog version: the index
is pure data and the query is a scan of 62 matters, well under a millisecond.

Categories are the catalog's ``category`` (the department when a matter
names none), in catalog order.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from kiosk.filing.catalog import Catalog, Material, Matter, Office

_LATIN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class MatterSummary:
    """One line of a matter list: enough to choose it (no conditions yet)."""

    code: str
    name: str
    name_en: str
    category: str
    department: str
    promised_days: int


@dataclass(frozen=True)
class _Entry:
    matter: Matter
    texts: tuple[str, ...]        # name and aliases, Chinese
    full: tuple[str, ...]         # the same as full pinyin, no tones, no spaces
    initials: tuple[str, ...]     # the same as initials
    english: str


def summary(m: Matter) -> MatterSummary:
    return MatterSummary(m.code, m.name, m.name_en, m.category_name, m.department, m.promised_days)


def _pinyin(text: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin  # its phrase dictionary loads in ~0.4 s: on the first search index

    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


def _normal(query: str) -> str:
    query = unicodedata.normalize("NFKC", query or "").strip().lower()
    return re.sub(r"[\s'’]+", "", query)


def _in_order(needle: str, hay: str) -> bool:
    """Every letter of ``needle`` in ``hay``, in order (gaps allowed)."""
    it = iter(hay)
    return all(ch in it for ch in needle)


class MatterIndex:
    """Categories and search over one catalog version.  Build it with
    ``MatterIndex.of(catalog)``: one index per version, shared."""

    _cache: dict[str, "MatterIndex"] = {}
    _lock = threading.Lock()

    def __init__(self, catalog: Catalog):
        self.version = catalog.version
        self.catalog = catalog
        entries = []
        for m in catalog.matters:
            texts = (m.name, *m.aliases)
            readings = [_pinyin(t) for t in texts]
            entries.append(_Entry(m, texts, tuple(r[0] for r in readings), tuple(r[1] for r in readings),
                                  m.name_en.lower()))
        self._entries = tuple(entries)
        categories: dict[str, list[Matter]] = {}
        for m in catalog.matters:
            categories.setdefault(m.category_name, []).append(m)
        self._categories = {k: tuple(v) for k, v in categories.items()}
        self._categories_en = {k: catalog.category_en(k) for k in categories}

    @classmethod
    def of(cls, catalog: Catalog) -> "MatterIndex":
        """The index of ``catalog``, built on first use of its version."""
        with cls._lock:
            index = cls._cache.get(catalog.version)
            if index is None:
                index = cls(catalog)
                cls._cache = {catalog.version: index}  # only the current version is kept
            return index

    def categories(self) -> tuple[str, ...]:
        return tuple(self._categories)

    def categories_en(self) -> tuple[str, ...]:
        """The categories' English ("" where the catalog has none), in the order of ``categories``."""
        return tuple(self._categories_en[k] for k in self._categories)

    def in_category(self, category: str) -> tuple[MatterSummary, ...]:
        return tuple(summary(m) for m in self._categories.get(category, ()))

    def search(self, query: str, limit: int = 20) -> tuple[MatterSummary, ...]:
        """Matters for ``query`` (Chinese, pinyin, initials or English), best first."""
        q = _normal(query)
        if not q:
            return ()
        latin = bool(_LATIN.fullmatch(q))
        ranked: list[tuple[int, int, MatterSummary]] = []
        for order, e in enumerate(self._entries):
            score = self._score(e, q, latin)
            if score is not None:
                ranked.append((score, order, summary(e.matter)))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return tuple(r[2] for r in ranked[:limit])

    @staticmethod
    def _score(e: _Entry, q: str, latin: bool) -> int | None:
        """Lower is better; None: no match."""
        if q == e.matter.code.lower():
            return 0
        if not latin:
            for i, text in enumerate(e.texts):
                if q == text:
                    return 1
                if q in text:
                    return 3 + (i > 0)
            return None
        best: int | None = None
        for initials, full in zip(e.initials, e.full):
            if q == initials or q == full:
                score = 1
            elif initials.startswith(q) or full.startswith(q):
                score = 2
            elif q in initials or q in full:
                score = 4
            elif len(q) >= 2 and _in_order(q, initials):
                score = 6
            else:
                continue
            best = score if best is None else min(best, score)
        if best is None and len(q) >= 3 and q in e.english:
            best = 5
        return best


@dataclass(frozen=True)
class PaperLine:
    code: str
    name: str
    name_en: str
    required: bool
    handling: str                 # scan | counter | sign (its signed original is signed on the touchscreen instead)
    pages: int


@dataclass(frozen=True)
class MatterDetail:
    """What the conditions and guide screens show about one matter: who may
    apply, the papers, the department, the time limit, the fee and the office
    of the counter steps; each text with its English ("" where the catalog has none)."""

    code: str
    name: str
    name_en: str
    category: str
    department: str
    summary: str
    conditions: tuple[str, ...]
    papers: tuple[PaperLine, ...]
    promised_days: int
    fee: str                      # "" is free of charge (不收费 / free)
    social_security_card: bool    # the social security card identifies too
    sensitive: bool               # a separate consent will be asked
    papers_later: bool            # a missing paper may be brought to the counter later
    category_en: str = ""
    department_en: str = ""
    summary_en: str = ""
    conditions_en: tuple[str, ...] = ()   # parallel to ``conditions``
    fee_en: str = ""
    office: Office | None = None

    @property
    def counter_steps(self) -> bool:
        """Whether the resident may have to go to the office's counter (an original, a paper brought later)."""
        return self.papers_later or any(p.handling == "counter" for p in self.papers)


def detail(m: Matter) -> MatterDetail:
    return MatterDetail(m.code, m.name, m.name_en, m.category_name, m.department, m.summary, m.conditions,
                        tuple(PaperLine(x.code, x.name, x.name_en, x.required,
                                        "sign" if m.signed_here(x.code) else x.handling, x.pages)
                              for x in m.materials),
                        m.promised_days, m.fee, m.social_security_card, m.sensitive, m.papers_later,
                        category_en=m.category_name_en, department_en=m.department_en, summary_en=m.summary_en,
                        conditions_en=tuple(en for _zh, en in m.condition_pairs()), fee_en=m.fee_en,
                        office=m.office)


def office_data(office: Office | None) -> dict:
    """An office as slip data (``kiosk.slips``: office_rows)."""
    if office is None:
        return {}
    return {"name": office.name, "name_en": office.name_en, "address": office.address,
            "address_en": office.address_en, "phone": office.phone, "hours": office.hours, "hours_en": office.hours_en}


def guide_slip_data(matter: Matter, hut: str = "") -> dict:
    """The data of ``kiosk.slips.service_guide`` for one matter (each text with its English)."""
    def where(m: Material, zh: bool) -> str:
        if matter.signed_here(m.code):
            return "（在自助终端屏幕上签名）" if zh else " (signed on the kiosk's screen)"
        if m.handling == "counter":
            return "（原件交服务台）" if zh else " (original to the counter)"
        return ""

    papers = [f"{m.name}{where(m, True)}{'' if m.required else '（如有）'}" for m in matter.materials]
    papers_en = [f"{m.name_en}{where(m, False)}{'' if m.required else ' (if you have it)'}" if m.name_en else ""
                 for m in matter.materials]
    return {"matter": matter.name, "matter_en": matter.name_en, "conditions": list(matter.conditions),
            "conditions_en": [en for _zh, en in matter.condition_pairs()],
            "materials": papers, "materials_en": papers_en,
            "department": matter.department, "department_en": matter.department_en,
            "fee": matter.fee or "不收费", "fee_en": matter.fee_en if matter.fee else "free of charge",
            "promised": f"{matter.promised_days}个工作日", "promised_en": f"{matter.promised_days} working days",
            "where": hut, "office": office_data(matter.office),
            "steps": ["刷身份证或社保卡", "填写信息", "扫描材料", "确认提交"],
            "steps_en": ["Place your card", "Fill in the form", "Scan the papers", "Review and submit"]}
