"""证明打印 in the virtual hut, touched like a resident: the tile, the ID card
and Continue, the resident's certificates (the reference platform issues and
seals them), one chosen: its first page shown once the terminal checked the
seal, 打印 on the hut's A4 printer (a real cupsd with a cups-pdf queue); then
a second certificate with the tray holding one sheet: "take page 1", the rest
printed once staff load paper; 完成 and home.  Screenshots beside the facts,
and the first printed page as cups-pdf wrote it, rendered to a PNG.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import measure  # noqa: E402 - after the sys.path line above
from probe_common import Until, labels_of, run, shown, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above


def frames(count):
    from kivy.clock import Clock

    target = Clock.frames + count
    return Until(lambda: Clock.frames >= target, f"{count} frames")


def picture(name):
    yield frames(3)
    screenshot(Path(sys.argv[2]).parent / f"{name}.png")


def texts(widget):
    return [lab.text for lab in labels_of(widget) if lab.text]


def printed(hut):
    return hut.control("a4_printer", "printed")["printed"]


def render_printed(path, target):
    """The printed page as the resident holds it: cups-pdf's PDF rendered (pypdfium2)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        doc[0].render(scale=1.0).to_pil().convert("RGB").save(target)
    finally:
        doc.close()


def script(hut):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        def problems(screen):
            return measure([screen], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)

        terminal, home = app.terminal, app.screens["home"]
        flow = terminal.flow("certificate")
        yield Until(lambda: terminal.identify.view.reader_available, "the reader to come online", 20)
        yield Until(lambda: terminal.owner.first_offering("a4") is not None
                    and terminal.owner.first_offering("a4").status.value == "online", "the A4 printer", 20)
        facts["tile"] = texts(home.tiles["certificate"])
        tap(home.tiles["certificate"])
        yield Until(lambda: app.sm.current == "identify", "the identify step")
        hut.control("idcard", "place_card", card="resident")
        identify = app.screens["identify"]
        yield Until(lambda: shown(identify.ids.proceed), "the card read", 20)
        yield frames(2)
        tap(identify.ids.proceed)
        yield Until(lambda: flow.view.state.value == "list", "the certificates", 60)
        screen = app.screens["certificates"]
        yield Until(lambda: len(screen.ids.choices.children) == 3, "the three buttons")
        yield frames(2)
        facts["list_headline"] = screen.ids.headline.ids.first.text
        facts["list"] = [b.text for b in reversed(screen.ids.choices.children)]
        facts["list_problems"] = problems(screen)
        yield from picture("certificate-list")

        # -- one certificate, checked, shown, printed --------------------------------------------
        first = next(b for b in screen.ids.choices.children if "居住证明" in b.text)
        tap(first)
        preview = app.screens["certificate_preview"]
        yield Until(lambda: app.sm.current == "certificate_preview" and flow.view.state.value == "preview",
                    "the checked preview", 30)
        yield frames(3)
        facts["preview_headline"] = preview.ids.headline.ids.first.text
        facts["preview_shown"] = preview.page is not None and shown(preview.ids.page)
        facts["preview_which"] = preview.ids.which.text
        facts["preview_problems"] = problems(preview)
        yield from picture("certificate-preview")
        before = set(printed(hut))
        started = time.monotonic()
        tap(preview.ids.print_button)
        page = app.screens["certificate_print"]
        yield Until(lambda: app.sm.current == "certificate_print", "the print step")
        yield Until(lambda: flow.view.state.value == "done", "the pages printed", 60)
        facts["print_seconds"] = round(time.monotonic() - started, 2)
        yield frames(3)
        facts["done_headline"] = page.ids.headline.ids.first.text
        facts["finish_shown"] = shown(page.ids.finish)
        facts["done_problems"] = problems(page)
        yield from picture("certificate-done")
        deadline = time.monotonic() + 20
        while len(set(printed(hut)) - before) < 2 and time.monotonic() < deadline:
            yield frames(5)
        made = sorted(set(printed(hut)) - before)
        facts["printed_files"] = len(made)
        if made:
            render_printed(made[0], Path(sys.argv[2]).parent / "certificate-printed-page1.png")

        # -- paper out mid-job: take page 1, the rest once paper is loaded ---------------------------
        tap(page.ids.frame.ids.back) if shown(page.ids.frame.ids.back) else flow.to_list()
        yield Until(lambda: flow.view.state.value == "list", "the list again")
        yield frames(3)
        hut.control("a4_printer", "tray", state="sheets 1")
        second = next(b for b in screen.ids.choices.children if "社保参保证明" in b.text)
        tap(second)
        yield Until(lambda: flow.view.state.value == "preview", "the second preview", 30)
        yield frames(3)
        tap(preview.ids.print_button)
        yield Until(lambda: flow.view.state.value == "stopped", "paper out", 60)
        yield frames(3)
        facts["stopped_headline"] = page.ids.headline.ids.first.text
        facts["stopped_out"] = page.ids.out.text
        facts["stopped_waiting"] = page.ids.waiting.text
        facts["stopped_problems"] = problems(page)
        yield from picture("certificate-paper-out")
        hut.control("a4_printer", "tray", state="ok")
        yield Until(lambda: flow.view.state.value == "done", "the rest printed", 60)
        yield frames(2)
        facts["after_refill"] = page.ids.headline.ids.first.text
        tap(page.ids.finish)
        yield Until(lambda: app.sm.current == "home", "home")
        facts["session_after_home"] = terminal.session.active
    return walk


def main() -> None:
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["idcard", "platform", "a4_printer"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut))


if __name__ == "__main__":
    main()
