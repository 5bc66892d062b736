"""One resident's visit to the terminal, and the idle timer that ends it.

A kiosk is shared: the next person must find no trace of the previous one.
Everything a flow learns about the current resident (identity record, chosen
service, answers, documents, health results) lives on one ``Session`` object,
so ending a visit is one ``clear()`` that drops every reference instead of a
hunt through screens.  The idle timer decides when a visit has been abandoned;
it knows nothing of Kivy and takes its clock as an argument so it can be tested
with a fake clock and driven by any main loop.
"""

from __future__ import annotations

import enum
import time
from typing import Any, Callable, Generic, TypeVar

from kiosk.identity import Identity

T = TypeVar("T")


class Slot(Generic[T]):
    """A typed place in the session for one kind of data (a flow's form, its
    pages, the face check's outcome).  The slot object is the key, so two
    modules that mean the same data share the slot, not a string; ``drop``
    wipes a held value when the session lets go of it (pages in memory)."""

    def __init__(self, name: str, drop: Callable[[T], None] | None = None):
        self.name = name
        self.drop = drop

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class Session:
    """Everything about the resident currently at the terminal.

    ``identity`` is who the resident is (``kiosk.identity.Identity``), set when
    a card was read and confirmed; ``service`` the key of the service they
    chose; flows keep their data in typed slots (``get``/``put``/``pop``).
    Nothing here is ever logged: ``repr`` shows only whether something is held.
    """

    __slots__ = ("identity", "service", "_data", "_visits")

    def __init__(self) -> None:
        self.identity: Identity | None = None
        self.service: str | None = None
        self._data: dict[Slot[Any], Any] = {}
        self._visits = 0

    @property
    def active(self) -> bool:
        """True while anything about a resident is held."""
        return self.identity is not None or self.service is not None or bool(self._data)

    def begin(self, service: str) -> None:
        """Start a visit for ``service``; a previous resident's data is dropped first."""
        self.clear()
        self.service = service
        self._visits += 1

    def identify(self, identity: Identity) -> None:
        self.identity = identity

    def forget_resident(self) -> None:
        """Drop the identity only: the resident backed out of the identify
        step, so the record must not outlive it."""
        self.identity = None

    def get(self, slot: Slot[T]) -> T | None:
        return self._data.get(slot)

    def put(self, slot: Slot[T], value: T) -> T:
        old = self._data.get(slot)
        if old is not None and old is not value and slot.drop is not None:
            slot.drop(old)
        self._data[slot] = value
        return value

    def pop(self, slot: Slot[T]) -> None:
        """Let go of what ``slot`` holds (wiped first when the slot says how)."""
        held = self._data.pop(slot, None)
        if held is not None and slot.drop is not None:
            slot.drop(held)

    def holds(self, slot: Slot[Any]) -> bool:
        return slot in self._data

    def clear(self) -> None:
        """Drop every reference to the resident's data (wiping what a slot says to)."""
        self.identity = None
        self.service = None
        for slot in list(self._data):
            self.pop(slot)
        self._data = {}

    @property
    def visits(self) -> int:
        """How many visits began since start-up (not personal data)."""
        return self._visits

    def __repr__(self) -> str:
        return (f"Session(identity={'<held>' if self.identity is not None else None}, "
                f"service={self.service!r}, slots={len(self._data)})")


class IdleState(enum.StrEnum):
    STOPPED = "stopped"    # nothing to protect (home screen, no session)
    RUNNING = "running"    # counting towards the warning
    WARNING = "warning"    # "are you still there?" is on screen
    TIMED_OUT = "timed_out"


class IdleTimer:
    """Warn after ``warning_after`` seconds without a touch, give up after
    ``timeout_after`` seconds.

    A state machine polled by its owner (``poll()`` from the UI's clock a few
    times a second) rather than owning a thread or timer: the callbacks then run
    on the owner's thread, which for Kivy is the only thread allowed to touch
    widgets.  ``clock`` returns seconds (monotonic) and is injectable for tests.

    Callbacks: ``on_warning(remaining)`` once when the warning starts,
    ``on_resume()`` when a touch ends a warning, ``on_timeout()`` once at the
    timeout; after it the timer stays ``TIMED_OUT`` (not counting) until
    ``start()``.
    """

    def __init__(self, timeout_after: float = 60.0, warning_after: float = 45.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 on_warning: Callable[[float], None] | None = None,
                 on_resume: Callable[[], None] | None = None,
                 on_timeout: Callable[[], None] | None = None):
        if timeout_after <= 0:
            raise ValueError(f"idle timeout must be positive, got {timeout_after!r}")
        if not 0 <= warning_after < timeout_after:
            raise ValueError(f"idle warning ({warning_after!r} s) must come before the timeout "
                             f"({timeout_after!r} s)")
        self.timeout_after = float(timeout_after)
        self.warning_after = float(warning_after)
        self._clock = clock
        self.on_warning = on_warning
        self.on_resume = on_resume
        self.on_timeout = on_timeout
        self._state = IdleState.STOPPED
        self._last_activity = clock()

    @property
    def state(self) -> IdleState:
        return self._state

    @property
    def running(self) -> bool:
        return self._state in (IdleState.RUNNING, IdleState.WARNING)

    def start(self) -> None:
        """Arm the timer (a visit has begun); counts from now."""
        self._last_activity = self._clock()
        self._state = IdleState.RUNNING

    def stop(self) -> None:
        """Disarm without firing anything (the visit ended normally)."""
        self._state = IdleState.STOPPED

    def touch(self) -> None:
        """The resident did something: start counting again, end a warning."""
        self._last_activity = self._clock()
        if self._state is IdleState.WARNING:
            self._state = IdleState.RUNNING
            if self.on_resume is not None:
                self.on_resume()

    def idle_for(self) -> float:
        return max(0.0, self._clock() - self._last_activity)

    def remaining(self) -> float:
        """Seconds until the timeout (for the countdown on the warning)."""
        if not self.running:
            return 0.0
        return max(0.0, self.timeout_after - self.idle_for())

    def poll(self) -> IdleState:
        """Advance the state machine to the current time and fire callbacks.

        A late poll (the UI stalled past both limits) fires the warning and the
        timeout in order, so a listener never sees a timeout without a warning.
        """
        if not self.running:
            return self._state
        idle = self.idle_for()
        if self._state is IdleState.RUNNING and idle >= self.warning_after:
            self._state = IdleState.WARNING
            if self.on_warning is not None:
                self.on_warning(max(0.0, self.timeout_after - idle))
        if self._state is IdleState.WARNING and idle >= self.timeout_after:
            self._state = IdleState.TIMED_OUT
            if self.on_timeout is not None:
                self.on_timeout()  # may call start() again: the state then says RUNNING
        return self._state
