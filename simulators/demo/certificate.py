"""The demo's 证明打印 part: the resident's certificates, one checked and
previewed, printed on the hut's A4 printer (a real cupsd with a cups-pdf
queue); the first page cups-pdf wrote, rendered next to the screenshots; the
verification code answered by the platform as a receiving office would ask.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until, hut_control


def certificate_walkthrough(app: Any, control_url: str, out: Path, shot: Callable[[str, str], None],
                            devices: dict[str, Any], log: Callable[[str], None]) -> Script:
    needed = {"idcard", "a4_printer", "platform"}
    if not needed <= set(devices):
        log(f"  skipped the certificate: this hut has no {', '.join(sorted(needed - set(devices)))}")
        return
    terminal = app.terminal
    flow = terminal.flow("certificate")

    def state() -> str:
        return str(flow.view.state.value)

    def printed() -> list[str]:
        return list(hut_control(control_url, "a4_printer", "printed").get("printed", []))

    app.go_home("resident")
    app.open_service("certificate")
    hut_control(control_url, "idcard", "place_card", card="resident")
    yield Until(lambda: terminal.identify.view.state.value == "identified", "the card read", 20)
    terminal.continue_()
    yield Until(lambda: state() in ("list", "none_found", "unavailable"), "the certificates", 60)
    if state() != "list":
        log(f"  skipped the certificate: {state()}")
        return
    yield SETTLE
    shot("60-certificate-list", "证明打印: the certificates the district issued this resident")
    chosen = next((c for c in flow.view.certificates if c.title == "居住证明"), flow.view.certificates[0])
    flow.choose(chosen.code)
    yield Until(lambda: state() in ("preview", "refused", "unavailable"), "the checked certificate", 60)
    if state() != "preview":
        log(f"  the certificate was not shown: {state()} {flow.view.refusal}")
        return
    yield SETTLE
    shot("61-certificate-preview", "Its first page, shown once the district's seal and the holder are checked")
    before = set(printed())
    flow.print_()
    yield Until(lambda: state() in ("done", "stopped", "print_failed"), "the pages printed", 60)
    yield SETTLE
    shot("62-certificate-printed", "Printed on the A4 printer (CUPS): take your papers")
    deadline = time.monotonic() + 20
    while len(set(printed()) - before) < chosen.pages and time.monotonic() < deadline:
        yield SETTLE
    made = sorted(set(printed()) - before)
    folder = out / "certificates"
    folder.mkdir(exist_ok=True)
    if made:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(made[0])
        try:
            doc[0].render(scale=1.5).to_pil().convert("RGB").save(folder / "printed-page1.png")
        finally:
            doc.close()
        log(f"  the certificate's first page as cups-pdf printed it: {folder / 'printed-page1.png'}")
    url = terminal.settings.platform.url.rstrip("/") + f"/v1/certificates/{chosen.code}"
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.loads(response.read())
    (folder / "verified.json").write_text(json.dumps(answer, ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
    log(f"  the verification code answered: {answer.get('title')} {answer.get('holder')} {answer.get('status')}")
    app.go_home("done")
    hut_control(control_url, "idcard", "remove_card")
    yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
