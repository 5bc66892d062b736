"""Spoken instructions: what to say at each step, and a speaker that says it.

Many residents at a hut read poorly; each step says its instruction aloud, in
Mandarin (English when English is chosen), interrupted by the next step, and
switchable off on every screen.  Which instruction belongs to which step and
mode is a rule, so each flow declares its own lines and ``instruction`` looks
them up; the words are msgids (English) translated by the screens' gettext
catalogs, like every other resident-facing text.

``Speaker`` runs espeak-ng (Debian ``espeak-ng``; voices ``cmn`` and ``en``)
as a child process, never waiting for it: ``say`` starts the new utterance
after stopping the previous one, so the UI thread only pays for a fork.  A
stopped process is reaped on a later call instead of being waited for.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from kiosk.flows.service import N_

log = logging.getLogger(__name__)


# The terminal's own lines; each service declares the lines of its steps
# (``Service.lines``), the identify and face check flows theirs.
TERMINAL_LINES: dict[tuple[str, str], str] = {
    ("home", ""): N_("Welcome. Touch a service to begin"),
    ("card_reminder", ""): N_("Please take your card"),
    ("confirm_home", ""): N_("Do you want to stop? What you have entered will be discarded"),
    ("privacy", ""): N_("This page says what information we collect and why. Touch Back when you have read it"),
}


@functools.cache
def instructions() -> dict[tuple[str, str], str]:
    """(step, detail) -> msgid: every line the kiosk may say (detail is the
    step's mode or the flow's state; "" = the step's general line)."""
    from kiosk.flows.face_check import LINES as FACE_LINES
    from kiosk.flows.identify import LINES as IDENTIFY_LINES
    from kiosk.services import lines

    return {**TERMINAL_LINES, **IDENTIFY_LINES, **FACE_LINES, **lines()}


def instruction(step: str, detail: str = "") -> str | None:
    """The msgid to speak for ``step`` in ``detail``; the step's general
    instruction when the detail has none."""
    table = instructions()
    return table.get((step, detail)) or table.get((step, ""))


VOICES: dict[str, str] = {"zh_CN": "cmn", "en": "en"}
# The resident's three volume steps, as a share of the hut's volume (the speaker's option).
VOLUME_STEPS = (0.6, 1.0, 1.5)


def amplitude(hut_volume: int, step: int) -> int:
    """espeak-ng's amplitude for the resident's step (0 quiet, 1 the hut's, 2 loud), 10-200."""
    return max(10, min(200, round(hut_volume * VOLUME_STEPS[max(0, min(step, len(VOLUME_STEPS) - 1))])))


class Speaker:
    """Says one thing at a time through espeak-ng, without blocking.

    ``extra_args`` go before the text (tests pass ``["-w", path]`` to write a
    WAV file instead of playing).  ``enabled`` off stops any utterance and
    makes ``say`` a no-op; a missing espeak-ng is logged once and leaves the
    kiosk silent, not broken."""

    def __init__(self, enabled: bool = True, *, command: str = "espeak-ng", rate: int = 140, amplitude: int = 100,
                 extra_args: Sequence[str] = (), popen: Callable[..., subprocess.Popen] = subprocess.Popen):
        self.command, self.rate, self.extra_args, self._popen = command, rate, list(extra_args), popen
        self.amplitude = amplitude
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

    def say(self, text: str, lang: str = "zh_CN", *, always: bool = False, pitch: int | None = None) -> bool:
        """Stop what is being said and start ``text``; False when nothing was
        started.  ``always``: even with the resident's voice switched off (the
        staff alert is the hut's, not the resident's); ``pitch`` 0-99 (espeak-ng's
        default 50) sets a line apart from the instructions."""
        self.stop()
        if not (self._enabled or always) or not text.strip():
            return False
        if shutil.which(self.command) is None:
            if not self._missing_logged:
                log.warning("voice: %s is not installed; instructions are not spoken", self.command)
                self._missing_logged = True
            return False
        args = [self.command, "-v", VOICES.get(lang, VOICES["zh_CN"]), "-s", str(self.rate), "-a",
                str(self.amplitude), *(["-p", str(pitch)] if pitch is not None else []), *self.extra_args, "--", text]
        try:
            self._current = self._popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            log.warning("voice: cannot start %s (%s)", self.command, exc)
            return False
        return True

    def wait(self, timeout: float, interrupted: Callable[[], bool] = lambda: False) -> None:
        """Until the current utterance has been said, ``timeout`` has passed or ``interrupted()``."""
        deadline = time.monotonic() + timeout
        while self.speaking and time.monotonic() < deadline and not interrupted():
            time.sleep(0.05)

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


class Voice:
    """``Speaker`` driven from one worker thread, in call order: the
    terminal's thread never waits for a fork (starting espeak-ng forks a large
    process: tens of milliseconds), and a newer line still interrupts the older."""

    # The staff alert is said at a higher pitch than the instructions, so staff
    # across the hut tell it from the kiosk talking to a resident.
    ALERT_PITCH = 75
    ALERT_SECONDS = 8.0   # the longest the resident's line waits for the alert to end

    def __init__(self, speaker: Speaker):
        self.speaker = speaker
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        self._said = 0     # lines asked for so far: a newer one interrupts an alert's wait

    def say(self, text: str, lang: str) -> None:
        self._said += 1
        self._worker.submit(self.speaker.say, text, lang)

    def alert(self, staff_line: str, then: str, lang: str) -> None:
        """Call the staff (``staff_line`` in Chinese, set apart by its pitch,
        even with the resident's voice off), then tell the resident ``then``
        in their language ("" for nothing), unless a newer line came first."""
        self._said += 1
        mine = self._said

        def run() -> None:
            if self.speaker.say(staff_line, "zh_CN", always=True, pitch=self.ALERT_PITCH):
                self.speaker.wait(self.ALERT_SECONDS, interrupted=lambda: self._said != mine)
            if then and self._said == mine:
                self.speaker.say(then, lang)

        self._worker.submit(run)

    def set_enabled(self, on: bool) -> None:
        self._worker.submit(self.speaker.set_enabled, on)

    def set_amplitude(self, amplitude: int) -> None:
        self._worker.submit(setattr, self.speaker, "amplitude", amplitude)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self.speaker.close()
