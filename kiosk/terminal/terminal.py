"""The terminal: one resident's visit at a time, without a screen.

One object owns what a visit needs (the device owner, the session, the
service flows, identification, the idle wipe, the voice, the background
jobs) and decides everything a screen used to: which service is open, which
step is on screen, where a read card goes, what Back does, when the visit
ends and what it leaves behind (nothing).  It takes intents (open a service,
back, home, continue, language, large text, high contrast, voice, a touch) and publishes one
immutable ``TerminalView``.  The Kivy app builds it, renders its views and
forwards intents; the tests drive the same object in process.

Threads: every method runs on the terminal's thread (Kivy's in the app, an
``EventLoop`` in tests).  Driver events, job outcomes and camera work arrive
on other threads and are ``post``-ed here first.

States (``TRANSITIONS``)::

    home ─open─▶ service ─(the flow's steps)… ─finish / home / timeout─▶ home
      └──open_unbuilt──▶ preparing ─home─▶ home
    home / preparing / closed ─staff card, or long press + PIN─▶ staff ─退出 / card taken / timeout─▶ home
    home ─outside [hut.hours]─▶ closed ─opening time─▶ home   (a visit at closing time finishes first)

Over any of them, without changing it: the staff call's confirmation
(``call_staff``; the call stays pending until cancelled or the visit ends)
and the privacy notice (``open_privacy``; 返回 closes it, the step under it
untouched).  The visit's end closes both.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import replace
from typing import Any, Callable, Iterable

from drivers.base import DeviceError, DeviceEvent, Status, StatusChanged
from drivers.listeners import Listeners
from kiosk.config import Settings
from kiosk.devices.availability import ID_CARD, SLIP, SOCIAL_SECURITY, VOICE, decide
from kiosk.devices.owner import DeviceOwner
from kiosk.devices.snapshot import read_platform_reach
from kiosk.flows.identify import IdentifyFlow, IdentifyState, IdentifyView
from kiosk.flows.jobs import Jobs, ThreadJobs
from kiosk.flows.machine import FlowMachine
from kiosk.flows.service import FlowContext, Service, ServiceFlow, Step
from kiosk.flows.session import IdleState, IdleTimer, Session
from kiosk.identity import Evidence
from kiosk.identity_codes import CodeKind, CodeVerification, ReadsSlips, Refusal, Verified, classify
from kiosk.ops.app_state import WRITE_EVERY_SECONDS, AppStats, write_app_state
from kiosk.ops.staff_gate import StaffGate, gate_for
from kiosk.services import registered
from kiosk.terminal.hut_info import HutInfo, minute_of
from kiosk.terminal.links import CatalogCache, open_outbox
from kiosk.terminal.staff import Power, StaffSession
from kiosk.terminal.staff_call import CALLED_LINE, CANCELLED_LINE, STAFF_ALERT, CallState, StaffCall
from kiosk.terminal.view import TerminalState, TerminalView
from kiosk.terminal.voice import VOLUME_STEPS, Reminder, Speaker, Voice, amplitude, instruction

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], Any]], None]
LANGUAGES = ("zh_CN", "en")


def card_unreadable(code: str | None) -> bool:
    """A card the staff reader could not read as a staff card (drivers/smartcard/codec.py
    ``read_uid``: the reader's status word for a card without a UID, a UID of a wrong length)."""
    return bool(code) and (str(code).startswith("sw_") or code in ("bad_uid", "short_reply"))


class Terminal:
    """One kiosk.  ``post`` moves calls onto the terminal's thread; ``jobs``
    runs flows' blocking work (threads posting back, by default); ``owner``
    the devices (built from ``settings`` when not given); ``presentable`` the
    steps the screens can show (a service with another step is "being
    prepared"); ``translate(msgid, lang)`` the words the voice says; ``now``
    the wall clock (the home screen's date and time, a staff call's time)."""

    TRANSITIONS = {
        **{(s, "open"): TerminalState.SERVICE for s in TerminalState},
        **{(s, "open_unbuilt"): TerminalState.PREPARING for s in TerminalState},
        **{(s, "home"): TerminalState.HOME for s in TerminalState},
        **{(s, "staff"): TerminalState.STAFF for s in (TerminalState.HOME, TerminalState.PREPARING,
                                                       TerminalState.CLOSED)},
        (TerminalState.HOME, "close"): TerminalState.CLOSED,
    }

    def __init__(self, settings: Settings, *, post: Post, jobs: Jobs | None = None, owner: DeviceOwner | None = None,
                 clock: Callable[[], float] = time.monotonic, speaker: Speaker | None = None,
                 translate: Callable[[str, str], str] = lambda msgid, _lang: msgid,
                 presentable: Iterable[Step] | None = None, outbox: Any = None, client: Any = None,
                 catalog: Callable[[], Any] | None = None, face_engine: Callable[[], Any] | None = None,
                 wait_seconds: float | None = None, services: Iterable[Service] | None = None,
                 now: Callable[[], dt.datetime] = dt.datetime.now, gate: StaffGate | None = None,
                 power: Power | None = None):
        self.settings, self.post, self.clock, self.translate, self.now = settings, post, clock, translate, now
        self.jobs = jobs or ThreadJobs(post)
        self.owner = owner or DeviceOwner(settings, snapshot_dir=settings.paths.state_dir)
        self.services = tuple(services if services is not None else registered())
        self.presentable = frozenset(presentable if presentable is not None else Step)
        self.session = Session()
        self.identify = IdentifyFlow(self.session)
        self.codes = CodeVerification(self.jobs, lambda: self.client)   # e-ID codes at the scanner
        self.idle = IdleTimer(settings.timeouts.idle_seconds, settings.timeouts.idle_warning_seconds, clock=clock,
                              on_warning=lambda _remaining: self._publish(),
                              on_resume=self._publish, on_timeout=lambda: self.home("timeout"))
        self.voice = Voice(speaker or Speaker())
        self.reminder = Reminder(clock=clock)
        self.stats = AppStats()
        self.default_lang = settings.screen.language
        self.default_contrast = settings.screen.high_contrast
        self.outbox, self.client, self._catalog_source = outbox, client, catalog
        self.face_engine, self.wait_seconds = face_engine, wait_seconds
        self.flows: dict[str, ServiceFlow[Any, Any]] = {}
        self.staff_call: StaffCall | None = None   # the last call (the heartbeat carries it)
        self._staff_card_waiting: bytes | None = None   # a staff card laid down during a visit, still there
        self.last_spoken = ""                  # the msgid said last (the demo's captions, tests)
        self._speech_key: tuple[str, str] | None = None
        self._step_key: tuple[str, Step | None] = ("", None)
        self._delivered: Any = None            # the identity last handed to a flow without a Continue
        self._catalog: CatalogCache | None = None
        self._listeners: Listeners[TerminalView] = Listeners("terminal")
        self._unsubscribe: list[Callable[[], None]] = []
        self._revision = 0
        self._next_write = 0.0
        self._next_availability = 0.0
        self.view = TerminalView(lang=self.default_lang, high_contrast=self.default_contrast,
                                 hut=HutInfo.from_settings(settings), minute=minute_of(now()))
        self.hours = self.view.hut.hours
        self._dark_at = 0.0
        self.staff = StaffSession(settings, self.owner, gate if gate is not None else gate_for(settings), self.jobs,
                                  post=post, client=lambda: self.client, clock=clock, power=power,
                                  changed=self._publish, left=self._staff_left)

    # -- life cycle -----------------------------------------------------------------------
    def subscribe(self, listener: Callable[[TerminalView], None]) -> Callable[[], None]:
        return self._listeners.subscribe(listener)

    def start(self) -> None:
        """Open the devices (each on its own thread) and listen to them."""
        self._unsubscribe.append(self.identify.subscribe(self._identify_changed))
        self._unsubscribe.append(self.owner.subscribe(lambda event: self.post(lambda: self._device_event(event))))
        self.owner.start()
        self._attach_readers()
        self.refresh_availability()
        self._apply_volume()
        self._publish()
        log.info("terminal started (language %s, idle %gs, warning %gs)", self.view.lang,
                 self.idle.timeout_after, self.idle.warning_after)

    def build(self) -> None:
        """Build the service flows, the platform client and the outbox (the
        app calls it after its first frame: the flows load the pinyin
        dictionary, the client loads requests)."""
        if self.view.ready:
            return
        settings = self.settings
        if self.client is None:
            from kiosk.central.client import CentralClient

            self.client = CentralClient.from_settings(settings)
            self._catalog = CatalogCache(self.client, self.post)
            self._catalog.refresh_in_background()
        if self.outbox is None:
            self.outbox = open_outbox(settings)
        ctx = FlowContext(session=self.session, jobs=self.jobs, availability=lambda: self.view.availability,
                          catalog=self.catalog, printer=lambda: self.owner.first_offering(SLIP),
                          device=self.owner.first_offering, post=self.post, outbox=self.outbox, client=self.client,
                          id_hash_keys=settings.id_hash_keys, hut=settings.terminal.name or settings.terminal.id,
                          face_engine=self.face_engine, settings=settings, devices=self.owner.devices_offering,
                          clock=self.clock)
        if self.wait_seconds is not None:
            ctx.wait_seconds = self.wait_seconds
        for service in self.services:
            if service.flow is None:
                continue
            flow = self.flows[service.key] = service.flow(ctx, service)
            for machine in flow.machines():
                self._unsubscribe.append(machine.subscribe(lambda _view: self._flows_changed()))
        self._update(ready=True)

    def stop(self) -> None:
        """Close every device (flushing counters), the flows' camera work and the voice."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for flow in self.flows.values():
            flow.shutdown()
        self.owner.stop()
        self.session.clear()
        self.voice.close()
        for closable in (self.client, self.outbox):
            close = getattr(closable, "close", None)
            if close is not None:
                close()

    # -- what the screens read ---------------------------------------------------------------
    @property
    def active(self) -> ServiceFlow[Any, Any] | None:
        """The open service's flow (None at home)."""
        return self.flows.get(self.view.service) if self.view.state is TerminalState.SERVICE else None

    def flow(self, key: str) -> ServiceFlow[Any, Any]:
        return self.flows[key]

    @property
    def presenter(self) -> FlowMachine[Any, Any] | None:
        """The machine whose view the current step's screen renders and sends intents to."""
        active = self.active
        if active is None:
            return None
        return self.identify if active.step is Step.IDENTIFY else active.presenter()

    def catalog(self) -> Any:
        """The catalog the flows list matters from (the platform's, cached)."""
        if self._catalog_source is not None:
            return self._catalog_source()
        if self._catalog is None and self.client is not None:
            self._catalog = CatalogCache(self.client, self.post)
        return self._catalog.current() if self._catalog is not None else None

    def identity_readers(self) -> list[Any]:
        """The readers a resident identifies with: ID card readers, and smart
        card readers that read social security cards (not the staff card's)."""
        readers = [*self.owner.devices_offering(ID_CARD), *self.owner.devices_offering(SOCIAL_SECURITY)]
        return list({reader.name: reader for reader in readers}.values())

    # -- intents ----------------------------------------------------------------------------
    def open_service(self, key: str) -> None:
        """A home tile: the service's first step, or "being prepared"."""
        service = next((s for s in self.services if s.key == key), None)
        if service is None:
            raise ValueError(f"unknown service {key!r}")
        # From home there is no visit to end: a card already on the reader is
        # this resident's, placed before choosing, and the identify step reads
        # it again; only a visit that ends asks the readers about a card left.
        self._end_visit(remind=self.view.state is not TerminalState.HOME)
        self.session.begin(key)
        self.stats.session_started(key)
        flow = self.flows.get(key)
        if flow is None or not all(step in self.presentable for step in service.steps):
            self._update(state=TerminalState.PREPARING, service=key, title=service.title)
        else:
            self._update(state=TerminalState.SERVICE, service=key, title=service.title)
            flow.open()
        log.info("service %s chosen (%s)", key, self.view.state)
        self._flows_changed()
        self.write_app_state()
        self.touched()

    def continue_(self) -> bool:
        """Continue on the identify step: the identity goes to the service's flow."""
        active = self.active
        if active is None or active.step is not Step.IDENTIFY:
            return False
        identity = self.identify.confirm()
        if identity is None:
            log.info("continue pressed before the resident was identified; staying")
            return False
        active.identified(identity)
        return True

    def back(self) -> None:
        """返回: the flow's previous step, or home from its first; over the
        privacy notice or the staff call's confirmation, back to the step."""
        if self.view.privacy_open or self.view.staff_call_open:
            self._update(privacy_open=False, staff_call_open=False)
            self.touched()
            return
        active = self.active
        if active is not None and active.step is Step.IDENTIFY:
            self.identify.cancel()  # the record must not outlive its step
        if active is None or not active.back():
            self.home("resident")
        self.touched()

    def home(self, reason: str = "resident") -> None:
        """End the visit: every trace of the resident goes, on screen and in
        memory, and the next person finds the hut's defaults (language, text
        size, contrast, voice), whether the visit ended by 首页, 完成 or the idle timeout.
        首页 in the middle of work the resident would lose (an application
        being filled in) asks once first (``confirm_home``)."""
        active = self.active
        if reason == "resident" and not self.view.confirm_home and active is not None and active.unsaved_work():
            self._update(confirm_home=True)
            self._say(instruction("confirm_home"))
            return
        if self.staff.active:
            self.staff.leave(reason)   # calls back _staff_left, which comes here again with it ended
            return
        self._end_visit()
        self._end_staff_call(CallState.VISIT_ENDED)
        self.voice.set_enabled(True)
        self._update(state=TerminalState.HOME, service="", title="", lang=self.default_lang, large_text=False,
                     high_contrast=self.default_contrast, voice_on=True, confirm_home=False, volume=1,
                     staff_called=False, staff_call_open=False, privacy_open=False, staff_card_note=False)
        self._apply_volume()
        self._flows_changed()
        self.write_app_state()
        self.touched()   # the defaults back: nothing to count down any more
        log.info("back to home (%s)", reason)
        waiting, self._staff_card_waiting = self._staff_card_waiting, None
        if waiting is not None:   # the staff card laid down during the visit still lies there
            self._open_staff_by_card(waiting)

    def discard_visit(self) -> None:
        """"Yes, discard it" on the question ``home`` asked."""
        if self.view.confirm_home:
            self.home("discarded")

    def keep_visit(self) -> None:
        """"No, go on" on the question ``home`` asked: the visit stays as it was."""
        if self.view.confirm_home:
            self._update(confirm_home=False)
            self._speech_key = None
            self._speak()
        self.touched()

    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        self._update(lang=lang)
        self._speech_key = None
        self._speak()
        self.touched()

    def toggle_large_text(self) -> None:
        self._update(large_text=not self.view.large_text)
        self.touched()

    def toggle_contrast(self) -> None:
        """The high-contrast switch beside 大字: black background, yellow and white text."""
        self._update(high_contrast=not self.view.high_contrast)
        self.touched()

    def toggle_voice(self) -> None:
        on = not self.view.voice_on
        self.voice.set_enabled(on)
        self._update(voice_on=on)
        if on:
            self._speech_key = None
            self._speak()
        self.touched()

    def next_volume(self) -> None:
        """The resident's volume control: quiet, the hut's, loud, then quiet again."""
        self._update(volume=(self.view.volume + 1) % len(VOLUME_STEPS))
        self._apply_volume()
        self._speech_key = None
        self._speak()   # the line again, at the new volume: the resident hears the difference
        self.touched()

    def _apply_volume(self) -> None:
        speaker = self.owner.first_offering(VOICE)
        self.voice.set_amplitude(amplitude(getattr(speaker, "volume", 100), self.view.volume))

    # -- a person to help, and what happens to the resident's information -----------------
    def call_staff(self) -> None:
        """呼叫工作人员: the staff are alerted once (the speaker, and the
        heartbeat through the app's state file) and the resident is told they
        are coming; pressed again while the call is pending, it only shows and
        says that again."""
        view = self.view
        if not view.staff_called:
            at = self.now().timestamp()
            self.staff_call = StaffCall(at, view.screen, view.service, changed_at=at)
            self.stats.staff_calls += 1
            log.info("staff called from the %s screen (%s)", view.screen, view.service or "no service")
            if view.voice_available:
                self.voice.alert(self.translate(STAFF_ALERT, "zh_CN"),
                                 self.translate(CALLED_LINE, view.lang) if view.voice_on else "", view.lang)
                self.last_spoken = CALLED_LINE
            self.write_app_state()
        else:
            self._say(CALLED_LINE)
        self._update(staff_called=True, staff_call_open=True)
        self.touched()

    def close_staff_call(self) -> None:
        """好的 on the confirmation: it closes, the call stays (the resident goes on while waiting)."""
        self._update(staff_call_open=False)
        self.touched()

    def cancel_staff_call(self) -> None:
        """取消呼叫: by the resident, or by the staff member who came."""
        if self._end_staff_call(CallState.CANCELLED):
            self._say(CANCELLED_LINE)
        self._update(staff_called=False, staff_call_open=False)
        self.touched()

    def _end_staff_call(self, state: CallState) -> bool:
        call = self.staff_call
        if call is None or not call.pending:
            return False
        self.staff_call = call.moved(state, self.now().timestamp())
        log.info("staff call %s", state.value)
        self.write_app_state()
        return True

    def open_privacy(self) -> None:
        """个人信息保护说明 over the current screen (from home or a consent)."""
        self._update(privacy_open=True, staff_call_open=False)
        self._say(instruction("privacy"))
        self.touched()

    def close_privacy(self) -> None:
        """返回 on the notice: the screen under it as the resident left it."""
        self._update(privacy_open=False)
        self.touched()

    def touched(self) -> None:
        """The resident did something: the idle timer starts over (or stops
        when there is nothing left to forget)."""
        view = self.view
        if view.state is TerminalState.CLOSED:
            self._wake()
            return
        needed = (view.state is not TerminalState.HOME or self.session.active or view.lang != self.default_lang
                  or view.large_text or view.high_contrast != self.default_contrast or not view.voice_on
                  or view.staff_called or view.privacy_open)
        if needed and not self.idle.running:
            self.idle.start()
        elif not needed and self.idle.running:
            self.idle.stop()
        else:
            self.idle.touch()   # ends a warning (on_resume publishes)
        if self.view.idle_warning and self.idle.state is not IdleState.WARNING:
            self._publish()

    def tick(self) -> None:
        """A few times a second from the terminal's thread: the idle timer, the
        card reminder, availability and the app's state file."""
        if self.reminder.due(self.view.card_reminder):  # "please take your card", again while it lies there
            self._say(instruction("card_reminder"))
        active = self.active
        if active is not None:
            if active.keeps_resident_here() and not self.view.idle_warning:
                self.idle.touch()
            active.tick(self.clock())
        if self.staff.busy and not self.view.idle_warning:
            self.idle.touch()   # the staff member is measuring or watching the camera: not idle
        self.idle.poll()
        if self.view.idle_warning and self.view.idle_seconds_left != self._seconds_left():
            self._publish()                              # the countdown the resident watches
        now = self.clock()
        if now >= self._next_availability:
            self.refresh_availability()
        if now >= self._next_write:
            self.write_app_state()
        minute = minute_of(self.now())
        if minute != self.view.minute:
            self._update(minute=minute)                 # the home screen's clock
        if self.staff.active:
            self.staff.tick()
        self._follow_hours(now)

    @property
    def idle_remaining(self) -> float:
        return self.idle.remaining() if self.idle.state is IdleState.WARNING else 0.0

    def _seconds_left(self) -> int:
        return max(0, math.ceil(self.idle_remaining))

    # -- the staff's screen and the opening hours ------------------------------------------------
    def _is_staff_reader(self, name: str) -> bool:
        record = self.owner.record(name)
        return record is not None and "staff_card_uid" in (record.info.get("capabilities") or ())

    def _staff_reader_event(self, event: DeviceEvent) -> None:
        """The staff card reader: a card read opens the staff screen when no
        resident is being served; taking the card away leaves it."""
        if event.kind == "card_removed":
            self._staff_card_waiting = None
            if self.view.staff_card_note:
                self._update(staff_card_note=False)
            self.staff.card_removed()
            return
        if event.kind != "staff_card" or not isinstance(event.data, (bytes, bytearray)):
            return
        if self.staff.open:
            return
        if self.session.active or self.view.state is TerminalState.SERVICE:
            # The visit goes on; the card is not forgotten: a note says the staff
            # screen opens when the visit ends, and it does if the card still lies there.
            log.info("staff card presented during a resident's visit: the staff screen waits for the visit's end")
            self._staff_card_waiting = bytes(event.data)
            self._update(staff_card_note=True, privacy_open=False, staff_call_open=False)
            return
        self._open_staff_by_card(bytes(event.data))

    def _open_staff_by_card(self, uid: bytes) -> None:
        self._update(state=TerminalState.STAFF, screen_dark=False, privacy_open=False, staff_call_open=False)
        self.staff.card_presented(uid)
        self.touched()

    def close_staff_card_note(self) -> None:
        """好的 on the staff card's note: it closes; the card still waits for the visit's end."""
        self._update(staff_card_note=False)
        self.touched()

    def _staff_card_unreadable(self) -> None:
        """A card on the staff reader that answers as no staff card does (a
        bank or social security card): "not a staff card", where the staff
        screen may open at all."""
        if self.session.active or self.view.state is TerminalState.SERVICE or self.staff.open:
            return
        self._update(state=TerminalState.STAFF, screen_dark=False, privacy_open=False, staff_call_open=False)
        self.staff.card_unreadable()
        self.touched()

    def open_staff_pin(self) -> bool:
        """The long press (5 s) in the top-left corner: the maintenance PIN's keypad.
        Refused (False) while a resident's visit is on."""
        if self.session.active or self.view.state is TerminalState.SERVICE or self.staff.active:
            return False
        self._update(state=TerminalState.STAFF, screen_dark=False, privacy_open=False, staff_call_open=False)
        self.staff.request_pin()
        self.touched()
        return True

    def _staff_left(self, reason: str) -> None:
        """The staff session ended (or its entry was refused): back to home
        (and from there to the closed screen outside the hours)."""
        if self.view.state is TerminalState.STAFF:
            self.home("staff " + reason)
        self._follow_hours(self.clock())

    def mode(self) -> str:
        """What the heartbeat reports: ``in_use`` (a resident's visit), ``staff``
        (the staff screen), ``closed`` (outside the opening hours) or ``idle``."""
        if self.view.state is TerminalState.STAFF:
            return "staff"
        if self.session.active or self.view.state is TerminalState.SERVICE:
            return "in_use"
        return "closed" if self.view.state is TerminalState.CLOSED else "idle"

    def _follow_hours(self, now: float) -> None:
        """Close when the hours end (only at home: a visit finishes first),
        open when they begin, and ask for the backlight off after a few
        minutes of the closed screen untouched."""
        hours = self.hours
        state = self.view.state
        if hours is None or state not in (TerminalState.HOME, TerminalState.CLOSED):
            return
        moment = self.now()
        is_open = hours.is_open(moment)
        if state is TerminalState.HOME and not is_open and not self.session.active:
            reopens = hours.next_opening(moment)
            self._dark_at = now + hours.screen_off_seconds
            self.idle.stop()
            self._update(state=TerminalState.CLOSED, reopens=minute_of(reopens) if reopens else "", screen_dark=False)
            log.info("outside the opening hours: closed (open again %s)", self.view.reopens or "not within 60 days")
            self.write_app_state()
        elif state is TerminalState.CLOSED and is_open:
            self._update(state=TerminalState.HOME, reopens="", screen_dark=False)
            log.info("opening hours: open")
            self.write_app_state()
        elif state is TerminalState.CLOSED and not self.view.screen_dark and now >= self._dark_at:
            self._update(screen_dark=True)

    def _wake(self) -> None:
        """A touch on the closed screen: the backlight on, the hours shown, dark again later."""
        if self.hours is not None:
            self._dark_at = self.clock() + self.hours.screen_off_seconds
        if self.view.screen_dark:
            self._update(screen_dark=False)

    # -- what happens ---------------------------------------------------------------------------
    def _attach_readers(self) -> None:
        """Every reader a resident identifies with, as soon as it says what it
        reads (a smart card reader tells when it has opened, which may be late)."""
        attached = {reader.name for reader in self.identify.readers}
        for capability, evidence in ((ID_CARD, Evidence.ID_CARD), (SOCIAL_SECURITY, Evidence.SOCIAL_SECURITY_CARD)):
            for reader in self.owner.devices_offering(capability):
                if reader.name not in attached:
                    self.identify.attach(reader, evidence)
                    attached.add(reader.name)

    def _device_event(self, event: Any) -> None:
        if isinstance(event, StatusChanged):
            self._attach_readers()
            self.refresh_availability()
        if isinstance(event, DeviceEvent) and event.kind in ("staff_card", "card_removed", "card_left") \
                and self._is_staff_reader(event.device):
            self._staff_reader_event(event)
            return
        if isinstance(event, DeviceError) and card_unreadable(event.code) and self._is_staff_reader(event.device):
            self._staff_card_unreadable()
        if self.staff.open:
            self.staff.device_event(event)   # a health device's self-test measurement
        if isinstance(event, DeviceEvent) and event.kind == "code" and isinstance(event.data, str):
            self._code_scanned(event.data)
            return
        if not any(reader.name == event.device for reader in self.identify.readers):
            return
        if isinstance(event, DeviceEvent):
            self.touched()  # placing or taking a card is the resident acting
        self.identify.handle(event)

    def _code_scanned(self, text: str) -> None:
        """A code shown to the scanner, routed like a placed card: a slip's QR
        to the progress query waiting for one, an identity code to the
        identify step waiting for a resident (verified by the platform)."""
        if self.view.state is not TerminalState.SERVICE:
            return   # at home, on the staff screen or closed a code is no one's business
        self.touched()
        kind, active = classify(text), self.active
        if kind is CodeKind.SLIP and isinstance(active, ReadsSlips) and active.camera_wanted:
            active.slip_read(text)
            return
        identify = self.identify
        if not identify.waits_for_code:
            if identify.view.code_mode == "offline" and identify.state is not IdentifyState.IDENTIFIED:
                identify.code_refused(Refusal.OFFLINE.value)
            return
        if kind is not CodeKind.IDENTITY:
            identify.code_refused(Refusal.NOT_ID.value)
            return
        if self.codes.start(text, self._code_verified):
            identify.code_verifying()
            log.info("an identity code was scanned: asking the platform")

    def _code_verified(self, outcome: Verified) -> None:
        if outcome.identity is not None:
            self.identify.code_identified(outcome.identity)
        else:
            self.identify.code_refused((outcome.refusal or Refusal.FAILED).value)

    def refresh_availability(self) -> None:
        settings = self.settings
        reach = read_platform_reach(settings.paths.state_dir, 3 * settings.platform.heartbeat_seconds)
        self._next_availability = self.clock() + self.owner.snapshot_interval
        available = decide(self.owner.records().values(), reach)
        changed = available != self.view.availability
        self._update(availability=available, voice_available=available.voice is not False)
        self.identify.scanner_status(available.code_scanner, available.online)
        if changed:
            for flow in self.flows.values():
                flow.availability_changed(available)

    def _identify_changed(self, view: IdentifyView) -> None:
        active = self.active
        request = active.card_request() if active is not None else None
        if view.state is IdentifyState.IDENTIFIED and active is not None and request is not None \
                and not request.confirm:
            identity = self.session.identity
            if identity is not None and identity != self._delivered:
                self._delivered = identity
                active.identified(identity)
        taken = self.view.card_on_reader and not view.card_on_reader
        self._update(card_on_reader=view.card_on_reader, card_reminder=view.card_reminder)
        if taken and active is not None:
            active.card_taken()
        self._flows_changed()

    def _flows_changed(self) -> None:
        """A flow moved: follow its step (identification starts and ends with
        the steps that ask for a card), republish, and say the new line."""
        active = self.active
        step = active.step if active is not None else None
        key = (self.view.service if active is not None else "", step)
        if key != self._step_key:
            self._step_key = key
            self._delivered = None
            self.touched()   # a new step counts as the resident acting: the idle count starts over
            request = active.card_request() if active is not None else None
            self.codes.forget()   # a code's answer belongs to the step it was shown at
            if request is not None:
                self.identify.start(request)   # also asks the readers for a card already lying there
            elif self.identify.state is not IdentifyState.CLOSED:
                self.identify.cancel()
        self._publish()
        self._speak()

    def _end_visit(self, remind: bool = True) -> None:
        active = self.active
        if remind:
            self.identify.end()  # drops the record, asks for a card left on the reader
        else:
            self.identify.cancel()  # drops the record
        if active is not None:
            active.close()
        self.session.clear()
        self.codes.forget()
        self._delivered = None
        self._step_key = ("", None)
        self.idle.stop()

    # -- publishing ---------------------------------------------------------------------------------
    def _update(self, **changes: Any) -> None:
        self.view = replace(self.view, **changes)
        self._publish()

    def _publish(self) -> None:
        """The one view, with what is derived from the flows at this moment:
        the step (the flow's), its place in the visit, and its view."""
        active, presenter = self.active, self.presenter
        step = active.step if active is not None else None
        steps = active.steps() if active is not None else ()
        total = len(steps) if active is None or active.steps_known() else -1   # -1: "step 1", no total yet
        self._revision += 1
        self.view = replace(self.view, step=step, index=steps.index(step) if step in steps else 0, total=total,
                            step_view=presenter.view if presenter is not None else None, identify=self.identify.view,
                            revision=self._revision, idle_warning=self.idle.state is IdleState.WARNING,
                            idle_seconds_left=self._seconds_left(), staff=self.staff.view)
        self._listeners.publish_latest(lambda: self.view)

    # -- voice --------------------------------------------------------------------------------------
    def _speech_now(self) -> tuple[str, str] | None:
        """(step, detail) of the line the resident should hear now (None: nothing new)."""
        view = self.view
        if view.state is TerminalState.HOME:
            return ("home", "")
        active = self.active
        if view.state is not TerminalState.SERVICE or active is None or view.step is None:
            return None
        detail = active.speech()
        if detail is None:
            return None
        code = self.identify.view.code_state
        if view.step is Step.IDENTIFY and code and code != "verifying":
            return (view.step.value, f"code_{code}")   # why the code shown identified nobody
        if view.step is Step.IDENTIFY and not detail:
            detail = view.availability.identify().value
        return (view.step.value, detail)

    def _speak(self) -> None:
        key = self._speech_now()
        if key is not None and key != self._speech_key:
            self._speech_key = key
            self._say(instruction(*key))

    def _say(self, msgid: str | None) -> None:
        if msgid:
            self.last_spoken = msgid
            if self.view.voice_on and self.view.voice_available:
                self.voice.say(self.translate(msgid, self.view.lang), self.view.lang)

    # -- the app's state -------------------------------------------------------------------
    def write_app_state(self) -> None:
        """For the metrics and for ``kiosk update`` (which never restarts under a resident)."""
        self._next_write = self.clock() + WRITE_EVERY_SECONDS
        self.stats.session_active = self.session.active
        self.stats.printing = any(d.status is Status.BUSY for d in self.owner.devices_offering(SLIP))
        self.stats.staff_call = self.staff_call
        self.stats.mode = self.mode()
        write_app_state(self.settings.paths.state_dir, self.stats)
