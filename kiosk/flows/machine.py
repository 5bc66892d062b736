"""The flow pattern every resident flow follows.

A flow is a state machine with no screen: states (a ``StrEnum``), triggers
(the events and intents that move it), its transitions declared in one table
``TRANSITIONS: {(state, trigger): target}`` that a test can enumerate, and an
immutable view (a frozen dataclass with a ``state`` field, already masked)
that screens render.  Screens send intents and render views; they hold no rule.

Hand-written rather than ``transitions`` or ``python-statemachine``: the table
is a plain dict that a test walks, the view is the one thing listeners get,
and the whole pattern is this module; both packages bring their own callback
conventions and mutate the model object, which the immutable view avoids.

Flows are not thread-safe on purpose: the terminal (``kiosk.terminal``) calls
them from one thread and moves driver events and job outcomes onto it first;
listeners run on that thread, the only one that may touch widgets.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, ClassVar, Generic, Mapping, TypeVar

from drivers.listeners import Listeners

S = TypeVar("S", bound=enum.Enum)
V = TypeVar("V")


class FlowMachine(Generic[S, V]):
    """Base of every flow: the table, the view, the listeners."""

    TRANSITIONS: ClassVar[Mapping[tuple[Any, str], Any]] = {}

    def __init__(self, view: V):
        self._view = view
        self._listeners: Listeners[V] = Listeners(type(self).__name__)

    @property
    def view(self) -> V:
        return self._view

    @property
    def state(self) -> S:
        return self._view.state  # type: ignore[attr-defined]  # every view has a state field

    def subscribe(self, listener: Callable[[V], None]) -> Callable[[], None]:
        """``listener(view)`` after every change; returns the unsubscribe call."""
        return self._listeners.subscribe(listener)

    @classmethod
    def table(cls) -> list[tuple[Any, str, Any]]:
        """Every declared transition as (source, trigger, target)."""
        return [(source, trigger, target) for (source, trigger), target in cls.TRANSITIONS.items()]

    def can(self, trigger: str) -> bool:
        return (self.state, trigger) in self.TRANSITIONS

    def _fire(self, trigger: str, **changes: Any) -> bool:
        """Take the transition ``trigger`` from the current state if the table
        has one (and apply ``changes`` to the view); False when it has none."""
        target = self.TRANSITIONS.get((self.state, trigger))
        if target is None:
            return False
        self._set(state=target, **changes)
        return True

    def _set(self, **changes: Any) -> None:
        new = dataclasses.replace(self._view, **changes)  # type: ignore[type-var]
        if new == self._view:
            return
        self._view = new
        self._listeners.publish_latest(lambda: self._view)
