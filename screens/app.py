"""The kiosk app: one full-screen window, the resident's session, the idle guard.

``main(settings)`` is what ``kiosk run`` calls.  Kivy reads its window
settings when ``kivy.core.window`` is first imported, so ``configure_kivy``
runs before any screen module (``screens.theme`` already creates the window
through ``kivy.metrics``) is imported; that is why the screen modules are
imported inside ``build``.

The devices belong to ``kiosk.devices.owner.DeviceOwner``, which opens them
in the background and leaves their states for the heartbeat; the app only
subscribes to it.  Device events arrive on driver threads; ``on_device_event``
only schedules them onto the Kivy clock, where the flows take them and every
widget change happens.  Routing is ``kiosk.flows.visit.VisitFlow``; what the
screens may offer is ``kiosk.devices.availability``.  The app forwards events and
intents to the flows and maps their views to screens; the rules live in kiosk/.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any, Callable

# Before the first Kivy import: the kiosk's own argv is not Kivy's, and the
# kiosk's logging set-up (with the privacy filter) must stay in charge.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.properties import (  # noqa: E402
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.central.client import CentralError  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.devices.availability import Availability  # noqa: E402
from kiosk.devices.owner import DeviceOwner  # noqa: E402
from kiosk.errors import KioskError  # noqa: E402
from kiosk.flows.identify import IdentifyFlow, IdentifyState, IdentifyView  # noqa: E402
from kiosk.flows.services import Step, accepts_social_security  # noqa: E402
from kiosk.flows.session import IdleTimer, Session  # noqa: E402
from kiosk.flows.visit import VisitFlow, VisitState, VisitView  # noqa: E402
from kiosk.ops.app_state import WRITE_EVERY_SECONDS, AppStats  # noqa: E402
from kiosk.ops.watchdog import NotifySocket, ServiceNotifier, watchdog_interval  # noqa: E402
from kiosk.terminal.voice import Reminder, Speaker  # noqa: E402
from screens import browse, filing, i18n  # noqa: E402
from screens.appliance import ApplianceLink  # noqa: E402
from screens.idle_guard import IdleGuard  # noqa: E402
from screens.resident_flows import ResidentFlows, Voice  # noqa: E402
from screens.startup import configure_kivy, open_outbox, theme_scale  # noqa: E402

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.2
# How often the main loop asks the notifier whether to tell systemd something;
# well under half of any sensible WatchdogSec.
NOTIFY_TICK_SECONDS = 1.0
# The one thing screens decide: which Kivy screen presents which step.
STEP_SCREENS: dict[str, str] = {Step.IDENTIFY: "identify", **browse.STEPS, **filing.STEPS}


class KioskApp(ResidentFlows, ApplianceLink, IdleGuard, App):
    """Binds the flows and the device owner to the screens.

    Screens call ``open_service``, ``continue_service``, ``go_home`` and
    ``set_language``; they never touch devices or the session's contents.
    """

    lang = StringProperty("zh_CN")
    # Mirrors of the identify flow's view, for the kv rules of every screen.
    # The ID card is still on the reader after the visit ended: the home
    # screen asks the resident to take it until the reader says it is gone.
    card_reminder = BooleanProperty(False)
    # What the reader last said: is a card lying on it?
    card_on_reader = BooleanProperty(False)
    # What the screens may offer now (kiosk.devices.availability), for kv rules.
    availability = ObjectProperty(Availability(), rebind=True)
    # Accessibility switches on every screen (the frame's header); kv sizes
    # text by ``text_scale`` and the voice speaks only while ``voice_on``.
    large_text = BooleanProperty(False)
    text_scale = NumericProperty(1.0)
    voice_on = BooleanProperty(True)
    # A window taller than wide: layouts stack instead of sitting side by side.
    portrait = BooleanProperty(False)
    # "Step 2 of 5": the visit flow's position (index is 0-based; total 0 = no steps).
    step_index = NumericProperty(0)
    step_total = NumericProperty(0)
    # Every screen and flow is built: the home screen comes first, the rest
    # just after its first frame (a resident sees the kiosk a second sooner).
    ready = BooleanProperty(False)
    title = "Hut kiosk"

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic,
                 owner: DeviceOwner | None = None, speaker: Speaker | None = None,
                 face_engine: Callable[[], Any] | None = None, **kwargs: Any):
        """``clock`` feeds the idle timer; the demo passes one it can fast-forward.
        ``owner`` replaces the device owner (tests hand in their own devices);
        ``speaker`` the voice (tests have it write WAV files); ``face_engine``
        the face check's engine (the virtual hut's cooperative resident)."""
        super().__init__(**kwargs)
        self.settings = settings
        self.default_lang = settings.screen.language
        self.lang = self.default_lang
        self.session = Session()
        self.identify_flow = IdentifyFlow(self.session)
        self.visit = VisitFlow(self.session, presentable=STEP_SCREENS)
        self.idle = IdleTimer(settings.timeouts.idle_seconds, settings.timeouts.idle_warning_seconds,
                              clock=clock, on_warning=self._idle_warning,
                              on_resume=self._idle_resume, on_timeout=self._idle_timeout)
        # The devices belong to the owner; it also leaves their states for the heartbeat.
        self.owner = owner or DeviceOwner(settings, snapshot_dir=settings.paths.state_dir)
        self._unsubscribe: list[Any] = []
        # The resident flows, the platform client and the outbox: built in _build_rest.
        self.client: Any = None
        self.outbox: Any = None
        self.approval: Any = None
        self.guide: Any = None
        self.progress: Any = None
        self._catalog_memo: Any = None
        self.face_engine = face_engine
        self.face_runner: Any = None
        self.slip_watch: Any = None
        self.voice = Voice(speaker or Speaker())
        self.reminder = Reminder(clock=clock)
        self.last_spoken = ""          # the msgid said last (the demo's captions, tests)
        self._speech_key: tuple[str, str] | None = None
        self.browse_screens: dict[str, Any] = {}
        self.sm = None
        self.home = None
        self.identify = None
        self.preparing = None
        self.warning = None
        self.stats = AppStats()  # sessions per flow, frame times, busy flags: app-state.json
        self.notifier = ServiceNotifier(watchdog_interval(os.environ, os.getpid()))
        self.notify_socket = NotifySocket()

    # -- construction ------------------------------------------------------
    def build(self):
        from kivy.core.window import Window
        from kivy.uix.screenmanager import NoTransition, ScreenManager

        import screens.widgets  # noqa: F401  (kv rules of shared widgets)
        from screens.home import HomeScreen
        from screens.identify import IdentifyScreen
        from screens.preparing import PreparingScreen
        from screens.widgets.idle_warning import IdleWarning

        Window.bind(size=self._window_resized)
        self._window_resized(Window, Window.size)
        # No slide animations: they confuse elderly users and blur screenshots.
        self.sm = ScreenManager(transition=NoTransition())
        self.home = HomeScreen(name="home")
        self.identify = IdentifyScreen(name="identify")
        self.preparing = PreparingScreen(name="preparing")
        for screen in (self.home, self.identify, self.preparing):
            self.sm.add_widget(screen)
        self.warning = IdleWarning()
        self.warning.bind(on_continue=lambda *_: self.idle.touch())
        # The flow's listener runs on the thread that feeds the flow: the Kivy one.
        self._unsubscribe.append(self.identify_flow.subscribe(self._render_identify))
        self.bind(lang=self._language_changed)
        self._render_identify(self.identify_flow.view)  # reader unavailable until one reports in
        Window.bind(on_flip=self._first_frame)
        return self.sm

    def _first_frame(self, window: Any) -> None:
        window.unbind(on_flip=self._first_frame)
        Clock.schedule_once(lambda _dt: self._build_rest())

    def _build_rest(self) -> None:
        """The resident flows and every other screen, once home is on the glass.
        (The flows pull in the pinyin dictionary and the platform client.)"""
        from kiosk.central.client import CentralClient
        from kiosk.flows.approval import ApprovalFlow
        from kiosk.flows.guide import GuideFlow
        from kiosk.flows.progress import ProgressFlow

        settings = self.settings
        self.client = CentralClient.from_settings(settings)
        self.outbox = open_outbox(settings)
        hut = settings.terminal.name or settings.terminal.id
        catalog = self._catalog
        # The flows follow the visit: subscribed before the app's renderer, they change first.
        self.approval = ApprovalFlow(self.session, self.visit, catalog, lambda: self.availability, self.outbox,
                                     self._printer, hut=hut, id_hash_key=settings.id_hash_keys)
        self.guide = GuideFlow(self.visit, catalog, lambda: self.availability, self._printer, hut=hut)
        self.progress = ProgressFlow(self.visit, self.client, settings.id_hash_keys,
                                     lambda: self.availability, catalog)
        self.face_runner = self.run_face_checks(settings)
        self.slip_watch = self.watch_for_slips()
        self.browse_screens = browse.add_browse_screens(self)
        filing.add_filing_screens(self)
        self._unsubscribe.append(self.visit.subscribe(self._render_visit))
        self._unsubscribe.append(self.approval.subscribe(self._render_approval))
        self._unsubscribe.append(self.approval.face.subscribe(lambda _view: self._speak()))
        self._unsubscribe.append(self.guide.subscribe(self._render_guide))
        self._unsubscribe.append(self.progress.subscribe(self._render_progress))
        threading.Thread(target=self._refresh_catalog, name="catalog", daemon=True).start()
        self.ready = True

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.show_cursor = bool(self.settings.screen.show_cursor)
        if self.settings.screen.fullscreen:
            Window.fullscreen = "auto"
        Window.bind(on_touch_down=self._any_touch, on_key_down=self._any_key,
                    on_keyboard=self._swallow_escape, on_request_close=self._refuse_keyboard_close)
        Clock.schedule_interval(self._poll_idle, IDLE_POLL_SECONDS)
        self._unsubscribe.append(self.owner.subscribe(self.on_device_event))
        self.owner.start()  # builds now, opens each device on its own thread
        for reader in self.identity_readers():
            self.identify_flow.attach(reader)
        Clock.schedule_interval(lambda _dt: self._update_availability(), self.owner.snapshot_interval)
        self._update_availability()
        self._speak()
        Clock.schedule_interval(lambda dt: self.stats.frame(dt), 0)  # every frame: the UI's frame time
        Clock.schedule_interval(lambda _dt: self._write_app_state(), WRITE_EVERY_SECONDS)
        if self.notify_socket.enabled:
            every = self.notifier.ping_every
            Clock.schedule_interval(self._notify_systemd, min(NOTIFY_TICK_SECONDS, every / 2) if every
                                    else NOTIFY_TICK_SECONDS)
        log.info("kiosk app started (language %s, idle %gs, warning %gs)", self.lang,
                 self.idle.timeout_after, self.idle.warning_after)

    def on_stop(self) -> None:
        self.notify_socket.send(self.notifier.stopping())
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for watcher in (self.face_runner, self.slip_watch):
            if watcher is not None:
                watcher.close()
        self.owner.stop()  # closes every device (flushing counters), writes the last snapshot
        self.session.clear()
        self.voice.close()
        if self.client is not None:
            self.client.close()
        if self.outbox is not None:
            self.outbox.close()

    def _render_identify(self, view: IdentifyView) -> None:
        self.card_on_reader = view.card_on_reader
        self.card_reminder = view.card_reminder
        if self.identify is not None:
            self.identify.render(view)
        if view.state is IdentifyState.IDENTIFIED and self.visit.view.step == Step.PROGRESS:
            self.run_job(self.progress, self.progress.card_read(self.session.resident))


    def _refresh_catalog(self) -> None:
        """The platform's catalog into the client's cache (the flows read the
        cache when a step opens); the cached copy serves while it is unreachable."""
        try:
            self.client.catalog()
        except (CentralError, KioskError, OSError) as exc:
            log.warning("catalog not refreshed (%s); using the cached copy", type(exc).__name__)
            return
        Clock.schedule_once(lambda _dt: setattr(self, "_catalog_memo", None))  # read the new one next time

    def _catalog(self) -> Any:
        """The cached catalog, parsed once per refresh (not on every step that lists matters)."""
        if self._catalog_memo is None:
            self._catalog_memo = self.client.cached_catalog()
        return self._catalog_memo

    # -- accessibility -----------------------------------------------------------
    def _window_resized(self, _window: Any, size: tuple[int, int]) -> None:
        self.portrait = size[1] > size[0]

    def on_large_text(self, _instance: Any, value: bool) -> None:
        self.text_scale = theme_scale(value)

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self._arm_idle()

    def toggle_voice(self) -> None:
        self.voice_on = not self.voice_on
        self._arm_idle()

    # -- navigation ------------------------------------------------------------
    def _render_visit(self, view: VisitView) -> None:
        """The visit flow decided where the resident is; show that screen."""
        self.step_index = view.index
        self.step_total = view.total
        if view.state is VisitState.PREPARING:
            self.preparing.service_title = view.title
            self._show("preparing")
        elif view.state is VisitState.STEP:
            if view.step in (Step.IDENTIFY, Step.PROGRESS):  # progress reads the card itself
                # also asks the readers for a card already lying there
                matter = self.approval.view.matter if self.approval is not None else None
                self.identify_flow.start(accept_social_security=accepts_social_security(view.service, matter))
            name = STEP_SCREENS[view.step]
            screen = self.sm.get_screen(name)
            if hasattr(screen, "service_title"):
                screen.service_title = view.title
            self._show(name)
        else:
            self._show("home")
        self._speak()

    def open_service(self, key: str) -> None:
        """A home tile: the visit flow decides the first step (or "being prepared")."""
        self.stats.session_started(key)
        self.visit.choose(key)
        self._write_app_state()

    def show_identify(self, key: str) -> None:
        """Open service ``key`` at its identify step (the demo, the UI tests)."""
        self.visit.choose(key, at_step=Step.IDENTIFY)

    def continue_service(self) -> None:
        """Continue on the identify screen: on to the service's next step."""
        if not self.identify_flow.confirm():
            log.info("continue pressed before the resident was identified; staying")
            return
        self.visit.next()

    def go_back(self) -> None:
        """返回: the previous step, or home from the first one (the flows decide;
        filing refuses once the application is in the outbox)."""
        view = self.visit.view
        if view.step in (Step.IDENTIFY, Step.PROGRESS):
            self.identify_flow.end()  # the record must not outlive its step
        if view.state is VisitState.STEP and view.service == "approval" and view.index > 0:
            self.approval.back()
        else:
            self.visit.back()
        if self.visit.state is VisitState.HOME:
            self.go_home("resident")

    def go_home(self, reason: str = "resident") -> None:
        """End the visit: every trace of the resident goes, on screen and in memory.
        After a timeout the next person also gets the default language back."""
        self.identify_flow.end()  # drops the record, asks for a card left on the reader
        self.visit.home()         # clears the session
        self.identify.service_title = ""
        self.preparing.service_title = ""
        self.warning.dismiss(animation=False)
        if reason == "timeout":  # the next person starts from the defaults
            self.lang = self.default_lang
            self.large_text = False
            self.voice_on = True
        self.sm.current = "home"
        self._write_app_state()
        log.info("back to home (%s)", reason)
        self._arm_idle()

    def set_language(self, lang: str) -> None:
        if lang not in i18n.LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        self.lang = lang
        self._arm_idle()

    def _show(self, name: str) -> None:
        self.sm.current = name
        self._arm_idle()


def main(settings: Settings) -> int:
    """Run the kiosk on this terminal's screen until the window closes."""
    configure_kivy(settings)
    app = KioskApp(settings)

    def stop_gracefully(signum: int, _frame: Any) -> None:
        # systemd stops the kiosk with SIGTERM: close devices (their counters
        # are flushed on close) and drop the session instead of dying mid-frame.
        log.info("signal %d: stopping the kiosk app", signum)
        Clock.schedule_once(lambda _dt: app.stop())

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop_gracefully)
    app.run()
    return 0
