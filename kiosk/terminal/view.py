"""What the terminal publishes: one immutable view that the screens render."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kiosk.devices.availability import Availability
from kiosk.flows.service import Step
from kiosk.terminal.hut_info import HutInfo
from kiosk.terminal.staff import StaffView


class TerminalState(enum.StrEnum):
    HOME = "home"
    SERVICE = "service"        # a service's step is on screen
    PREPARING = "preparing"    # "this service is being prepared, ask the staff"
    STAFF = "staff"            # the staff's own screen (kiosk/terminal/staff.py), its PIN keypad or card check
    CLOSED = "closed"          # outside the hut's opening hours ([hut.hours]): "closed, open again at 8:30"


@dataclass(frozen=True)
class TerminalView:
    """Everything the screens render, masked; ``step_view`` is the view of
    the machine presenting the current step (``Terminal.presenter``)."""

    state: TerminalState = TerminalState.HOME
    service: str = ""
    title: str = ""                 # the service's msgid
    step: Step | None = None
    index: int = 0                  # 0-based ("step 2 of 5" shows index + 1)
    total: int = 0                  # 0: no steps; -1: not settled yet ("step 1", the total after a choice)
    step_view: Any = field(default=None, compare=False)
    revision: int = 0               # changes with every published view (step_view is compared by identity)
    lang: str = "zh_CN"
    large_text: bool = False
    high_contrast: bool = False     # black background, yellow and white text (the hut's default at each visit's start)
    voice_on: bool = True
    voice_available: bool = True    # the speaker works (or none is configured to say otherwise)
    volume: int = 1                 # the resident's step: 0 quiet, 1 the hut's volume, 2 loud
    card_on_reader: bool = False
    card_reminder: bool = False
    # The identify flow's view on every step that reads cards (a step that identifies
    # inside itself, as progress does, shows "take the other card away" from it too).
    identify: Any = field(default=None, compare=False)
    availability: Availability = Availability()
    idle_warning: bool = False
    idle_seconds_left: int = 0      # the warning's countdown in whole seconds (a view each second)
    confirm_home: bool = False      # 首页 pressed with work the resident would lose: asked once
    staff_called: bool = False      # 呼叫工作人员 pressed in this visit and not cancelled: the staff are coming
    staff_call_open: bool = False   # "staff have been called, please wait" shown over the screen
    privacy_open: bool = False      # the privacy notice shown over the screen (the step under it stays as it was)
    staff_card_note: bool = False   # a staff card laid down during a visit: "the staff screen opens after it"
    minute: str = ""                # local time to the minute, "2026-03-05T14:05" (the home screen's clock)
    hut: HutInfo = HutInfo()        # the hut's name, hours and help line (kiosk.toml)
    ready: bool = False             # the services' flows are built
    staff: StaffView = field(default=StaffView(), compare=False)   # the staff session (its revision is compared)
    reopens: str = ""               # closed: the minute the hut opens again ("" not within 60 days)
    screen_dark: bool = False       # closed and untouched for a few minutes: the backlight off (DPMS)

    @property
    def screen(self) -> str:
        """The name of what is on screen: a step's name, "home", "preparing", "staff" or "closed"."""
        if self.state is TerminalState.SERVICE and self.step is not None:
            return self.step.value
        if self.state in (TerminalState.PREPARING, TerminalState.STAFF, TerminalState.CLOSED):
            return self.state.value
        return "home"

    def __repr__(self) -> str:
        return f"TerminalView({self.screen!r}, service={self.service!r}, {self.index + 1}/{self.total})"
