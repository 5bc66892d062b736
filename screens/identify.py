"""The identify screen: "please place your ID card on the reader".

It renders the reader's events (``card_present``, ``record``,
``card_removed`` and errors) which the app has already moved onto the Kivy
clock; ``card_left`` (the card forgotten after the visit) is the home
screen's reminder.  The record itself goes to the session; this screen
keeps only the masked name and ID it shows, and ``reset()`` blanks even those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.privacy import mask_id, mask_name

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

INSTRUCTIONS = {
    "waiting": "Please place your ID card on the reader",
    "reading": "Reading your card. Please keep it still.",
    "identified": "Please check that this is you, then press Continue.",
    "failed": "The card could not be read. Please place it on the reader again.",
    "unavailable": "The card reader is not available. Please ask the hut staff for help.",
}


def resident_fields(record: Any) -> tuple[str, str]:
    """Name and ID number from an identity record (``IdCardRecord`` or a
    mapping with the same keys).  Foreign cards may carry only an English name."""
    get = record.get if isinstance(record, dict) else (lambda k, d=None: getattr(record, k, d))
    name = get("name") or get("name_en") or ""
    return str(name), str(get("id_number") or "")


class IdentifyScreen(Screen):
    state = OptionProperty("waiting", options=list(INSTRUCTIONS))
    instruction = StringProperty(INSTRUCTIONS["waiting"])
    service_title = StringProperty("")
    masked_name = StringProperty("")
    masked_id = StringProperty("")
    reader_available = BooleanProperty(True)

    def on_state(self, _instance, value: str) -> None:
        self.instruction = INSTRUCTIONS[value]

    def on_reader_available(self, _instance, value: bool) -> None:
        if not value and self.state != "identified":
            self.state = "unavailable"
        elif value and self.state == "unavailable":
            self.state = "waiting"

    def reset(self, service_title: str = "") -> None:
        """Back to "place your card", with no trace of the previous resident."""
        self.masked_name = ""
        self.masked_id = ""
        self.service_title = service_title
        self.state = "waiting" if self.reader_available else "unavailable"

    # -- reader events (already on the Kivy thread) ---------------------------
    def card_present(self) -> None:
        if self.state in ("waiting", "failed"):
            self.state = "reading"

    def card_read(self, record: Any) -> None:
        name, number = resident_fields(record)
        self.masked_name = mask_name(name)
        self.masked_id = mask_id(number)
        self.state = "identified"

    def read_failed(self) -> None:
        if self.state == "reading":
            self.state = "failed"

    def card_removed(self) -> None:
        if self.state == "reading":
            self.state = "failed"
