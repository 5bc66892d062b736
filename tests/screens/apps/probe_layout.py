"""Every screen at both orientations and both text sizes, measured on the widget tree.

One app process: the window is resized between landscape (1920x1080) and
portrait (1080x1920), the large-text switch is touched on the frame, and each
screen is brought up through the app's intents the way a visit reaches it.
"""

import os
from pathlib import Path

from layout_check import measure, primary_buttons
from probe_common import Until, run, tap

from simulators.demo.script import FastForwardClock, screenshot

ORIENTATIONS = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
clock = FastForwardClock()
MATTER = "MZ-001"  # 最低生活保障申请: the longest lists of conditions and papers


def scenes(app):
    """(name, set-up) for every screen; a set-up leaves the app showing it."""
    def home():
        app.go_home("resident")

    def identify():
        app.show_identify("approval")

    def preparing():
        app.open_service("health")

    def idle_warning():
        app.show_identify("approval")
        clock.offset += app.idle.warning_after + 0.5 - app.idle.idle_for()

    # Filing opened at its first step whether or not its later screens are
    # registered yet (the visit flow's preview entry).
    def choose_matter():
        app.visit.choose("approval", at_step="choose_matter")
        app.approval.search("db")  # search results under the keyboard

    def conditions():
        app.visit.choose("approval", at_step="choose_matter")
        app.approval.choose(MATTER)

    def guide():
        app.open_service("guide")
        app.guide.choose(MATTER)

    def progress():
        app.open_service("progress")

    return [("home", home), ("identify", identify), ("preparing", preparing), ("idle_warning", idle_warning),
            ("choose_matter", choose_matter), ("conditions", conditions), ("guide", guide), ("progress", progress)]


def script(app, facts):
    from kivy.core.window import Window

    from screens import theme

    shots = os.environ.get("KIOSK_LAYOUT_SHOTS")
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    facts["problems"], facts["primaries"], facts["shown"], facts["sizes"] = {}, {}, {}, {}
    for orientation, size in ORIENTATIONS.items():
        Window.size = size
        yield Until(lambda size=size: tuple(Window.size) == size, f"the window at {size}")
        facts["sizes"][orientation] = [list(Window.size), app.portrait]
        for large in (False, True):
            if app.large_text != large:
                app.show_identify("approval")
                yield 0.2
                tap(app.identify.ids.frame.ids.large_text)  # the switch on the frame, touched
                yield 0.2
            for name, set_up in scenes(app):
                set_up()
                yield 0.25
                if name == "idle_warning":
                    yield Until(lambda: app.warning._is_open, "the idle warning")
                    yield 0.3
                key = f"{name}/{orientation}/{'large' if large else 'normal'}"
                # An open overlay covers the screen (under a scrim): it is what the resident reads.
                roots = [app.warning] if app.warning._is_open else [app.sm.current_screen]
                facts["shown"][key] = app.warning._is_open and "idle_warning" or app.sm.current
                facts["problems"][key] = measure(roots, tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET,
                                                 theme.MIN_GAP)
                facts["primaries"][key] = primary_buttons(roots)
                if shots:
                    screenshot(Path(shots) / f"{key.replace('/', '-')}.png")
                app.idle.touch()
                app.go_home("resident")
                yield 0.1
        facts.setdefault("large_text_after", {})[orientation] = app.text_scale


if __name__ == "__main__":
    run(script, clock=clock)
