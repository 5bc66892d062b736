"""The headless walk-through: every screen that exists, photographed.

``kiosk demo`` starts the virtual hut and calls ``main(settings,
hut_control_url, out_dir, headless=True)``: the app runs in the hut, a
script drives it the way a resident would (and the hut's control API plays
the resident's ID card), and each screen is saved as a PNG.  With a display
and ``headless=False`` the app simply runs in the hut for a person to try.

The script is a generator run on the Kivy clock (``Walk``): it yields a
number of seconds to wait or an ``Until`` condition, so it reads top to
bottom like the visit it acts out.  UI tests use the same runner.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, cast

from kiosk.services.approval.flow import ApprovalFlow
from screens import app as app_module  # sets Kivy's environment before Kivy loads
from screens.startup import configure_kivy  # noqa: E402 - after screens.app set Kivy's environment
from simulators.demo.script import (
    SETTLE,
    FastForwardClock,
    Script,
    Until,
    Walk,
    hut_control,
    hut_devices,
    outbox_drained,
    paper_count,
    screenshot,
    wait_for_paper,
)

# isort: split

def walkthrough(app: Any, clock: FastForwardClock, control_url: str, out: Path,
                log: Callable[[str], None], shots: list[tuple[str, str]] | None = None,
                card_picture: Callable[[], Path | None] = lambda: None) -> Script:
    """``shots`` collects (file name, caption) in order, for the index page."""
    from simulators.demo.browse import browse_walkthrough, portrait_walkthrough, progress_walkthrough
    from simulators.demo.health import health_walkthrough
    from simulators.demo.request import request_walkthrough

    def shot(name: str, caption: str = "") -> None:
        screenshot(out / f"{name}.png")
        if shots is not None:
            shots.append((f"{name}.png", caption))
        log(f"  {name}.png")

    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield SETTLE
    app.set_language("zh_CN")
    yield SETTLE
    shot("01-home-zh", "Home: the services as large tiles, Chinese first")

    app.set_language("en")
    yield SETTLE
    shot("02-home-en", "Home in English (the language switch on every screen)")
    app.set_language("zh_CN")
    app.call_staff()
    yield Until(lambda: app.terminal.view.staff_call_open, "the staff call's confirmation")
    yield SETTLE
    shot("02a-home-staff-called", "呼叫工作人员 (on every screen): the staff are alerted and the resident is told")
    app.terminal.cancel_staff_call()
    app.open_privacy()
    yield Until(lambda: app.terminal.view.privacy_open, "the privacy notice")
    yield SETTLE
    shot("02b-home-privacy-notice", "个人信息保护说明: what is collected, why, how long it is kept, who receives it")
    app.terminal.close_privacy()
    yield Until(lambda: not app.terminal.view.privacy_open, "the notice to close")

    devices = hut_devices(control_url) if control_url else {}
    yield Until(lambda: app.ready and app.terminal.catalog() is not None, "the platform's catalog", 20)
    app.open_service("approval")
    app.terminal.presenter.choose("MZ-001")
    app.terminal.presenter.start()
    identify = app.screens["identify"]
    if "idcard" in devices:
        try:
            yield Until(lambda: identify.reader_available, "the ID card reader to come online", 15)
        except TimeoutError as exc:
            log(f"  note: {exc}; the identify screen shows the reader as unavailable")
    yield SETTLE
    shot("03-identify-waiting", "Identify: place the ID card")

    if "idcard" in devices:
        hut_control(control_url, "idcard", "place_card", card="resident")
        yield Until(lambda: identify.state == "identified", "the card to be read", 20)
        yield SETTLE
        shot("04-identify-card", "The card read: name and ID masked for confirmation")
        app.go_home("resident")  # the resident leaves the card on the reader
        yield Until(lambda: app.card_reminder, "the reminder to take the card", 10)
        yield SETTLE
        shot("05-home-take-your-card", "Back home with the card still on the reader: take your card")
        hut_control(control_url, "idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the reader to notice the card was taken", 10)
    else:
        log("  skipped 04-identify-card and 05-home-take-your-card: this hut has no ID card simulator yet")

    from simulators.demo.ecode import ecode_walkthrough

    yield from ecode_walkthrough(app, control_url, shot, devices, log)   # no card: the e-ID code at the scanner
    app.go_home("resident")
    app.open_service("request")
    yield Until(lambda: app.terminal.flow("request").view.state.value != "loading", "the request catalog", 20)
    yield SETTLE
    shot("06-request-types", "诉求反映: the kinds of request (or, without the platform's catalog, why not now)")

    # Fast-forward to just past the warning: the overlay shows the countdown.
    # The clock is pushed on every check, because a late reader event (the
    # card being taken away) counts as activity and restarts the count.
    def fast_forward(to: float) -> None:
        clock.offset += max(0.0, to - app.terminal.idle.idle_for())

    def warned() -> bool:
        fast_forward(app.terminal.idle.warning_after + 0.5)
        return app.warning._is_open

    def timed_out() -> bool:
        fast_forward(app.terminal.idle.timeout_after + 0.5)
        return app.sm.current == "home" and not app.terminal.session.active

    yield Until(warned, "the idle warning")
    yield SETTLE
    shot("07-idle-warning", "Idle: do you need more time? (countdown)")

    yield Until(timed_out, "the idle timeout")
    gc.collect()
    yield SETTLE
    shot("08-home-after-timeout", "After the timeout: home, nothing of the visit left")

    yield from browse_walkthrough(app, control_url, shot, devices)
    yield from health_walkthrough(app, clock, control_url, shot, devices, lambda: outbox_drained(app), log)
    yield from request_walkthrough(app, control_url, shot, devices, lambda: outbox_drained(app), log)
    from simulators.demo.certificate import certificate_walkthrough

    yield from certificate_walkthrough(app, control_url, out, shot, devices, log)
    try:
        from simulators.demo.filing import filing_walkthrough  # the filing screens' part (S2)
    except ImportError:
        log("  (no filing walk-through in this build)")
    else:
        part = filing_walkthrough(app, clock, control_url, out, log, shot, card_picture)
        if part is not None:
            yield from part
    yield from progress_walkthrough(app, control_url, shot, devices)
    from simulators.demo.staff import staff_walkthrough

    yield from staff_walkthrough(app, control_url, shot, devices, log)
    yield from portrait_walkthrough(app, shot)


def print_demo_slips(settings: Any, say: Callable[[str], None]) -> int:
    """What the hut's printer puts out, on the simulator's paper: the
    maintenance worker's self-test slip and a service guide for a matter from
    the platform's catalog.  (The application receipt and the health report
    come with their flows.)  A missing printer or platform is reported, not
    fatal: the screenshots are the demo's first job."""
    from drivers.base import DeviceFailure, HealthLevel
    from kiosk import slips
    from kiosk.central.client import CentralClient
    from kiosk.devices.registry import build_device
    from kiosk.errors import KioskError

    names = [n for n, cfg in settings.devices.items() if cfg.enabled and cfg.driver.startswith("printer.")]
    if not names:
        return 0
    printed = 0
    printer: Any = build_device(settings, names[0])   # a ReceiptPrinter (the config names its driver)
    client = CentralClient.from_settings(settings)
    try:
        printer.open()
        health = printer.check_health(HealthLevel.EXTERNAL)
        printed += health == "OK"
        say(f"  printer self-test: {health}")
        matter = client.catalog().matters[0]
        guide = slips.service_guide({
            "matter": matter.name, "matter_en": matter.name_en,
            "materials": [m.name + ("" if m.handling == "scan" else "（请带原件到窗口 bring the original）")
                          for m in matter.materials],
            "conditions": list(matter.conditions), "department": matter.department,
            "promised": f"{matter.promised_days} 个工作日 working days"})
        result = printer.print_receipt(guide, holder="demo")
        printed += result.ok
        say(f"  service guide for {matter.name}: {'printed' if result.ok else result.reason}")
    except (DeviceFailure, KioskError) as exc:
        say(f"  printing skipped: {exc}")
    finally:
        client.close()
        printer.close()
    return printed


