"""Every screen at both orientations and both text sizes, measured on the widget tree.

One app process: the window is resized between landscape (1920x1080) and
portrait (1080x1920), the large-text switch is touched on the frame, and each
screen is brought up through the app's intents the way a visit reaches it.
"""

import os
from pathlib import Path

from layout_check import measure, primary_buttons
from probe_common import SETTLE, Until, laid_out, run, tap

from simulators.demo.script import FastForwardClock, screenshot

ORIENTATIONS = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
clock = FastForwardClock()
MATTER = "MZ-001"  # 最低生活保障申请: the longest lists of conditions and papers


def scenes(app):
    """(name, set-up) for every screen; a set-up leaves the app showing it,
    through the intents the screens send on the way there."""
    terminal = app.terminal

    def home():
        app.go_home("resident")

    def identify():
        app.open_service("approval")
        terminal.presenter.choose(MATTER)
        terminal.presenter.start()

    def preparing():
        app.open_service("health")

    def idle_warning():
        identify()
        clock.offset += terminal.idle.warning_after + 0.5 - terminal.idle.idle_for()

    def choose_matter():
        app.open_service("approval")
        terminal.presenter.search("db")  # search results under the keyboard

    def conditions():
        app.open_service("approval")
        terminal.presenter.choose(MATTER)

    def guide():
        app.open_service("guide")
        terminal.presenter.choose(MATTER)

    def progress():
        app.open_service("progress")

    def staff_call():
        conditions()
        app.call_staff()        # the header's 呼叫工作人员, pressed mid-visit

    def privacy_notice():
        conditions()
        app.open_privacy()

    return [("home", home), ("identify", identify), ("preparing", preparing), ("idle_warning", idle_warning),
            ("choose_matter", choose_matter), ("conditions", conditions), ("guide", guide), ("progress", progress),
            ("staff_call", staff_call), ("privacy_notice", privacy_notice)]


def overlay(app):
    """(name, widget) of the overlay the resident reads now (the one on top), or None."""
    for name, dialog in (("idle_warning", app.warning), ("staff_call", app.staff_call),
                         ("privacy_notice", app.privacy)):
        if dialog._is_open:
            return name, dialog
    return None


def script(app, facts):
    from kivy.core.window import Window

    from screens import theme

    shots = os.environ.get("KIOSK_LAYOUT_SHOTS")
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield Until(lambda: app.terminal.catalog() is not None, "the catalog")
    facts["problems"], facts["primaries"], facts["shown"], facts["sizes"] = {}, {}, {}, {}
    for orientation, size in ORIENTATIONS.items():
        Window.size = size
        yield Until(lambda size=size: tuple(Window.size) == size and app.portrait == (size[1] > size[0]),
                    f"the window at {size}")
        facts["sizes"][orientation] = [list(Window.size), app.portrait]
        for large in (False, True):
            if app.large_text != large:
                dict(scenes(app))["identify"]()
                yield Until(lambda: app.sm.current == "identify", "the identify screen")
                yield laid_out()
                tap(app.screens["identify"].ids.frame.ids.large_text)  # the switch on the frame, touched
                yield Until(lambda large=large: app.large_text == large, "the large text switch")
            for name, set_up in scenes(app):
                # The visit's end (go_home after each scene) gives the next resident normal text:
                # switch it again, before the scene (a switch later would put off the idle warning)
                # and after it at home (going home is the scene).
                for when in ("before", "after"):
                    if when == "after":
                        set_up()
                    if app.large_text != large and (when == "before" or name == "home"):
                        app.toggle_large_text()
                        yield Until(lambda large=large: app.large_text == large, "the large text switch")
                if name in ("idle_warning", "staff_call", "privacy_notice"):
                    yield Until(lambda name=name: (overlay(app) or ("",))[0] == name, f"the {name} overlay")
                else:
                    yield Until(lambda name=name: app.sm.current == name, f"the {name} screen")
                yield laid_out()
                key = f"{name}/{orientation}/{'large' if large else 'normal'}"
                # An open overlay covers the screen (under a scrim): it is what the resident reads.
                top = overlay(app)
                roots = [top[1]] if top else [app.sm.current_screen]
                facts["shown"][key] = top[0] if top else app.sm.current
                facts["problems"][key] = measure(roots, tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET,
                                                 theme.MIN_GAP)
                facts["primaries"][key] = primary_buttons(roots)
                if shots:
                    yield SETTLE  # the frame drawn, for the photo
                    screenshot(Path(shots) / f"{key.replace('/', '-')}.png")
                app.terminal.touched()
                app.go_home("resident")
        facts.setdefault("large_text_after", {})[orientation] = app.text_scale


if __name__ == "__main__":
    run(script, clock=clock)
