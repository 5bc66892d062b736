"""The face check step (人证核验): "look at the camera, blink, turn your head".

A matter whose catalog entry sets ``face_check`` adds this step after the
card.  Kept out of the screen like every flow: consent comes first (a face is
sensitive personal information, PIPL art. 28), a terminal without a front
camera says the check cannot be done here and sends the resident to the
counter, a card whose photo cannot be decoded here skips the check and says
so (never a pass), and three failed attempts lead to the counter, not a loop.

The flow runs no camera and no face engine: its owner runs a
:class:`~kiosk.face.check.FaceCheckAttempt` on the camera's thread and
reports ``prompt(challenge)`` and ``attempt_finished(result, at)``.  Only the
result (passed, score, threshold, reason, time) is kept, in the session's
``OUTCOME`` slot for the submission; frames and descriptors
stay with the attempt, which drops them.

States::

    closed ─start─▶ consent ─consent─▶ challenge ─passed─▶ passed ─confirm─▶ closed
               │         └─decline─▶ counter   │  ▲
               ├─▶ no_camera (→ counter)       failed─▶ retry ─retry─┘
               └─▶ no_photo ─confirm─▶ closed  └─third failure─▶ counter
    consent | challenge | retry ─card_photo_unusable─▶ no_photo   (no face in the card photo)
    consent | challenge | retry ─check_unavailable─▶ no_camera   (camera stopped, no engine)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.face.check import FaceCheckResult
from kiosk.face.liveness import Challenge
from kiosk.flows.machine import FlowMachine
from kiosk.flows.service import N_
from kiosk.flows.session import Session, Slot

# What the voice says (and the screen shows as its headline) by ``FaceCheckView.detail``.
LINES: dict[tuple[str, str], str] = {
    ("face_check", ""): N_("Please look at the camera"),
    ("face_check", "consent"): N_("To check that the card is yours, your face will be compared with the card photo, "
                                  "on this terminal only. No picture is kept. Do you agree?"),
    ("face_check", "challenge"): N_("Please look at the camera. You will be asked to blink and to turn your head"),
    ("face_check", "blink"): N_("Please blink"),
    ("face_check", "turn_left"): N_("Please turn your head to the left"),
    ("face_check", "turn_right"): N_("Please turn your head to the right"),
    ("face_check", "retry"): N_("The check did not succeed. Please look straight at the camera and try again"),
    # Why an attempt failed, in words with what to do about it (state_reason).
    ("face_check", "retry_not_live"): N_("The camera did not see you blink and turn your head. Please do each move "
                                         "when you are asked, then try again"),
    ("face_check", "retry_no_face"): N_("Your face was not found. Please face the camera, close enough to fill the "
                                        "frame, and try again"),
    ("face_check", "retry_not_same_person"): N_("Your face did not match the card photo. Please take off glasses, a "
                                                "hat or a mask, and try again"),
    ("face_check", "counter_not_live"): N_("The check could not be done. Please go to the hut's counter with your "
                                           "card and the printed note"),
    ("face_check", "counter_no_face"): N_("Your face was not found. Please go to the hut's counter with your card "
                                          "and the printed note"),
    ("face_check", "counter_not_same_person"): N_("Your face did not match the card photo. Please go to the hut's "
                                                  "counter with your card and the printed note"),
    ("face_check", "passed"): N_("The check is done. Please press Continue"),
    ("face_check", "no_photo"): N_("Your card photo cannot be read here, so the face check is skipped. "
                                   "Please press Continue"),
    ("face_check", "no_camera"): N_("The face check cannot be done at this terminal now. "
                                    "Please go to the hut's counter"),
    ("face_check", "counter"): N_("Please go to the hut's counter. The staff will check your card"),
}
MAX_ATTEMPTS = 3
# The check's outcome as the application carries it (never a picture).
OUTCOME: Slot[dict[str, Any]] = Slot("face_check")


class FaceCheckState(enum.StrEnum):
    CLOSED = "closed"          # the step is not on screen
    CONSENT = "consent"        # "your face will be compared with your card photo, here, and not kept"
    CHALLENGE = "challenge"    # camera on, the prompt spoken and shown
    RETRY = "retry"            # "that did not work, try again" (attempts left)
    PASSED = "passed"          # Continue offered
    NO_PHOTO = "no_photo"      # the card photo cannot be read here: the check is skipped, Continue offered
    NO_CAMERA = "no_camera"    # this terminal cannot do the check: the counter
    COUNTER = "counter"        # declined or failed three times: the hut's counter


@dataclass(frozen=True)
class FaceCheckView:
    """What a screen shows and speaks; never a picture or a score's inputs.
    The words are the screen's (``kiosk.terminal.voice.instruction("face_check", view.detail)``)."""

    state: FaceCheckState = FaceCheckState.CLOSED
    challenge: str = ""          # the challenge being asked (blink, turn_left, turn_right)
    attempts: int = 0
    attempts_left: int = MAX_ATTEMPTS
    reason: str = ""             # why the last attempt failed: not_live | no_face | not_same_person
    counter_slip: str = ""       # the note for the counter: "" | printing | printed | no_printer

    @property
    def detail(self) -> str:
        """What to say now: the challenge being asked, why an attempt failed
        (retry / counter with its reason), else the state."""
        if self.state is FaceCheckState.CHALLENGE and self.challenge:
            return self.challenge
        if self.state in (FaceCheckState.RETRY, FaceCheckState.COUNTER) and self.reason:
            return f"{self.state.value}_{self.reason}"
        return self.state.value


