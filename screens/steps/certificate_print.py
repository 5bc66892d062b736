"""证明打印: printing on the A4 printer, then "take your papers".  When the
printer stops mid-job the resident is told which pages are in the tray and
that the rest prints once staff fixed it; when nothing more can print now,
why, with 重试 (the certificate is kept for the visit).  Renders ``CertView``
in its states printing, stopped, print_failed and done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# The headline for a state and the printer's problem: msgids of the service's spoken lines.
HEADLINES = {
    "printing": "Printing. Please wait",
    "done": "Please take your papers from the printer",
    "stopped": "The printer has stopped. The staff have been told",
    "stopped_media_empty": "The printer is out of paper. Take the pages already printed; the rest prints when "
                           "paper is loaded",
    "stopped_media_jam": "Paper is jammed in the printer. Take the pages already printed; the rest prints when the "
                         "jam is cleared",
    "stopped_door_open": "The printer door is open. The rest prints when it is closed",
    "print_failed": "The certificate could not be printed now. Nothing is lost: try again, or ask at the counter",
    "print_failed_paused": "The printer is paused. Please ask the staff",
    "print_failed_no_cups": "The printer service is not running. Please ask the staff",
    "print_failed_stuck": "The printer does not go on. Please ask the staff",
}


def pages_words(pages: tuple[int, ...]) -> str:
    return ", ".join(str(p) for p in pages)


class CertificatePrintScreen(StepScreen):
    steps = (Step.CERTIFICATE_PRINT,)
    state = StringProperty("printing")
    headline = StringProperty("")
    out = StringProperty("")
    waiting = StringProperty("")

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state = view.state.value
        specific = f"{self.state}_{view.problem}"
        self.headline = HEADLINES.get(specific, HEADLINES.get(self.state, ""))
        self.out = pages_words(view.out) if self.state in ("stopped", "print_failed") else ""
        self.waiting = pages_words(view.waiting) if self.state in ("stopped", "print_failed") else ""

    def forget(self) -> None:
        super().forget()
        self.state, self.headline, self.out, self.waiting = "printing", "", "", ""
