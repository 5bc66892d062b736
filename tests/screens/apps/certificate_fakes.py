"""Stand-ins for the layout probe's 证明打印 scenes: the platform's answer (a
resident with four certificates, one a real PDF sealed by a test e-seal the
flow trusts) and an A4 printer whose next run stops with the paper out after
page 1.  The UI test (probe_certificate.py) uses the real ones."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from drivers.a4printer.device import PrintRun, RunProgress
from drivers.base import Device, DeviceInfo, HealthLevel, Status

KINDS = ("residence", "social_insurance", "elderly_allowance", "subsistence")


class FakeCertificates:
    """``certificates_for`` and ``certificate_document`` of the platform's client."""

    def __init__(self, name: str, id_number: str):
        from simulators.platform.certificates import KINDS as WORDS
        from simulators.platform.certificates import Holder, SealKeys, new_code, render_pdf, seal_image, sign_pdf

        self.keys = SealKeys.generate("天津市和平区")
        self.entries = []
        holder = Holder(name, id_number, "2", "19441231", "黑龙江省哈尔滨市平房区友协大街1号")
        for kind in KINDS:
            zh, en, office, _ = WORDS[kind]
            self.entries.append({"code": new_code(), "kind": kind, "title": zh, "title_en": en, "issued_by": office,
                                 "issued_on": "2026-12-07", "pages": 2, "holder": name[0] + "**"})
        first = self.entries[0]["code"]
        self.pdf = sign_pdf(render_pdf(KINDS[0], first, holder, dt.date(2026, 12, 7), "天津市和平区",
                                       seal_image("天津市和平区", 200)), self.keys)

    def trust(self) -> tuple[Any, ...]:
        import tempfile
        from pathlib import Path

        from kiosk.services.certificate.verify import load_trust

        with tempfile.NamedTemporaryFile(suffix=".pem") as fh:
            Path(fh.name).write_bytes(self.keys.ca_pem)
            return load_trust(Path(fh.name))

    def certificates_for(self, id_hashes: Any, budget: float | None = None) -> list[dict]:
        return list(self.entries)

    def certificate_document(self, code: str, id_hashes: Any, budget: float | None = None) -> bytes | None:
        return self.pdf if code == self.entries[0]["code"] else None


class PaperOutPrinter(Device):
    """An A4 printer whose runs stop with the paper out after their first page."""

    device_class: ClassVar[str] = "a4printer"
    stuck_after = 90.0

    def __init__(self, name: str = "a4_printer"):
        super().__init__(name)
        self._set_info(DeviceInfo(model="FAKE A4", capabilities=frozenset({"a4"})))

    def _open(self) -> None:
        self._set_state(Status.ONLINE)

    def _close(self) -> None:
        pass

    def _check_health(self, level: HealthLevel) -> str:
        return "OK"

    def submit(self, document: bytes, pages: Any, title: str) -> PrintRun:
        return PrintRun(title, tuple(pages), tuple(range(1, len(pages) + 1)))

    def progress(self, run: PrintRun) -> RunProgress:
        return RunProgress("stopped", run.pages[:1], run.pages[1:], "media_empty", "out of paper")

    def cancel(self, run: PrintRun) -> tuple[int, ...]:
        return run.pages[1:]
