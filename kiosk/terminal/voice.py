"""Spoken instructions: what to say at each step, and a speaker that says it.

Many residents at a hut read poorly; each step says its instruction aloud, in
Mandarin (English when English is chosen), interrupted by the next step, and
switchable off on every screen.  Which instruction belongs to which step and
mode is a rule, so it lives here (``instruction``); the words are msgids
(English) translated by the screens' gettext catalogs, like every other
resident-facing text.

``Speaker`` runs espeak-ng (Debian ``espeak-ng``; voices ``cmn`` and ``en``)
as a child process, never waiting for it: ``say`` starts the new utterance
after stopping the previous one, so the UI thread only pays for a fork.  A
stopped process is reaped on a later call instead of being waited for.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from typing import Callable, Sequence

log = logging.getLogger(__name__)


def N_(msgid: str) -> str:
    return msgid


# (step, detail) -> msgid; detail is the step's mode or the flow's state ("" = any).
INSTRUCTIONS: dict[tuple[str, str], str] = {
    ("home", ""): N_("Welcome. Touch a service to begin"),
    ("choose_matter", ""): N_("Choose a category, or search the matter by its pinyin initials"),
    ("conditions", ""): N_("Check the conditions and the papers you need, then press Start"),
    ("identify", ""): N_("Please place your card on the reader"),
    ("identify", "id_card"): N_("Please place your ID card on the reader"),
    ("identify", "social_security"): N_("Please insert your social security card"),
    ("identify", "counter"): N_("Cards cannot be read here now. Please ask at the counter"),
    ("face_check", ""): N_("Please look at the camera"),
    ("face_check", "consent"): N_("To check that the card is yours, your face will be compared with the card photo, "
                                  "on this terminal only. No picture is kept. Do you agree?"),
    ("face_check", "challenge"): N_("Please look at the camera. You will be asked to blink and to turn your head"),
    ("face_check", "blink"): N_("Please blink"),
    ("face_check", "turn_left"): N_("Please turn your head to the left"),
    ("face_check", "turn_right"): N_("Please turn your head to the right"),
    ("face_check", "retry"): N_("The check did not succeed. Please look straight at the camera and try again"),
    ("face_check", "passed"): N_("The check is done. Please press Continue"),
    ("face_check", "no_photo"): N_("Your card photo cannot be read here, so the face check is skipped. "
                                   "Please press Continue"),
    ("face_check", "no_camera"): N_("The face check cannot be done at this terminal now. "
                                    "Please go to the hut's counter"),
    ("face_check", "counter"): N_("Please go to the hut's counter. The staff will check your card"),
    ("form", ""): N_("Please check what is filled in, and fill in the rest"),
    ("papers", ""): N_("Place the paper flat under the camera"),
    ("papers", "bring_to_counter"): N_("The camera cannot be used. Please hand these papers to the counter"),
    ("papers", "cannot_file"): N_("This matter cannot be filed without this paper. Please come back with it"),
    ("review", ""): N_("Please check everything, agree, and submit"),
    ("submit", ""): N_("Submitting. Please wait a moment"),
    ("submit", "submit_failed"): N_("It could not be submitted. Please ask the staff for help"),
    ("done", ""): N_("Done. Please take your card"),
    ("done", "print"): N_("Done. Please take your card and your slip"),
    ("done", "note_number"): N_("Done. Please note down or photograph your number, and take your card"),
    ("guide", ""): N_("This is the service guide. You can print it"),
    ("progress", ""): N_("Place your ID card or social security card, or show the QR code on your slip"),
    ("progress", "results"): N_("These are your applications and what to do next"),
    ("progress", "nothing_found"): N_("No application was found"),
    ("progress", "unavailable"): N_("The platform cannot be reached now. Please try again later"),
    ("progress", "local_slip"): N_("This slip has a local number. Please place your ID card to find its number"),
    ("card_reminder", ""): N_("Please take your card"),
}


def instruction(step: str, detail: str = "") -> str | None:
    """The msgid to speak for ``step`` in ``detail`` (the step's mode from
    ``Availability.offers``, or the flow's state: cannot_file, submit_failed,
    results…); the step's general instruction when the detail has none."""
    return INSTRUCTIONS.get((step, detail)) or INSTRUCTIONS.get((step, ""))


VOICES: dict[str, str] = {"zh_CN": "cmn", "en": "en"}


class Speaker:
    """Says one thing at a time through espeak-ng, without blocking.

    ``extra_args`` go before the text (tests pass ``["-w", path]`` to write a
    WAV file instead of playing).  ``enabled`` off stops any utterance and
    makes ``say`` a no-op; a missing espeak-ng is logged once and leaves the
    kiosk silent, not broken."""

    def __init__(self, enabled: bool = True, *, command: str = "espeak-ng", rate: int = 140,
                 extra_args: Sequence[str] = (), popen: Callable[..., subprocess.Popen] = subprocess.Popen):
        self.command, self.rate, self.extra_args, self._popen = command, rate, list(extra_args), popen
        self._enabled = enabled
        self._current: subprocess.Popen | None = None
        self._stopped: list[subprocess.Popen] = []
        self._missing_logged = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        self._enabled = bool(on)
        if not on:
            self.stop()

    @property
    def speaking(self) -> bool:
        return self._current is not None and self._current.poll() is None

    def say(self, text: str, lang: str = "zh_CN") -> bool:
        """Stop what is being said and start ``text``; False when nothing was started."""
        self.stop()
        if not self._enabled or not text.strip():
            return False
        if shutil.which(self.command) is None:
            if not self._missing_logged:
                log.warning("voice: %s is not installed; instructions are not spoken", self.command)
                self._missing_logged = True
            return False
        args = [self.command, "-v", VOICES.get(lang, VOICES["zh_CN"]), "-s", str(self.rate), *self.extra_args,
                "--", text]
        try:
            self._current = self._popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            log.warning("voice: cannot start %s (%s)", self.command, exc)
            return False
        return True

    def stop(self) -> None:
        """Interrupt the current utterance (not waiting for the process to go)."""
        current, self._current = self._current, None
        if current is not None and current.poll() is None:
            current.terminate()
            self._stopped.append(current)
        self._stopped = [p for p in self._stopped if p.poll() is None]

    def close(self) -> None:
        """At exit: stop and reap everything this speaker started."""
        self.stop()
        for process in self._stopped:
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._stopped.clear()


class Reminder:
    """"Please take your card", again every ``every`` seconds while the card
    lies on the reader after the visit (``IdentifyView.card_reminder``).
    Polled from the app's clock; ``due(active)`` says when to speak."""

    def __init__(self, every: float = 8.0, clock: Callable[[], float] = time.monotonic):
        self.every, self._clock = every, clock
        self._last: float | None = None

    def due(self, active: bool) -> bool:
        if not active:
            self._last = None
            return False
        now = self._clock()
        if self._last is None or now - self._last >= self.every:
            self._last = now
            return True
        return False
