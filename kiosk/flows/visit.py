"""Routing through a visit: which service, which step, what comes next.

The home screen's tiles, Back, Continue and Home are intents to this flow;
the app maps the view's ``step`` to a screen and nothing more.  A service
whose steps cannot all be presented goes to ``preparing`` (and so never
asks for an identity it would have no use for).

States::

    home ──choose──▶ step ──next──▶ step … ──finish──▶ home
      │                 ◀──back──        │
      └──choose_unbuilt──▶ preparing     └──back_out / home──▶ home
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Iterable

from kiosk.flows.machine import FlowMachine
from kiosk.flows.services import BY_KEY, Service, service
from kiosk.flows.session import Session

log = logging.getLogger(__name__)


class VisitState(str, enum.Enum):
    HOME = "home"
    STEP = "step"
    PREPARING = "preparing"   # "this service is being prepared, ask the staff"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VisitView:
    state: VisitState = VisitState.HOME
    service: str = ""         # the service's key
    title: str = ""           # the service's msgid
    step: str = ""            # the current step's name
    index: int = 0            # 0-based position of the step ("step 2 of 5" shows index + 1)
    total: int = 0


_ALL = tuple(VisitState)


class VisitFlow(FlowMachine[VisitState, VisitView]):
    """One terminal's visits: intents ``choose``, ``next``, ``back``, ``home``."""

    TRANSITIONS = {
        **{(s, "choose"): VisitState.STEP for s in _ALL},
        **{(s, "choose_unbuilt"): VisitState.PREPARING for s in _ALL},
        (VisitState.STEP, "next"): VisitState.STEP,
        (VisitState.STEP, "finish"): VisitState.HOME,
        (VisitState.STEP, "back"): VisitState.STEP,
        (VisitState.STEP, "back_out"): VisitState.HOME,
        (VisitState.PREPARING, "back_out"): VisitState.HOME,
        **{(s, "home"): VisitState.HOME for s in _ALL},
    }

    def __init__(self, session: Session, presentable: Iterable[str]):
        """``presentable``: the steps the screens can show."""
        super().__init__(VisitView())
        self.session = session
        self.presentable = frozenset(presentable)

    def ready(self, svc: Service) -> bool:
        """Can every step of ``svc`` be presented?"""
        return all(step in self.presentable for step in svc.steps)

    # -- intents ------------------------------------------------------------------
    def choose(self, key: str, at_step: str | None = None) -> VisitView:
        """A tile was pressed: a new visit for service ``key`` begins (whatever
        the previous one left is dropped first).  ``at_step`` opens the service
        at one of its steps, for the demo and the maintenance preview."""
        svc = service(key)
        self.session.begin(key)
        if at_step is not None and at_step in svc.steps and at_step in self.presentable:
            index = svc.steps.index(at_step)
            self._fire("choose", service=key, title=svc.title, step=at_step, index=index, total=len(svc.steps))
        elif at_step is None and self.ready(svc):
            self._fire("choose", service=key, title=svc.title, step=svc.steps[0], index=0, total=len(svc.steps))
        else:
            self._fire("choose_unbuilt", service=key, title=svc.title, step="", index=0, total=0)
        log.info("service %s chosen (%s)", key, self.state)
        return self.view

    def next(self) -> VisitView:
        """The current step is done: the next one, or home after the last."""
        svc = BY_KEY.get(self.view.service)
        if self.state is not VisitState.STEP or svc is None:
            return self.view
        index = self.view.index + 1
        if index >= len(svc.steps):
            self.session.clear()
            self._fire("finish", service="", title="", step="", index=0, total=0)
            return self.view
        if svc.steps[index] not in self.presentable:
            self._fire("choose_unbuilt", step="", index=0, total=0)
        else:
            self._fire("next", step=svc.steps[index], index=index)
        return self.view

    def back(self) -> VisitView:
        """Back: the previous step, or home from the first one."""
        svc = BY_KEY.get(self.view.service)
        if self.state is VisitState.STEP and svc is not None and self.view.index > 0 \
                and svc.steps[self.view.index - 1] in self.presentable:
            index = self.view.index - 1
            self._fire("back", step=svc.steps[index], index=index)
            return self.view
        if self._fire("back_out", service="", title="", step="", index=0, total=0):
            self.session.clear()
        return self.view

    def home(self) -> VisitView:
        """The visit ends (Home, the last step, the idle timeout): every trace
        of the resident held in the session goes."""
        self.session.clear()
        self._fire("home", service="", title="", step="", index=0, total=0)
        return self.view
