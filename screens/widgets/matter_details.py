"""One matter's guide as the conditions and guide screens show it: who may
apply, the papers (and which go to the counter as originals), the department,
the time limit and the fee.

The words come from the platform's catalog, each text in the resident's
language where the catalog has it and in Chinese where it has not
(``screens.catalog_text.pick``); the headings are msgids.  The view is
``kiosk.filing.matters.MatterDetail``; nothing here decides anything about it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from screens.catalog_text import pick

# The guide printout's state -> what the screen says (msgids).
PRINT_WORDS = {
    "": "",
    "printing": "Printing the guide…",
    "printed": "The guide is printed. Please take it.",
    "failed": "The guide could not be printed. You may photograph this screen.",
    "no_printer": "The printer cannot print now. You may photograph this screen.",
}


class MatterDetails(BoxLayout):
    matter = ObjectProperty(None, allownone=True)   # kiosk.filing.matters.MatterDetail

    @staticmethod
    def paper_lines(matter: Any, lang: str) -> str:
        from screens.i18n import tr

        lines = []
        for paper in matter.papers if matter else ():
            name = paper.name_en if lang == "en" and paper.name_en else paper.name
            notes = []
            if paper.handling == "counter":
                notes.append(tr("original to the counter", lang))
            elif paper.handling == "sign":   # signed on the touchscreen during the filing
                notes.append(tr("signed here on the screen", lang))
            if not paper.required:
                notes.append(tr("if you have it", lang))
            if paper.pages > 1:
                notes.append(tr("{pages} pages", lang).format(pages=paper.pages))
            lines.append(f"• {name}" + (f" ({', '.join(notes)})" if notes else ""))
        return "\n".join(lines)

    @staticmethod
    def summary_text(matter: Any, lang: str) -> str:
        return pick(matter.summary, matter.summary_en, lang) if matter else ""

    @staticmethod
    def condition_lines(matter: Any, lang: str = "zh_CN") -> str:
        if matter is None:
            return ""
        english = matter.conditions_en
        return "\n".join(f"• {pick(c, english[i] if i < len(english) else '', lang)}"
                         for i, c in enumerate(matter.conditions))

    @staticmethod
    def facts(matter: Any, lang: str) -> str:
        from screens.i18n import tr

        if matter is None:
            return ""
        fee = pick(matter.fee, matter.fee_en, lang) if matter.fee else tr("Free of charge", lang)
        return "\n".join((
            tr("Department: {department}", lang).format(department=pick(matter.department, matter.department_en,
                                                                         lang)),
            tr("Time limit: {days} working days", lang).format(days=matter.promised_days),
            tr("Fee: {fee}", lang).format(fee=fee)))

    @staticmethod
    def office_lines(matter: Any, lang: str) -> str:
        """Where the counter steps happen (originals, papers brought later)."""
        return office_text(matter.office if matter is not None else None, lang)


def office_text(office: Any, lang: str) -> str:
    """An office (``kiosk.filing.catalog.Office``): its name, address, phone and
    hours, each in ``lang`` where the catalog has it ("" for no office)."""
    from screens.i18n import tr

    if office is None:
        return ""
    lines = [pick(office.name, office.name_en, lang),
             tr("Address: {address}", lang).format(address=pick(office.address, office.address_en, lang))]
    if office.phone:
        lines.append(tr("Phone: {phone}", lang).format(phone=office.phone))
    if office.hours:
        lines.append(tr("Hours: {hours}", lang).format(hours=pick(office.hours, office.hours_en, lang)))
    return "\n".join(lines)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
