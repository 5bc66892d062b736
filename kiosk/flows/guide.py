"""办事指南: browse or search the catalog without identifying, read one
matter's guide (conditions, papers, department, time limit, fee), print it.

Steps (``kiosk.flows.services``): choose_matter, guide.  Like the approval
flow it follows ``VisitFlow`` (opens when the visit enters the guide service,
closes when it leaves) and moves the visit itself when a matter is chosen.
No resident data is ever involved.

States::

    closed ─open─▶ choosing ─choose─▶ guide ─back─▶ choosing;  any ─close─▶ closed

Intents: ``pick_category(name)``, ``search(text)``, ``choose(code)``,
``print() -> Job | None`` (None: no printer now; ``can_print`` says so before),
``back()``; outcomes through ``job_done(job, outcome)``.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable

from kiosk import slips
from kiosk.devices.availability import Availability, SlipMode
from kiosk.filing.catalog import Matter
from kiosk.filing.matters import MatterDetail, detail, guide_slip_data
from kiosk.filing.submission import SlipPrinter, print_slip
from kiosk.flows.jobs import Job
from kiosk.flows.machine import FlowMachine
from kiosk.flows.picking import CatalogSource, Picker, PickView
from kiosk.flows.services import Step
from kiosk.flows.visit import VisitFlow, VisitState, VisitView

log = logging.getLogger(__name__)
SERVICE = "guide"


class GuideState(str, enum.Enum):
    CLOSED = "closed"
    CHOOSING = "choosing"
    GUIDE = "guide"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class GuideView:
    """``printing``: "" | printing | printed | failed; ``can_print``: a
    printer can print now (otherwise the screen offers no print button and
    the resident may photograph the guide)."""

    state: GuideState = GuideState.CLOSED
    pick: PickView = PickView()
    matter: MatterDetail | None = None
    can_print: bool = False
    printing: str = ""


class GuideFlow(FlowMachine[GuideState, GuideView]):
    TRANSITIONS = {
        **{(s, "open"): GuideState.CHOOSING for s in GuideState},
        **{(s, "close"): GuideState.CLOSED for s in GuideState},
        (GuideState.CHOOSING, "choose"): GuideState.GUIDE,
        (GuideState.GUIDE, "back"): GuideState.CHOOSING,
    }

    def __init__(self, visit: VisitFlow, catalog: CatalogSource, availability: Callable[[], Availability],
                 printer: Callable[[], SlipPrinter | None] = lambda: None, *, hut: str = "",
                 language: str = "both"):
        super().__init__(GuideView())
        self.visit, self.picker = visit, Picker(catalog)
        self.availability, self.printer, self.hut, self.language = availability, printer, hut, language
        self._matter: Matter | None = None
        self._waiting: Job | None = None
        visit.subscribe(self._follow)

    def _follow(self, v: VisitView) -> None:
        if v.service != SERVICE or v.state is not VisitState.STEP:
            if self.state is not GuideState.CLOSED:
                self._matter, self._waiting = None, None
                self._fire("close", pick=PickView(), matter=None, printing="", can_print=False)
            return
        if v.step == Step.CHOOSE_MATTER and self.state is not GuideState.CHOOSING:
            self._matter, self._waiting = None, None
            if not self._fire("back", matter=None, printing=""):
                self._fire("open", pick=self.picker.open(), matter=None, printing="")

    def _can_print(self) -> bool:
        return self.availability().slip_mode is SlipMode.PRINT and self.printer() is not None

    def pick_category(self, category: str) -> None:
        if self.state is GuideState.CHOOSING:
            self._set(pick=self.picker.pick_category(self.view.pick, category))

    def search(self, query: str) -> None:
        if self.state is GuideState.CHOOSING:
            self._set(pick=self.picker.search(self.view.pick, query))

    def choose(self, code: str) -> bool:
        matter = self.picker.matter(code) if self.state is GuideState.CHOOSING else None
        if matter is None:
            return False
        self._matter = matter
        self._fire("choose", matter=detail(matter), can_print=self._can_print(), printing="")
        self.visit.next()
        return True

    def print(self) -> Job | None:
        printer = self.printer() if self.availability().slip_mode is SlipMode.PRINT else None
        if self.state is not GuideState.GUIDE or self._matter is None or printer is None \
                or self.view.printing == "printing":
            return None
        slip = slips.service_guide(guide_slip_data(self._matter, self.hut), self.language)
        job = Job("print_guide", lambda: print_slip(printer, slip))
        self._waiting = job
        self._set(printing="printing")
        return job

    def job_done(self, job: Job, outcome: Any) -> None:
        if job is not self._waiting:
            return
        self._waiting = None
        self._set(printing="printed" if outcome else "failed", can_print=self._can_print())

    def back(self) -> bool:
        if self.state is not GuideState.GUIDE:
            return False
        self.visit.back()
        return True
