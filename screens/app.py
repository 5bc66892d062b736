"""The kiosk app: one full-screen window, the resident's session, the idle guard.

``main(settings)`` is what ``kiosk run`` calls.  Kivy reads its window
settings when ``kivy.core.window`` is first imported, so ``configure_kivy``
runs before any screen module (``screens.theme`` already creates the window
through ``kivy.metrics``) is imported; that is why the screen modules are
imported inside ``build``.

Device events arrive on driver threads; ``on_device_event`` only schedules
them onto the Kivy clock, where the identify flow (``kiosk.flows.identify``)
takes them and every widget change happens.  The app forwards events and
intents to the flow and renders its view; the rules live in the flow.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

# Before the first Kivy import: the kiosk's own argv is not Kivy's, and the
# kiosk's logging set-up (with the privacy filter) must stay in charge.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kivy.app import App  # noqa: E402 - after the Kivy environment above
from kivy.clock import Clock  # noqa: E402 - after the Kivy environment above
from kivy.config import Config  # noqa: E402 - after the Kivy environment above
from kivy.properties import BooleanProperty, StringProperty  # noqa: E402 - after the Kivy environment above

from drivers.base import DeviceEvent, Status  # noqa: E402 - after the Kivy environment above
from kiosk.errors import KioskError  # noqa: E402 - after the Kivy environment above
from kiosk.flows.identify import IdentifyFlow, IdentifyView  # noqa: E402 - after the Kivy environment above
from kiosk.flows.session import IdleState, IdleTimer, Session  # noqa: E402 - after the Kivy environment above
from kiosk.health import DeviceSnapshot  # noqa: E402 - after the Kivy environment above
from screens import fonts, i18n  # noqa: E402 - after the Kivy environment above
from screens.services import BY_KEY  # noqa: E402 - after the Kivy environment above

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.2


def configure_kivy(settings: Any) -> None:
    """Window settings and the CJK default font, before the window exists.

    Escape never exits (a resident leaning on a keyboard must not kill the
    kiosk), the mouse cannot fake multitouch (a right click would leave red
    dots), and the cursor is hidden unless the config shows it.
    """
    screen = settings.screen
    Config.set("graphics", "fullscreen", "auto" if screen.fullscreen else "0")
    Config.set("graphics", "width", str(screen.width))
    Config.set("graphics", "height", str(screen.height))
    Config.set("graphics", "show_cursor", "1" if screen.show_cursor else "0")
    Config.set("graphics", "resizable", "0" if screen.fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    fonts.register_default_font()
    try:  # compile now if stale; translations() falls back to memory otherwise
        i18n.compile_catalogs()
    except OSError as exc:
        log.warning("cannot compile translations in place (%s); compiling in memory", exc)
    for lang in i18n.LANGUAGES:
        i18n.translations(lang)  # a broken catalog stops the start, not a resident


class KioskApp(App):
    """Owns the session, the idle timer, the reader subscription and navigation.

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
    title = "Hut kiosk"

    def __init__(self, settings: Any, clock: Any = time.monotonic, **kwargs: Any):
        """``clock`` feeds the idle timer; the demo passes one it can fast-forward."""
        super().__init__(**kwargs)
        self.settings = settings
        self.default_lang = settings.screen.language
        self.lang = self.default_lang
        self.session = Session()
        self.identify_flow = IdentifyFlow(self.session)
        self.idle = IdleTimer(settings.timeouts.idle_seconds, settings.timeouts.idle_warning_seconds,
                              clock=clock, on_warning=self._idle_warning,
                              on_resume=self._idle_resume, on_timeout=self._idle_timeout)
        self.devices: dict[str, Any] = {}
        # Device statuses for the outbox worker's heartbeat (no personal data).
        self.snapshot = DeviceSnapshot(settings.paths.state_dir, self.devices)
        self._unsubscribe: list[Any] = []
        self.sm = None
        self.home = None
        self.identify = None
        self.preparing = None
        self.warning = None

    # -- construction ------------------------------------------------------
    def build(self):
        from kivy.uix.screenmanager import NoTransition, ScreenManager

        import screens.widgets  # noqa: F401  (kv rules of shared widgets)
        from screens.home import HomeScreen
        from screens.identify import IdentifyScreen
        from screens.preparing import PreparingScreen
        from screens.widgets.idle_warning import IdleWarning

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
        self._render_identify(self.identify_flow.view)  # reader unavailable until one reports in
        return self.sm

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.show_cursor = bool(self.settings.screen.show_cursor)
        if self.settings.screen.fullscreen:
            Window.fullscreen = "auto"
        Window.bind(on_touch_down=self._any_touch, on_key_down=self._any_key,
                    on_keyboard=self._swallow_escape, on_request_close=self._refuse_keyboard_close)
        Clock.schedule_interval(self._poll_idle, IDLE_POLL_SECONDS)
        self._start_devices()
        log.info("kiosk app started (language %s, idle %gs, warning %gs)", self.lang,
                 self.idle.timeout_after, self.idle.warning_after)

    def on_stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for name, device in self.devices.items():
            try:
                device.close()
            except Exception:  # closing must not stop closing the others
                log.exception("device %s did not close cleanly", name)
        self.snapshot.write()
        self.snapshot.stop()
        self.session.clear()

    # -- devices -------------------------------------------------------------
    def _start_devices(self) -> None:
        """Open the ID card reader in the background: a slow or missing reader
        must not keep the home screen from appearing."""
        from kiosk.devices import build_device

        for name, cfg in self.settings.devices.items():
            if not cfg.enabled or not cfg.driver.startswith("idcard."):
                continue
            try:
                device = build_device(self.settings, name)
            except KioskError as exc:
                log.error("ID card reader %s cannot be used: %s", name, exc)
                continue
            except Exception:  # a broken driver must not keep the kiosk from starting
                log.exception("ID card reader %s cannot be built", name)
                continue
            self.attach_device(device)
            threading.Thread(target=self._open_device, args=(device,), name=f"open-{name}",
                             daemon=True).start()

    def attach_device(self, device: Any) -> None:
        """Listen to a device (also how a test hands in its own reader)."""
        self.devices[device.name] = device
        self._unsubscribe.append(device.subscribe(self.on_device_event))
        self.identify_flow.attach(device)
        self.snapshot.watch(device)
        self.snapshot.write()

    def _open_device(self, device: Any) -> None:
        from drivers.base import DeviceFailure

        try:
            device.open()
        except DeviceFailure as exc:
            log.error("device %s did not open: %s", device.name, exc)
        except Exception:
            log.exception("device %s did not open", device.name)
        status: Status = device.status
        Clock.schedule_once(lambda _dt: self.identify_flow.reader_status(status))

    def on_device_event(self, event: Any) -> None:
        """Called on a driver's thread: hand the event to the Kivy thread."""
        Clock.schedule_once(lambda _dt: self._handle_device_event(event))

    def _handle_device_event(self, event: Any) -> None:
        if isinstance(event, DeviceEvent):
            self.idle.touch()  # placing or taking a card is the resident acting
        self.identify_flow.handle(event)

    def _render_identify(self, view: IdentifyView) -> None:
        self.card_on_reader = view.card_on_reader
        self.card_reminder = view.card_reminder
        if self.identify is not None:
            self.identify.render(view)

    # -- navigation ------------------------------------------------------------
    def open_service(self, key: str) -> None:
        service = BY_KEY[key]
        self.session.begin(key)
        log.info("service %s chosen", key)
        if service.screen is None:
            self.preparing.service_title = service.title
            self._show("preparing")
        elif service.needs_identity:
            self.show_identify(key)
        else:
            self._show(service.screen)

    def show_identify(self, key: str) -> None:
        """Ask for the ID card on behalf of service ``key``."""
        service = BY_KEY[key]
        if self.session.service != key:
            self.session.begin(key)
        self.identify.service_title = service.title
        self.identify_flow.start()  # also asks the reader for a card already lying there
        self._show("identify")

    def continue_service(self) -> None:
        """After identification: the service's own flow, or the honest message."""
        if not self.identify_flow.confirm():
            log.info("continue pressed before the resident was identified; staying")
            return
        service = BY_KEY.get(self.session.service or "")
        if service is None:
            self.go_home("no service")
        elif service.screen is None:
            self.preparing.service_title = service.title
            self._show("preparing")
        else:
            self._show(service.screen)

    def go_home(self, reason: str = "resident") -> None:
        """End the visit: every trace of the resident goes, on screen and in memory.
        After a timeout the next person also gets the default language back."""
        self.identify_flow.end()  # drops the record, asks for a card left on the reader
        self.session.clear()
        self.identify.service_title = ""
        self.preparing.service_title = ""
        self.warning.dismiss(animation=False)
        if reason == "timeout":
            self.lang = self.default_lang
        self.sm.current = "home"
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

    # -- idle --------------------------------------------------------------------
    def _arm_idle(self) -> None:
        """Count idle time whenever there is something to forget: a screen
        other than home, a session, or a language the next person did not choose."""
        needed = self.sm.current != "home" or self.session.active or self.lang != self.default_lang
        if needed and not self.idle.running:
            self.idle.start()
        elif not needed and self.idle.running:
            self.idle.stop()
            self.warning.dismiss(animation=False)
        else:
            self.idle.touch()

    def _poll_idle(self, _dt: float) -> None:
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


def main(settings: Any) -> int:
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