S = FaceCheckState


class FaceCheckFlow(FlowMachine[FaceCheckState, FaceCheckView]):
    """Intents: ``start(camera_available, card_photo_available)``, ``consent()``,
    ``decline()``, ``retry()``, ``confirm()``, ``cancel()``.  Events from the
    attempt runner: ``prompt(challenge)``, ``attempt_finished(result, at)``,
    ``card_photo_unusable()``, ``check_unavailable()``."""

    TRANSITIONS = {
        **{(s, "start"): S.CONSENT for s in S},
        **{(s, "start_without_camera"): S.NO_CAMERA for s in S},
        **{(s, "start_without_photo"): S.NO_PHOTO for s in S},
        (S.CONSENT, "consent"): S.CHALLENGE,
        (S.CONSENT, "decline"): S.COUNTER,
        (S.CHALLENGE, "prompt"): S.CHALLENGE,
        (S.CHALLENGE, "attempt_passed"): S.PASSED,
        (S.CHALLENGE, "attempt_failed"): S.RETRY,
        (S.CHALLENGE, "last_attempt_failed"): S.COUNTER,
        (S.RETRY, "retry"): S.CHALLENGE,
        (S.RETRY, "decline"): S.COUNTER,
        **{(s, "card_photo_unusable"): S.NO_PHOTO for s in (S.CONSENT, S.CHALLENGE, S.RETRY)},
        **{(s, "check_unavailable"): S.NO_CAMERA for s in (S.CONSENT, S.CHALLENGE, S.RETRY)},
        (S.PASSED, "confirm"): S.CLOSED,
        (S.NO_PHOTO, "confirm"): S.CLOSED,
        **{(s, "cancel"): S.CLOSED for s in S},
    }

    def __init__(self, session: Session, on_done: Callable[[], Any] | None = None):
        """``on_done()``: the check is over and the resident goes on (after ``confirm``)."""
        super().__init__(FaceCheckView())
        self.session, self.on_done = session, on_done
        self.preview: Callable[[], Any] = lambda: None   # the front camera's newest frame (the runner's)

    @property
    def camera_wanted(self) -> bool:
        """The owner runs the front camera (and an attempt) only in this state."""
        return self.state is FaceCheckState.CHALLENGE

    # -- intents -------------------------------------------------------------------
    def start(self, camera_available: bool, card_photo_available: bool) -> None:
        """The step opens after the card.  No camera: this terminal cannot
        check (counter).  No decodable card photo: skipped, and said so."""
        self.session.pop(OUTCOME)
        if not camera_available:
            self._fire("start_without_camera", challenge="", attempts=0, attempts_left=MAX_ATTEMPTS, reason="",
                       counter_slip="")
        elif not card_photo_available:
            self.session.put(OUTCOME, {"performed": False, "reason": "no_card_photo"})
            self._fire("start_without_photo", challenge="", attempts=0, attempts_left=MAX_ATTEMPTS, reason="",
                       counter_slip="")
        else:
            self._fire("start", challenge="", attempts=0, attempts_left=MAX_ATTEMPTS, reason="", counter_slip="")

    def consent(self) -> bool:
        return self._fire("consent")

    def decline(self) -> bool:
        """No consent (or no more tries wanted): the counter checks the card by eye."""
        if self._fire("decline", challenge=""):
            self.session.put(OUTCOME, {"performed": False, "reason": "declined"})
            return True
        return False

    def retry(self) -> bool:
        return self._fire("retry", challenge="", reason="")

    def confirm(self) -> bool:
        """Continue, once the check passed or was skipped for want of a card photo."""
        if not self._fire("confirm", challenge=""):
            return False
        if self.on_done is not None:
            self.on_done()
        return True

    def cancel(self) -> None:
        """Back or end of visit: the result goes with the rest of the session."""
        self._fire("cancel", challenge="", reason="", counter_slip="")

    # -- events from the attempt runner ------------------------------------------------
    def card_photo_unusable(self) -> bool:
        """The card photo decoded but no face was found in it: skipped, said so."""
        if self._fire("card_photo_unusable", challenge=""):
            self.session.put(OUTCOME, {"performed": False, "reason": "no_face_in_card_photo"})
            return True
        return False

    def check_unavailable(self) -> bool:
        """The front camera stopped or the face engine cannot run here: the counter."""
        if self._fire("check_unavailable", challenge=""):
            self.session.put(OUTCOME, {"performed": False, "reason": "unavailable"})
            return True
        return False

    def prompt(self, challenge: Challenge) -> bool:
        return self._fire("prompt", challenge=challenge.value)

    def attempt_finished(self, result: FaceCheckResult, at: str) -> bool:
        """One attempt is over; ``at`` is its time (ISO 8601) for the record."""
        if self.state is not FaceCheckState.CHALLENGE:
            return False
        attempts = self._view.attempts + 1
        self.session.put(OUTCOME, {"performed": True, "attempts": attempts, **result.for_submission(at)})
        if result.passed:
            trigger = "attempt_passed"
        else:
            trigger = "last_attempt_failed" if attempts >= MAX_ATTEMPTS else "attempt_failed"
        return self._fire(trigger, challenge="", attempts=attempts, attempts_left=MAX_ATTEMPTS - attempts,
                          reason="" if result.passed else result.reason)

    def counter_slip(self, state: str) -> None:
        """How the note for the counter is doing (the filing prints it)."""
        self._set(counter_slip=state)
