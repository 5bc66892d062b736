"""办事指南: browse or search the catalog without identifying, read one
matter's guide (conditions, papers, department, time limit, fee), print it.

Steps: choose_matter (``MatterChoice``, shared with 自助办事), guide.  No
resident data is ever involved.

States::

    closed ─open─▶ choosing ─choose─▶ guide ─back─▶ choosing;  any ─close─▶ closed

Intents on the guide: ``print()`` (the view's ``printing`` says how it went;
``can_print`` says beforehand whether a printer can print now).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from kiosk import slips
from kiosk.devices.availability import SlipMode
from kiosk.filing.catalog import Matter
from kiosk.filing.matters import MatterDetail, detail, guide_slip_data
from kiosk.filing.submission import print_slip
from kiosk.flows.jobs import JobSlot
from kiosk.flows.machine import FlowMachine
from kiosk.flows.matter_choice import MatterChoice
from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step

log = logging.getLogger(__name__)


class GuideState(enum.StrEnum):
    CLOSED = "closed"
    CHOOSING = "choosing"
    GUIDE = "guide"


class GuideJob(enum.StrEnum):
    PRINT = "print_guide"


@dataclass(frozen=True)
class GuideView:
    """``printing``: "" | printing | printed | failed; ``can_print``: a
    printer can print now (otherwise the screen offers no print button and
    the resident may photograph the guide)."""

    state: GuideState = GuideState.CLOSED
    matter: MatterDetail | None = None
    can_print: bool = False
    printing: str = ""


class GuideFlow(ServiceFlow[GuideState, GuideView]):
    STEP_OF = {GuideState.CHOOSING: Step.CHOOSE_MATTER, GuideState.GUIDE: Step.GUIDE}
    TRANSITIONS = {
        **{(s, "open"): GuideState.CHOOSING for s in GuideState},
        **{(s, "close"): GuideState.CLOSED for s in GuideState},
        (GuideState.CHOOSING, "choose"): GuideState.GUIDE,
        (GuideState.GUIDE, "back"): GuideState.CHOOSING,
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, GuideView())
        self.choice = MatterChoice(ctx.catalog, self._chosen)
        self.job = JobSlot(ctx.jobs)
        self._matter: Matter | None = None

    def machines(self) -> tuple[FlowMachine[Any, Any], ...]:
        return (self, self.choice)

    def presenter(self) -> FlowMachine[Any, Any]:
        return self.choice if self.state is GuideState.CHOOSING else self

    def open(self) -> None:
        self._matter = None
        self.job.forget()
        self._fire("open", matter=None, printing="", can_print=False)
        self.choice.open()

    def close(self) -> None:
        self._matter = None
        self.job.forget()
        self.choice.close()
        self._fire("close", matter=None, printing="", can_print=False)

    def back(self) -> bool:
        if self.state is not GuideState.GUIDE:
            return False
        self._matter = None
        self.job.forget()
        self._fire("back", matter=None, printing="")
        self.choice.reopen()
        return True

    def _can_print(self) -> bool:
        return self.ctx.availability().slip_mode is SlipMode.PRINT and self.ctx.printer() is not None

    def _chosen(self, matter: Matter) -> None:
        self._matter = matter
        self._fire("choose", matter=detail(matter), can_print=self._can_print(), printing="")

    def print(self) -> bool:
        printer = self.ctx.printer() if self.ctx.availability().slip_mode is SlipMode.PRINT else None
        if self.state is not GuideState.GUIDE or self._matter is None or self.view.printing == "printing":
            return False
        if printer is None:
            self._set(can_print=False)
            return False
        slip = slips.service_guide(guide_slip_data(self._matter, self.ctx.hut), self.ctx.language)
        self._set(printing="printing")
        self.job.start(GuideJob.PRINT, lambda: print_slip(printer, slip), self._printed)
        return True

    def _printed(self, ok: Any) -> None:
        self._set(printing="printed" if ok else "failed", can_print=self._can_print())


SERVICE = Service(
    "guide", N_("Service guide"), (Step.CHOOSE_MATTER, Step.GUIDE), order=30,
    needs=Needs(devices=("slip",)),
    lines={
        ("choose_matter", ""): N_("Choose a category, or search the matter by its pinyin initials"),
        ("guide", ""): N_("This is the service guide. You can print it"),
    },
    flow=GuideFlow,
)
