"""The demo's identification by an e-ID code (电子身份证二维码) at the scanner.

After the card's part: 自助办事 again, this time without the card; the
identify screen offers the code; the resident's phone shows a code a minute
old (refused: refresh it), then a fresh one, which identifies her.  The
codes are minted by the hut's platform (the issuing service's stand-in) and
sent by the scanner simulator on its pty, so the real driver reads them.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``.
"""

from __future__ import annotations

from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until, hut_control, outbox_drained

MATTER = "MZ-003"


def ecode_walkthrough(app: Any, control_url: str, shot: Callable[[str, str], None], devices: dict[str, Any],
                      log: Callable[[str], None]) -> Script:
    if "code_scanner" not in devices or "platform" not in devices:
        log("  skipped the e-ID code: this hut has no code scanner")
        return
    terminal, identify = app.terminal, app.screens["identify"]
    app.go_home("resident")
    # Whether the platform can be asked is what the outbox worker last found (its own process):
    # one drain reaches it, as the worker does on a terminal.
    yield from outbox_drained(app, "the outbox worker to reach the platform")
    try:
        yield Until(lambda: (terminal.refresh_availability(), terminal.view.availability.code_scanner
                             and terminal.view.availability.online)[1], "the scanner and the platform", 20)
    except TimeoutError as exc:
        log(f"  skipped the e-ID code: {exc}")
        return
    app.open_service("approval")
    terminal.presenter.choose(MATTER)
    terminal.presenter.start()
    yield Until(lambda: app.sm.current == "identify" and identify.code_hint != "", "the code offered", 10)
    yield SETTLE
    shot("05a-identify-code-offered", "No card with you: 或出示电子身份证二维码 (the scanner under the screen)")

    old = hut_control(control_url, "platform", "identity_code", card="resident", age=61)["code"]
    hut_control(control_url, "code_scanner", "scan", code=old)
    yield Until(lambda: identify.code_trouble, "the expired code's answer", 10)
    yield SETTLE
    shot("05b-identify-code-expired", "A code a minute old: valid for one minute only, refresh it on the phone")

    fresh = hut_control(control_url, "platform", "identity_code", card="resident")["code"]
    hut_control(control_url, "code_scanner", "scan", code=fresh)
    yield Until(lambda: identify.state == "identified", "the platform's answer", 10)
    yield SETTLE
    shot("05c-identify-by-code", "The platform vouched for the code: name and ID masked for confirmation")
    app.go_home("resident")
