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
        self._included: set[str] = set()   # the optional steps this visit takes

    def ready(self, svc: Service) -> bool:
        """Can every step of ``svc`` be presented?"""
        return all(step in self.presentable for step in svc.steps)

    def steps(self) -> tuple[str, ...]:
        """The steps of the current visit, in order (none at home)."""
        svc = BY_KEY.get(self.view.service)
        return svc.steps_with(self._included) if svc is not None and self.state is VisitState.STEP else ()

    def include(self, step: str, wanted: bool = True) -> None:
        """A flow decided that this visit takes (or skips) one of its
        service's optional steps (the face check for a matter that asks for
        it).  Only steps after the current one change; "step 2 of 5" follows."""
        svc = BY_KEY.get(self.view.service)
        if self.state is not VisitState.STEP or svc is None or step not in svc.optional:
            return
        if (step in self._included) == wanted:
            return
        (self._included.add if wanted else self._included.discard)(step)
        steps = svc.steps_with(self._included)
        self._set(index=steps.index(self.view.step), total=len(steps))

    # -- intents ------------------------------------------------------------------
    def choose(self, key: str, at_step: str | None = None) -> VisitView:
        """A tile was pressed: a new visit for service ``key`` begins (whatever
        the previous one left is dropped first).  ``at_step`` opens the service
        at one of its steps, for the demo and the maintenance preview."""
        svc = service(key)
        self.session.begin(key)
        self._included = set()
        steps = svc.steps_with()
        if at_step is not None and at_step in steps and at_step in self.presentable:
            index = steps.index(at_step)
            self._fire("choose", service=key, title=svc.title, step=at_step, index=index, total=len(steps))
        elif at_step is None and self.ready(svc):
            self._fire("choose", service=key, title=svc.title, step=steps[0], index=0, total=len(steps))
        else:
            self._fire("choose_unbuilt", service=key, title=svc.title, step="", index=0, total=0)
        log.info("service %s chosen (%s)", key, self.state)
        return self.view

    def next(self) -> VisitView:
        """The current step is done: the next one, or home after the last."""
        steps = self.steps()
        if not steps:
            return self.view
        index = self.view.index + 1
        if index >= len(steps):
            self._end("finish")
            return self.view
        if steps[index] not in self.presentable:
            self._fire("choose_unbuilt", step="", index=0, total=0)
        else:
            self._fire("next", step=steps[index], index=index)
        return self.view

    def back(self) -> VisitView:
        """Back: the previous step, or home from the first one."""
        steps = self.steps()
        if steps and self.view.index > 0 and steps[self.view.index - 1] in self.presentable:
            index = self.view.index - 1
            self._fire("back", step=steps[index], index=index)
            return self.view
        if self.can("back_out"):
            self._end("back_out")
        return self.view

    def home(self) -> VisitView:
        """The visit ends (Home, the last step, the idle timeout): every trace
        of the resident held in the session goes."""
        self._end("home")
        return self.view

    def _end(self, trigger: str) -> None:
        self.session.clear()
        self._included = set()
        self._fire(trigger, service="", title="", step="", index=0, total=0)
