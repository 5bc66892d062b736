"""One matter's guide as the conditions and guide screens show it: who may
apply, the papers (and which go to the counter as originals), the department,
the time limit and the fee.

The words come from the platform's catalog (Chinese, with the English name
where the catalog has one); the headings are msgids.  The view is
``kiosk.filing.matters.MatterDetail``; nothing here decides anything about it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

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
            if not paper.required:
                notes.append(tr("if you have it", lang))
            if paper.pages > 1:
                notes.append(tr("{pages} pages", lang).format(pages=paper.pages))
            lines.append(f"• {name}" + (f" ({', '.join(notes)})" if notes else ""))
        return "\n".join(lines)

    @staticmethod
    def condition_lines(matter: Any) -> str:
        return "\n".join(f"• {c}" for c in matter.conditions) if matter else ""

    @staticmethod
    def facts(matter: Any, lang: str) -> str:
        from screens.i18n import tr

        if matter is None:
            return ""
        fee = matter.fee or tr("Free of charge", lang)
        return "\n".join((
            tr("Department: {department}", lang).format(department=matter.department),
            tr("Time limit: {days} working days", lang).format(days=matter.promised_days),
            tr("Fee: {fee}", lang).format(fee=fee)))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
