"""The identify screen with the real code scanner driver on the simulator's pty
and the hut's platform verifying e-ID codes.

A resident at the identify step sees 或出示电子身份证二维码, shows a code
that has expired (told to refresh it), then a fresh one (identified, 继续 by
a real touch); the next visit shows the same code again (used), then a
payment code (not an e-ID code); the scanner unplugged takes the offer away.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import Until, laid_out, run, tap, texts, to_identify  # noqa: E402 - after sys.path above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from kiosk.devices.snapshot import write_platform_reach  # noqa: E402
from simulators.demo.script import screenshot  # noqa: E402
from simulators.platform.testing import mint_identity_code  # noqa: E402

MATTER = "MZ-003"


def script(hut, shots):
    platform = hut["platform"].server

    def words(identify):
        return texts(identify.ids.code_hint)

    def walk(app, facts):
        terminal, identify = app.terminal, app.screens["identify"]
        yield Until(lambda: terminal.catalog() is not None, "the catalog from the platform", 20)
        write_platform_reach(terminal.settings.paths.state_dir, True)   # as the outbox worker says it
        yield Until(lambda: (terminal.refresh_availability(), terminal.view.availability.code_scanner
                             and terminal.view.availability.online)[1], "the scanner and the platform", 20)
        yield from to_identify(app, MATTER)
        yield Until(lambda: identify.code_hint != "", "the code offered", 10)
        yield laid_out()
        facts["offer"] = words(identify)
        screenshot(shots / "offered.png")

        hut.control("code_scanner", "scan", code=mint_identity_code(platform, issued_at=time.time() - 61))
        yield Until(lambda: identify.code_trouble, "the expired code's answer", 10)
        yield laid_out()
        facts["expired"] = words(identify)
        screenshot(shots / "expired.png")

        fresh = mint_identity_code(platform, "resident")
        hut.control("code_scanner", "scan", code=fresh)
        yield Until(lambda: identify.state == "identified", "the fresh code's identity", 10)
        yield laid_out()
        facts["identified"] = [identify.masked_name, identify.masked_id]
        facts["offer_when_identified"] = words(identify)
        screenshot(shots / "identified.png")
        shown_at = time.monotonic()
        tap(identify.ids.proceed)
        yield Until(lambda: app.sm.current != "identify", "the step after identification", 10)
        facts["after_continue"] = app.sm.current

        app.go_home("resident")
        if terminal.view.confirm_home:
            terminal.discard_visit()
        yield from to_identify(app, MATTER)
        yield Until(lambda: identify.code_hint != "", "the code offered again", 10)
        # the same code within the scanner's repeat window (1.5 s) would be one scan, not a second
        yield Until(lambda: time.monotonic() - shown_at > 2.0, "the scanner's repeat window to pass", 10)
        hut.control("code_scanner", "scan", code=fresh)
        yield Until(lambda: identify.code_trouble, "the used code's answer", 10)
        facts["used"] = words(identify)
        hut.control("code_scanner", "scan", code="https://pay.example.cn/qr/8848")
        yield Until(lambda: "电子身份证" in words(identify) and words(identify) != facts["used"], "the payment code", 10)
        facts["payment"] = words(identify)
        facts["session_after_refusals"] = terminal.session.identity is not None

        hut.control("code_scanner", "unplug")
        yield Until(lambda: identify.code_hint == "", "the offer to go with the scanner", 10)
        facts["offer_after_unplug"] = words(identify)
        hut.control("code_scanner", "plug")
        yield Until(lambda: identify.code_hint != "", "the offer back with the scanner", 10)
        app.go_home("resident")

        # 进度查询 asks for a card on its own screen: the code is offered there too, and identifies
        progress = app.screens["progress"]
        app.open_service("progress")
        yield Until(lambda: app.sm.current == "progress" and progress.code != "", "the code offered on progress", 10)
        facts["progress_offer"] = texts(progress.ids.code_offer)
        hut.control("code_scanner", "scan", code=mint_identity_code(platform, "resident"))
        yield Until(lambda: progress.state not in ("waiting", "querying"), "the resident's applications", 15)
        facts["progress_after_code"] = [progress.state, progress.masked_name]
        app.go_home("resident")
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    shots = Path(out).parent / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    with hut_module.Hut(workdir, only=["idcard", "code_scanner", "platform"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut, shots))


if __name__ == "__main__":
    main()
