"""The app's side of the resident flows: their views to screens, their
blocking jobs off the UI thread, and each step's instruction spoken.

A mixin of ``screens.app.KioskApp`` (which owns the flows, the screens and
the properties used here); split out so the app module stays the app's
life cycle and navigation.  The voice runs on one worker thread: starting
espeak-ng forks the app's process, and a fork of a large process is tens of
milliseconds the screen change should not wait for.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock

from kiosk.flows.services import Step
from kiosk.flows.visit import VisitState
from kiosk.terminal.voice import Speaker, instruction
from screens import i18n

if TYPE_CHECKING:  # the flows load the pinyin dictionary: imported after the first frame
    from kiosk.flows.approval import ApprovalFlow, ApprovalView
    from kiosk.flows.guide import GuideFlow, GuideView
    from kiosk.flows.jobs import Job
    from kiosk.flows.progress import ProgressView

log = logging.getLogger(__name__)


class Voice:
    """``kiosk.terminal.voice.Speaker`` driven from one worker thread, in call order:
    the UI thread never waits for a fork, and a newer instruction still
    interrupts the older one."""

    def __init__(self, speaker: Speaker):
        self.speaker = speaker
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")

    def say(self, text: str, lang: str) -> None:
        self._worker.submit(self.speaker.say, text, lang)

    def set_enabled(self, on: bool) -> None:
        self._worker.submit(self.speaker.set_enabled, on)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self.speaker.close()


class ResidentFlows:
    """Mixed into KioskApp: expects ``visit``, ``approval``, ``guide``,
    ``progress``, ``browse_screens``, ``availability``, ``lang``,
    ``voice_on``, ``voice`` and ``last_spoken`` / ``_speech_key``."""

    # Provided by KioskApp (annotations only: no attribute is created here).
    visit: Any
    approval: Any
    guide: Any
    progress: Any
    session: Any
    availability: Any
    browse_screens: dict[str, Any]
    lang: str
    voice_on: bool
    voice: Voice
    owner: Any
    face_engine: Any
    front_camera: Any
    last_spoken: str
    _speech_key: tuple[str, str] | None

    # -- the resident flows ----------------------------------------------------------
    def browse_flow(self) -> ApprovalFlow | GuideFlow:
        """The flow whose matter list is on screen (filing or the service guide)."""
        return self.guide if self.visit.view.service == "guide" else self.approval

    def run_job(self, flow: Any, job: Job | None) -> None:
        """Run a flow's blocking work on a thread; its outcome (and any next
        job) comes back to the flow on the Kivy thread."""
        if job is None:
            return

        def work() -> None:
            outcome = job.run()
            Clock.schedule_once(lambda _dt: self.run_job(flow, flow.job_done(job, outcome)))

        threading.Thread(target=work, name=f"job-{job.name}", daemon=True).start()

    def print_guide(self) -> None:
        """"Print this guide" on the conditions or the guide screen."""
        if self.visit.view.service == "guide":
            self.run_job(self.guide, self.guide.print())
            return
        job = self.approval.print_guide()
        if job is None:
            self.browse_screens[Step.CONDITIONS].no_printer()
        self.run_job(self.approval, job)

    def run_face_checks(self, settings: Any) -> Any:
        """The face check's attempts on the front camera, reported on the Kivy clock."""
        from kiosk.face.liveness import LivenessRules
        from kiosk.face.runner import FaceCheckRunner, default_engine

        return FaceCheckRunner(self.approval.face, self.front_camera,
                               post=lambda event: Clock.schedule_once(lambda _dt: event()),
                               engine=self.face_engine or default_engine,
                               threshold=settings.face_check.threshold,
                               rules=LivenessRules(time_limit=settings.face_check.time_limit_seconds))

    def watch_for_slips(self) -> Any:
        """Progress by the slip: its QR code read on the document camera while a proof is awaited."""
        from kiosk.terminal.slip_watch import SlipQrWatch

        return SlipQrWatch(self.progress, lambda: self.owner.first_of_kind("camera"),
                           post=lambda event: Clock.schedule_once(lambda _dt: event()), on_text=self.slip_read)

    def progress_retry(self) -> None:
        self.run_job(self.progress, self.progress.retry())

    def slip_read(self, text: str) -> None:
        """A QR code read by the camera on the progress step."""
        self.run_job(self.progress, self.progress.slip_read(text))

    def _render_approval(self, view: ApprovalView) -> None:
        from kiosk.flows.approval import ApprovalState

        if view.state is ApprovalState.CHOOSING:
            self.browse_screens[Step.CHOOSE_MATTER].render(view.pick)
        elif view.state is ApprovalState.CONDITIONS:
            self.browse_screens[Step.CONDITIONS].render(view)
        self._speak()

    def _render_guide(self, view: GuideView) -> None:
        if view.pick.categories or view.pick.no_catalog:
            self.browse_screens[Step.CHOOSE_MATTER].render(view.pick)
        if view.matter is not None:
            self.browse_screens[Step.GUIDE].render(view)

    def _render_progress(self, view: ProgressView) -> None:
        self.browse_screens[Step.PROGRESS].render(view)
        self._speak()

    def _language_changed(self, *_args: Any) -> None:
        for screen in self.browse_screens.values():
            relabel = getattr(screen, "relabel", None)
            if relabel is not None:
                relabel()
        self._speech_key = None
        self._speak()

    # -- voice ----------------------------------------------------------------------
    def on_voice_on(self, _instance: Any, value: bool) -> None:
        self.voice.set_enabled(value)
        if value:
            self._speech_key = None
            self._speak()

    def _speech_now(self) -> tuple[str, str] | None:
        """(step, detail) of what the resident should hear now (kiosk.terminal.voice)."""
        view = self.visit.view
        if view.state is VisitState.HOME:
            return ("home", "")
        if view.state is not VisitState.STEP:
            return None
        from kiosk.flows.approval import ApprovalState

        approval, step = self.approval.view, view.step
        if step == Step.FACE_CHECK and self.approval.face.view.state.value == "closed":
            return None  # the check is over and the visit is moving on: the next step speaks
        details = {
            Step.IDENTIFY: approval.identify_mode or self.availability.identify().value,
            Step.PAPERS: "cannot_file" if approval.state is ApprovalState.CANNOT_FILE else approval.papers_mode,
            Step.SUBMIT: "submit_failed" if approval.state is ApprovalState.SUBMIT_FAILED else "",
            Step.DONE: approval.slip if approval.slip == "note_number" else "print",
            Step.PROGRESS: self.progress.view.state.value,
            Step.FACE_CHECK: self.approval.face.view.detail,
        }
        return (step, details.get(step, ""))

    def _speak(self) -> None:
        """Say the current step's instruction once, in the resident's language;
        the speaker interrupts whatever it was saying."""
        key = self._speech_now()
        if key is None or key == self._speech_key:
            return
        self._speech_key = key
        self.say(instruction(*key))

    def say(self, msgid: str | None) -> None:
        if not msgid:
            return
        self.last_spoken = msgid
        if self.voice_on:
            self.voice.say(i18n.tr(msgid, self.lang), self.lang)

