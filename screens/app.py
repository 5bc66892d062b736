"""The kiosk app: the terminal on a full-screen window.

``main(settings)`` is what ``kiosk run`` calls.  Kivy reads its window
settings when ``kivy.core.window`` is first imported, so ``configure_kivy``
runs before any screen module (``screens.theme`` already creates the window
through ``kivy.metrics``) is imported; that is why the screen modules are
imported inside ``build``.

Everything that decides is ``kiosk.terminal.Terminal``: which service and
step are on screen, where a card goes, what Back does, when the visit ends.
The app builds the terminal on the Kivy clock (``post``), renders its one
view (the step's screen, the properties kv rules read) and forwards intents
(the frame's buttons, the tiles, touches).  Systemd's watchdog is pinged
from this clock, so a frozen UI stops the pings.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from functools import partial
from typing import Any, Callable

# Before the first Kivy import: the kiosk's own argv is not Kivy's, and the
# kiosk's logging set-up (with the privacy filter) must stay in charge.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty  # noqa: E402

from kiosk.config import Settings  # noqa: E402
from kiosk.devices.availability import Availability  # noqa: E402
from kiosk.ops.watchdog import NotifySocket, ServiceNotifier, status_line, watchdog_interval  # noqa: E402
from kiosk.terminal.hut_info import HutInfo  # noqa: E402
from kiosk.terminal.terminal import Terminal  # noqa: E402
from kiosk.terminal.view import TerminalView  # noqa: E402
from kiosk.terminal.voice import Speaker  # noqa: E402
from screens import i18n  # noqa: E402
from screens.shelf import ScreenShelf  # noqa: E402
from screens.startup import configure_kivy, theme_scale  # noqa: E402

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
# The steps' screens not built yet are built one per tick once home has stood this long
# untouched (screens/shelf.py): the kiosk waiting for its next resident.
PREBUILD_IDLE_SECONDS = 3.0
# How often the main loop asks the notifier whether to tell systemd something;
# well under half of any sensible WatchdogSec.
NOTIFY_TICK_SECONDS = 1.0


def kivy_post(call: Callable[[], Any]) -> None:
    """The terminal's ``post``: run ``call`` on the Kivy thread, next frame."""
    Clock.schedule_once(lambda _dt: call())


