"""The idle guard's side of the app: warn, count down, go home and forget.

A mixin of ``screens.app.KioskApp``; the rule (how long, when to warn) is
``kiosk.flows.session.IdleTimer``.  Any touch or key counts as the resident
acting; Escape and a keyboard's close request never leave the kiosk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.flows.session import IdleState
from kiosk.terminal.voice import instruction


class IdleGuard:
    """Mixed into KioskApp, which provides these (annotations only)."""

    idle: Any
    sm: Any
    session: Any
    lang: str
    default_lang: str
    large_text: bool
    voice_on: bool
    card_reminder: bool
    reminder: Any
    warning: Any

    if TYPE_CHECKING:  # defined by ResidentFlows and KioskApp
        def say(self, msgid: str | None) -> None: ...

        def go_home(self, reason: str = "resident") -> None: ...

    # -- idle --------------------------------------------------------------------
    def _arm_idle(self) -> None:
        """Count idle time whenever there is something to forget: a screen
        other than home, a session, or a language or switch the next person did not choose."""
        needed = (self.sm.current != "home" or self.session.active or self.lang != self.default_lang
                  or self.large_text or not self.voice_on)
        if needed and not self.idle.running:
            self.idle.start()
        elif not needed and self.idle.running:
            self.idle.stop()
            self.warning.dismiss(animation=False)
        else:
            self.idle.touch()

    def _poll_idle(self, _dt: float) -> None:
        if self.reminder.due(self.card_reminder):  # "please take your card", again while it lies there
            self.say(instruction("card_reminder"))
        self.idle.poll()
        if self.idle.state is IdleState.WARNING:
            self.warning.remaining = self.idle.remaining()

    def _idle_warning(self, remaining: float) -> None:
        self.warning.remaining = remaining
        self.warning.open(animation=False)

    def _idle_resume(self) -> None:
        self.warning.dismiss(animation=False)

    def _idle_timeout(self) -> None:
        self.go_home("timeout")

    def _any_touch(self, _window: Any, _touch: Any) -> bool:
        self.idle.touch()
        return False  # let the touch reach the widgets

    def _any_key(self, *_args: Any) -> bool:
        self.idle.touch()
        return False

    @staticmethod
    def _swallow_escape(_window: Any, key: int, *_args: Any) -> bool:
        return key == 27  # Escape (and Android's back) must not leave the kiosk

    @staticmethod
    def _refuse_keyboard_close(_window: Any, *_args: Any, source: str | None = None) -> bool:
        return source == "keyboard"