def copy_slips(settings: Any, out: Path) -> list[Path]:
    """Copy the printer simulator's rendered slips (PNG) next to the screenshots.

    The hut keeps its files in the folder of the generated kiosk.toml; the
    printer simulator renders what it receives into a ``printer`` folder there.
    """
    workdir = Path(settings.source).parent
    found = sorted(p for folder in ("printer", "slips") for p in (workdir / folder).rglob("*.png")
                   if (workdir / folder).is_dir())
    copied = []
    if found:
        (out / "slips").mkdir(exist_ok=True)
        for path in found:
            target = out / "slips" / path.name
            shutil.copy2(path, target)
            copied.append(target)
    return copied


def write_index(out: Path, shots: list[tuple[str, str]], slips: list[Path]) -> Path:
    """index.html: every screen in the order of the walk, a caption each, then
    the slips; pictures another part saved (the filing walk) in name order."""
    import html

    listed = {name for name, _ in shots}
    others = sorted(p.name for p in out.glob("*.png") if p.name not in listed)
    entries = [*shots, *((name, name[:-4].replace("-", " ")) for name in others),
               *((f"slips/{p.name}", f"Printed slip: {p.stem}") for p in slips)]
    figures = "\n".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}" loading="lazy">'
        f"<figcaption>{i}. {html.escape(caption or name)}</figcaption></figure>"
        for i, (name, caption) in enumerate(entries, 1))
    page = out / "index.html"
    page.write_text(f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Hut kiosk demo</title>
<style>body{{font-family:sans-serif;margin:2em;background:#f4f6f9}} figure{{display:inline-block;
vertical-align:top;margin:1em;max-width:45%}} img{{max-width:100%;max-height:70vh;border:1px solid #999}}
figcaption{{font-size:1.1em;margin-top:.4em}}</style></head>
<body><h1>Hut kiosk demo / 居民自助服务小屋演示</h1>
{figures}
</body></html>
""", encoding="utf-8")
    return page


def main(settings: Any, hut_control_url: str, out_dir: str | os.PathLike, headless: bool = True,
         face_engine: Callable[[Callable[[], str]], Callable[[], Any]] | None = None,
         card_picture: Callable[[], Path | None] = lambda: None) -> int:
    """Run the kiosk in the virtual hut; headless: walk through and photograph it.

    The virtual hut's part of the face check comes from ``kiosk demo`` (the
    simulators are not imported here): ``face_engine(challenge)`` makes the
    engine factory for the resident at the hut's front camera, and
    ``card_picture()`` the picture the card's photo is made from (None: none).

    Returns the process exit code: 0 when every screen was saved.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        print(line, flush=True)

    if not headless:
        say(f"Kiosk running in the virtual hut; script it with POST {hut_control_url}/control/<device>/<action>")
        return app_module.main(settings)

    from screens.headless import virtual_display

    with virtual_display(settings.screen.width, settings.screen.height):
        configure_kivy(settings)
        clock = FastForwardClock()
        engine = face_engine(lambda: cast(ApprovalFlow, app.terminal.flow("approval")).face.view.challenge) \
            if face_engine is not None else None
        app = app_module.KioskApp(settings, clock=clock, face_engine=engine)
        say(f"Walking through the kiosk screens; saving them in {out}:")
        shots: list[tuple[str, str]] = []
        walk = Walk(app, lambda: walkthrough(app, clock, hut_control_url, out, say, shots, card_picture),
                    photos_only=True)
        app.bind(on_start=walk.start)
        app.run()
    if walk.error is not None:
        say(f"demo failed: {walk.error}")
        return 1
    if not walk.finished:
        say("demo failed: the app stopped before the walk-through finished")
        return 1
    on_paper = paper_count(hut_control_url)
    printed = print_demo_slips(settings, say)
    if printed and hut_control_url:
        wait_for_paper(hut_control_url, on_paper + printed)
    slips = copy_slips(settings, out)
    if slips:
        say(f"Printed slips from the printer simulator: {out / 'slips'} ({len(slips)} files)")
    index = write_index(out, shots, slips)
    say(f"Index page: {index}")
    say(f"Screenshots are in {out}")
    return 0


if __name__ == "__main__":  # python -m simulators.demo.walkthrough CONFIG CONTROL_URL OUT
    from kiosk.config import load

    sys.exit(main(load(sys.argv[1]), sys.argv[2], sys.argv[3]))