class KioskApp(App):
    """Renders the terminal's view; the properties mirror it for kv rules."""

    lang = StringProperty("zh_CN")
    card_reminder = BooleanProperty(False)   # the card still lies on the reader after the visit
    card_on_reader = BooleanProperty(False)
    availability = ObjectProperty(Availability(), rebind=True)
    large_text = BooleanProperty(False)
    text_scale = NumericProperty(1.0)
    high_contrast = BooleanProperty(False)
    # The colours kv rules read (``app.palette.TEXT``): screens.theme's standard or
    # high-contrast palette; set from the view, so the switch recolours every screen live.
    palette = ObjectProperty(None, rebind=True)   # rebind: kv rules follow the new palette, not only app.palette
    voice_on = BooleanProperty(True)
    voice_available = BooleanProperty(True)   # the speaker works (kiosk doctor and the heartbeat say when not)
    volume = NumericProperty(1)               # the resident's step: 0 quiet, 1 normal, 2 loud
    portrait = BooleanProperty(False)        # a window taller than wide: layouts stack
    step_index = NumericProperty(0)          # "step 2 of 5" (0-based; total 0 = no steps)
    step_total = NumericProperty(0)
    ready = BooleanProperty(False)           # every screen and flow is built
    staff_called = BooleanProperty(False)    # 呼叫工作人员 pressed and pending: the header says 已呼叫
    minute = StringProperty("")              # "2026-03-05T14:05": the home screen's clock
    hut = ObjectProperty(HutInfo(), rebind=True)   # the hut's name, hours, help line (kiosk.toml)
    title = "Hut kiosk"

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic, owner: Any = None,
                 speaker: Speaker | None = None, face_engine: Callable[[], Any] | None = None, **kwargs: Any):
        """``clock`` feeds the idle timer (the demo fast-forwards it); ``owner``
        replaces the device owner (tests hand in their own devices); ``speaker``
        the voice; ``face_engine`` the face check's engine (the virtual hut's resident)."""
        super().__init__(**kwargs)
        from screens import theme  # after configure_kivy (kivy.metrics makes the window)

        self.settings = settings
        self.lang = settings.screen.language
        self.high_contrast = settings.screen.high_contrast
        self.palette = theme.palette(self.high_contrast)
        from kiosk.ops.display_power import DisplayPower
        from kiosk.terminal.staff import Power

        # Restart: the app stops and systemd starts it again (kiosk.service: Restart=always).
        power = Power(restart_app=lambda: Clock.schedule_once(lambda _dt: self.stop()))
        self.terminal = Terminal(settings, post=kivy_post, owner=owner, clock=clock, speaker=speaker,
                                 translate=i18n.tr, presentable=_presentable(), face_engine=face_engine, power=power)
        self.display = DisplayPower()             # the backlight outside the opening hours
        self.corner: Any = None                   # the long press that opens the staff PIN keypad
        self.sm: Any = None
        # by step name (and home, preparing); a step's screen is built when first shown or while
        # home stands idle (_prebuild)
        self.screens = ScreenShelf(lambda screen: self.sm.add_widget(screen))
        self.screens.when_built(self._built)
        self.warning: Any = None
        self.confirm: Any = None
        self.staff_call: Any = None
        self.privacy: Any = None
        self._shown: Any = None
        self._quiet_since: float | None = None   # since when home has stood untouched (None: not now)
        self._prebuilding: Any = None
        self.notifier = ServiceNotifier(watchdog_interval(os.environ, os.getpid()))
        self.notify_socket = NotifySocket()

    # -- construction ------------------------------------------------------------------
    def build(self) -> Any:
        from kivy.core.window import Window
        from kivy.uix.screenmanager import NoTransition, ScreenManager

        import screens.widgets  # noqa: F401  (kv rules of shared widgets)
        from screens import offscreen
        from screens.closed import ClosedScreen
        from screens.home import HomeScreen
        from screens.preparing import PreparingScreen
        from screens.staff import CornerPress, StaffScreen
        from screens.widgets.confirm_home import ConfirmHome
        from screens.widgets.idle_warning import IdleWarning
        from screens.widgets.privacy_notice import PrivacyNotice
        from screens.widgets.staff_call import StaffCallDialog
        from screens.widgets.staff_card_note import StaffCardNote

        offscreen.render_when_shown()   # the kept screens' labels drawn when shown, not at every switch
        Window.bind(size=lambda _w, size: setattr(self, "portrait", size[1] > size[0]))
        self.portrait = Window.size[1] > Window.size[0]
        # No slide animations: they confuse elderly users and blur screenshots.
        self.sm = ScreenManager(transition=NoTransition())
        for screen in (HomeScreen(name="home"), PreparingScreen(name="preparing"), StaffScreen(name="staff"),
                       ClosedScreen(name="closed")):
            self.screens.put(screen)
        self.warning = IdleWarning()
        self.warning.bind(on_continue=lambda *_: self.terminal.touched())
        self.confirm = ConfirmHome()
        self.confirm.bind(on_discard=lambda *_: self.terminal.discard_visit(),
                          on_keep=lambda *_: self.terminal.keep_visit())
        self.staff_call = StaffCallDialog()
        self.staff_call.bind(on_cancel_call=lambda *_: self.terminal.cancel_staff_call(),
                             on_ok=lambda *_: self.terminal.close_staff_call())
        self.privacy = PrivacyNotice()
        self.privacy.bind(on_back=lambda *_: self.terminal.close_privacy())
        self.staff_card_note = StaffCardNote()
        self.staff_card_note.bind(on_ok=lambda *_: self.terminal.close_staff_card_note())
        self.corner = CornerPress(Window, allowed=lambda: self.terminal.view.screen in ("home", "preparing", "closed"),
                                  fire=self.terminal.open_staff_pin)
        self.terminal.subscribe(self.render)
        self.bind(lang=self._language_changed)
        Window.bind(on_flip=self._first_frame)
        return self.sm

    def _first_frame(self, window: Any) -> None:
        window.unbind(on_flip=self._first_frame)
        Clock.schedule_once(lambda _dt: self._build_rest())

    def _build_rest(self) -> None:
        """The steps' screens offered to the shelf (each built when first shown or
        while home stands idle, screens/shelf.py) and the services' flows, once home
        is on the glass (the flows pull in the pinyin dictionary and the platform client)."""
        from screens.steps import step_screens

        for cls in set(step_screens().values()):
            self.screens.offer(tuple(step.value for step in cls.steps), partial(_make_screen, cls))
        self.terminal.build()
        self.ready = True

    def _prebuild(self, _dt: float) -> None:
        """One step's screen built, when home has stood untouched for PREBUILD_IDLE_SECONDS."""
        if not self.ready or self._shown is not self.screens.get("home"):
            self._quiet_since = None
            return
        now = time.monotonic()
        if self._quiet_since is None:
            self._quiet_since = now
        elif now - self._quiet_since >= PREBUILD_IDLE_SECONDS and not self.screens.build_next():
            self._prebuilding.cancel()

    def _built(self, screen: Any) -> None:
        """A step's screen just built: in the language shown now."""
        relabel = getattr(screen, "relabel", None)
        if relabel is not None:
            relabel()

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.show_cursor = bool(self.settings.screen.show_cursor)
        if self.settings.screen.fullscreen:
            Window.fullscreen = "auto"
        Window.bind(on_touch_down=self._any_input, on_key_down=self._any_input,
                    on_touch_up=lambda _w, touch: self.corner.up(touch),
                    on_keyboard=lambda _w, key, *_a: key == 27,  # Escape (and Android's back) never leaves
                    on_request_close=lambda *_a, source=None: source == "keyboard")
        self.terminal.start()  # builds the devices, opens each on its own thread
        Clock.schedule_interval(lambda _dt: self.terminal.tick(), TICK_SECONDS)
        self._prebuilding = Clock.schedule_interval(self._prebuild, TICK_SECONDS)
        Clock.schedule_interval(lambda dt: self.terminal.stats.frame(dt), 0)  # every frame: the UI's frame time
        if self.notify_socket.enabled:
            every = self.notifier.ping_every
            Clock.schedule_interval(self._notify_systemd, min(NOTIFY_TICK_SECONDS, every / 2) if every
                                    else NOTIFY_TICK_SECONDS)

    def on_stop(self) -> None:
        self.notify_socket.send(self.notifier.stopping())
        self.terminal.stop()

    # -- rendering ------------------------------------------------------------------------
    def render(self, view: TerminalView) -> None:
        """The terminal's view: properties for kv rules, and the screen of the step."""
        self.lang, self.large_text, self.voice_on = view.lang, view.large_text, view.voice_on
        self.voice_available, self.volume = view.voice_available, view.volume
        self.text_scale = theme_scale(view.large_text)
        if view.high_contrast != self.high_contrast:
            from screens import theme

            self.palette, self.high_contrast = theme.palette(view.high_contrast), view.high_contrast
        self.card_reminder, self.card_on_reader = view.card_reminder, view.card_on_reader
        self.availability = view.availability
        self.step_index, self.step_total = view.index, view.total
        self.staff_called, self.minute, self.hut = view.staff_called, view.minute, view.hut
        screen = self.screens.get(view.screen, self.screens["home"])
        if self._shown is not None and self._shown is not screen and hasattr(self._shown, "forget"):
            self._shown.forget()
        self._shown = screen
        if hasattr(screen, "service_title"):
            screen.service_title = view.title
        if hasattr(screen, "show") and view.step is not None:
            screen.show(view.title, view.step_view, self.terminal.presenter)
            screen.render_cards(view.identify)
        if view.screen == "staff":
            screen.render(view.staff, self.terminal.staff)
        elif view.screen == "closed":
            screen.reopens = view.reopens
        self.display.set_dark(view.screen_dark)
        if self.sm.current != screen.name:
            leaving = self.sm.current_screen.ids.get("frame") if self.sm.current_screen is not None else None
            if leaving is not None:
                leaving.close_menu()   # 更多设置's row belongs to the screen the resident left
            self.sm.current = screen.name
        # In this order, so what opens later lies on top: the countdown over everything.
        for dialog, wanted in ((self.privacy, view.privacy_open), (self.staff_call, view.staff_call_open),
                               (self.staff_card_note, view.staff_card_note),
                               (self.confirm, view.confirm_home and not view.idle_warning),
                               (self.warning, view.idle_warning)):
            if wanted and dialog.parent is None:
                dialog.open(animation=False)
            elif not wanted and dialog.parent is not None:
                dialog.dismiss(animation=False)
        if view.idle_warning:
            self.warning.seconds_left = view.idle_seconds_left

    def _language_changed(self, *_args: Any) -> None:
        for screen in self.screens.built():
            relabel = getattr(screen, "relabel", None)
            if relabel is not None:
                relabel()

    # -- intents (the frame, the tiles, the identify step) ----------------------------------
    def open_service(self, key: str) -> None:
        self.terminal.open_service(key)

    def continue_service(self) -> None:
        self.terminal.continue_()

    def go_back(self) -> None:
        self.terminal.back()

    def go_home(self, reason: str = "resident") -> None:
        self.terminal.home(reason)

    def set_language(self, lang: str) -> None:
        self.terminal.set_language(lang)

    def toggle_large_text(self) -> None:
        self.terminal.toggle_large_text()

    def toggle_contrast(self) -> None:
        self.terminal.toggle_contrast()

    def toggle_voice(self) -> None:
        self.terminal.toggle_voice()

    def next_volume(self) -> None:
        self.terminal.next_volume()

    def call_staff(self) -> None:
        self.terminal.call_staff()

    def open_privacy(self) -> None:
        self.terminal.open_privacy()

    def _any_input(self, _window: Any = None, touch: Any = None, *_args: Any) -> bool:
        self._quiet_since = None   # no screen built while someone is at the glass
        self.terminal.touched()
        if self.corner is not None and hasattr(touch, "x"):
            self.corner.down(touch)   # held 5 s in the top-left corner: the staff PIN keypad
        return False  # let the touch reach the widgets

    # -- systemd ------------------------------------------------------------------------------
    def _notify_systemd(self, _dt: float) -> None:
        """On the Kivy clock, so the pings stop when the main loop freezes."""
        home_up = self.notifier.ready_sent or (self.sm is not None and self.sm.current == "home")
        statuses = {name: rec.status for name, rec in self.terminal.owner.records().items()}
        self.notify_socket.send(self.notifier.tick(time.monotonic(), home_up=home_up,
                                                   status=status_line(statuses, home_up)))


def _make_screen(cls: Any) -> Any:
    """A step's screen, named by its last step (done presents submit and done: named "done")."""
    return cls(name=cls.steps[-1].value)


def _presentable() -> frozenset[Any]:
    from screens.steps import presentable

    return presentable()


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
