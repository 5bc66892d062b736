"""呼叫工作人员, the privacy notice and the hut's facts, touched like a resident.

Home shows the hut (name, date, opening hours, help line, from kiosk.toml).
The header's 呼叫工作人员 opens "已呼叫工作人员，请稍候"; 确定 closes it and the
header says the call is pending; pressed again it shows again, 取消呼叫 ends
the call.  个人信息保护说明 opens over home and over the identify step; 返回
on it returns to the same screen.  With ``KIOSK_HELP_SHOTS`` set (a folder),
screenshots of home, the dialog and the notice, landscape and portrait.
"""

import os
from pathlib import Path

from probe_common import SETTLE, Until, labels_of, laid_out, run, shown, tap, texts, to_identify

from simulators.demo.script import screenshot

MATTER = "SQ-001"


def header(app, screen):
    """The frame of the screen ``screen`` (every screen has the same header)."""
    return app.screens[screen].ids.frame.ids


def lines(widget):
    """The visible label texts of ``widget`` in order, markup dropped."""
    import re

    return [re.sub(r"\[/?(size|b)[^\]]*\]", "", lab.text) for lab in labels_of(widget) if lab.text and shown(lab)]


def covered(button):
    """Would a touch at the button's centre reach it? (what the resident's finger would do)"""
    from kivy.core.window import Window

    x, y = button.to_window(*button.center)
    return not (0 <= x <= Window.width and 0 <= y <= Window.height)


def script(app, facts):
    from kivy.core.window import Window

    shots = os.environ.get("KIOSK_HELP_SHOTS")
    terminal = app.terminal

    def shoot(name):
        if shots:
            yield SETTLE
            screenshot(Path(shots) / f"{name}.png")

    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield Until(lambda: terminal.catalog() is not None, "the catalog")
    yield Until(lambda: app.minute != "", "the home screen's clock")
    yield laid_out()
    home = app.screens["home"]
    facts["home_hut"] = {name: [home.ids[name].first, home.ids[name].second]
                         for name in ("hut_name", "clock", "hours", "phone")}
    facts["minute"] = app.minute
    yield from shoot("home-landscape")

    # 呼叫工作人员 in the header of the home screen
    help_button = header(app, "home").help
    facts["help_button_home"] = lines(help_button)
    facts["help_button_on_screen"] = not covered(help_button)
    tap(help_button)
    yield Until(lambda: app.staff_call._is_open, "the staff call dialog")
    yield laid_out()
    facts["dialog_texts"] = lines(app.staff_call)
    facts["call_state_after_tap"] = terminal.staff_call.state.value if terminal.staff_call else None
    yield from shoot("staff-call-landscape")
    tap(app.staff_call.ids.ok)
    yield Until(lambda: not app.staff_call._is_open, "the dialog to close on OK")
    yield laid_out()
    facts["help_button_pending"] = lines(header(app, "home").help)
    facts["call_state_after_ok"] = terminal.staff_call.state.value
    tap(header(app, "home").help)          # pressed again while pending: the dialog again, not a second call
    yield Until(lambda: app.staff_call._is_open, "the dialog again")
    yield laid_out()
    facts["calls_after_second_tap"] = terminal.stats.staff_calls
    tap(app.staff_call.ids.cancel_call)
    yield Until(lambda: not app.staff_call._is_open, "the dialog to close on cancel")
    yield laid_out()
    facts["help_button_after_cancel"] = lines(header(app, "home").help)
    facts["call_state_after_cancel"] = terminal.staff_call.state.value

    # 个人信息保护说明 from the home screen
    tap(home.ids.privacy)
    yield Until(lambda: app.privacy._is_open, "the privacy notice over home")
    yield laid_out()
    facts["privacy_texts"] = texts(app.privacy)
    facts["privacy_title"] = lines(app.privacy.ids.title)
    yield from shoot("privacy-landscape")
    tap(app.privacy.ids.back)
    yield Until(lambda: not app.privacy._is_open, "the notice to close")
    yield laid_out()
    facts["after_privacy_home"] = app.sm.current

    # The identify step: the header's call and the notice, then back to the same step
    yield from to_identify(app, MATTER)
    yield laid_out()
    identify = app.screens["identify"]
    tap(header(app, "identify").help)
    yield Until(lambda: app.staff_call._is_open, "the staff call dialog on the identify step")
    tap(app.staff_call.ids.ok)
    yield Until(lambda: not app.staff_call._is_open, "the dialog to close")
    yield laid_out()
    facts["identify_help_pending"] = lines(header(app, "identify").help)
    facts["identify_call"] = [terminal.staff_call.screen, terminal.staff_call.service, terminal.staff_call.state.value]
    tap(identify.ids.privacy)
    yield Until(lambda: app.privacy._is_open, "the privacy notice over the identify step")
    yield laid_out()
    facts["privacy_over"] = app.sm.current
    facts["privacy_texts_identify"] = texts(app.privacy)
    tap(app.privacy.ids.back)
    yield Until(lambda: not app.privacy._is_open, "the notice to close")
    yield laid_out()
    facts["after_privacy_identify"] = [app.sm.current, terminal.view.service, terminal.view.screen]
    facts["identify_help_still_pending"] = lines(header(app, "identify").help)

    # English: the same facts, English first
    tap(header(app, "identify").language)
    yield Until(lambda: app.lang == "en", "English")
    yield laid_out()
    facts["identify_help_en"] = lines(header(app, "identify").help)
    app.go_home("resident")   # the visit ends: the call with it, the next resident finds Chinese
    yield Until(lambda: app.sm.current == "home" and app.lang == "zh_CN" and not app.staff_called, "home again")
    yield laid_out()
    facts["help_button_next_visit"] = lines(header(app, "home").help)
    facts["call_state_after_visit"] = terminal.staff_call.state.value

    if shots:   # portrait, for a person to look at
        Window.size = (1080, 1920)
        yield Until(lambda: app.portrait, "portrait")
        yield laid_out()
        yield from shoot("home-portrait")
        tap(header(app, "home").help)
        yield Until(lambda: app.staff_call._is_open, "the dialog in portrait")
        yield laid_out()
        yield from shoot("staff-call-portrait")
        tap(app.staff_call.ids.cancel_call)
        yield Until(lambda: not app.staff_call._is_open, "the dialog to close")
        tap(home.ids.privacy)
        yield Until(lambda: app.privacy._is_open, "the notice in portrait")
        yield laid_out()
        yield from shoot("privacy-portrait")
        tap(app.privacy.ids.back)
        yield Until(lambda: not app.privacy._is_open, "the notice to close")
        app.terminal.toggle_large_text()
        yield Until(lambda: app.large_text, "large text")
        yield laid_out()
        yield from shoot("home-portrait-large")
        yield from to_identify(app, MATTER)
        yield laid_out()
        yield from shoot("identify-portrait-large")


if __name__ == "__main__":
    run(script)
