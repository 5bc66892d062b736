"""证明打印 through the terminal in process, against the reference platform
(certificates sealed by its e-seal) and a real cupsd with a cups-pdf queue as
the A4 printer: identify, list, the checked preview, print; paper out
mid-job (the pages out told, the rest printed once refilled), a paused queue
(nothing lost, printed after), a visit that ends with pages queued (cancelled:
nothing prints for nobody), a certificate the terminal cannot trust."""

from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from drivers.a4printer.device import A4Printer
from kiosk.flows.service import Step
from kiosk.services.certificate.flow import DOCUMENT, CertState
from simulators.idcard.cards import CARDS
from simulators.platform.testing import Terminal, client_for, start_platform
from tests.cups_fixtures import cups_server, wait_for  # noqa: F401 - the fixture
from tests.terminal_kit import DEVICES, TerminalKit, card, identify

pytestmark = pytest.mark.procs

LI = CARDS["resident"]
A4_TABLE = """
[devices.a4_printer]
driver = "a4printer.cups"
url = "unix:/run/cups/cups.sock"
options = {{ queue = "{queue}" }}
"""


@pytest.fixture(scope="module")
def terminal():
    return Terminal()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, terminal):
    server = start_platform(tmp_path_factory.mktemp("platform"), terminal)
    yield server
    server.stop()


@pytest.fixture
def hut(make_settings, platform, terminal, cups_server):  # noqa: F811
    """``hut(trusted=True)``: a terminal whose A4 printer is a fresh queue of the module's cupsd."""
    made = []

    def make(trusted: bool = True, url: str = ""):
        queue = cups_server.add_queue()
        settings = make_settings(DEVICES + A4_TABLE.format(queue=queue))
        ca = platform.store.db_path.parent / "certificates" / "seal-ca.pem"
        settings = replace(settings, secrets=replace(settings.secrets, id_hash_keys=terminal.id_hash_keys),
                           platform=settings.platform.model_copy(update={"seal_ca_file": ca if trusted else None}))
        client = client_for(platform.url, terminal, read_timeout=30.0)
        client.status_budget = 60.0
        kit = TerminalKit(settings, client=client)
        printer = A4Printer("a4_printer", url=url or cups_server.url, options={"queue": queue, "status_interval": 0.3})
        kit.devices["a4_printer"] = printer
        kit.__enter__()
        kit.run_until(lambda: printer.status.value in ("online", "offline"), "the A4 printer to open")
        made.append(kit)
        return kit, printer

    yield make
    for kit in made:
        kit.__exit__(None, None, None)


def page_image(source, index: int = 0):
    """A page as a small grey picture (cups-pdf's pages come back through
    Ghostscript with their text as outlines: compared by how they look)."""
    import numpy as np

    doc = pdfium.PdfDocument(source)
    try:
        image = doc[index].render(scale=0.5).to_pil().convert("L").resize((210, 297))
        return np.asarray(image, dtype=float)
    finally:
        doc.close()


def printed_pages(paths) -> list:
    return [page_image(str(p), i) for p in paths for i in range(len(pdfium.PdfDocument(str(p))))]


def same_pages(printed, pdf: bytes, pages) -> bool:
    """Each printed page looks like the certificate's page it should be, and not like the others."""
    originals = {n: page_image(pdf, n - 1) for n in (1, 2)}
    for got, want in zip(printed, pages):
        here = abs(got - originals[want]).mean()
        other = abs(got - originals[3 - want]).mean()
        if not here < 8 < other:
            return False
    return len(printed) == len(pages)


def to_preview(kit, title="居住证明"):
    t = kit.terminal
    t.open_service("certificate")
    flow = t.flow("certificate")
    assert kit.step is Step.IDENTIFY
    identify(kit, card(name=LI["name"], id_number=LI["id_number"]))
    kit.run_until(lambda: flow.state is CertState.LIST, "the resident's certificates", timeout=60)
    assert kit.step is Step.CERTIFICATES and flow.view.masked_name == "李**"
    assert sorted(c.title for c in flow.view.certificates) == ["居住证明", "社保参保证明", "高龄津贴领取证明"]
    chosen = next(c for c in flow.view.certificates if c.title == title)
    assert flow.choose(chosen.code)
    kit.run_until(lambda: flow.state is CertState.PREVIEW, "the checked certificate", timeout=30)
    assert kit.step is Step.CERTIFICATE_PREVIEW
    assert flow.view.preview.startswith(b"\x89PNG") and flow.view.pages == 2
    return flow, chosen


def new_files(cups_server, before):  # noqa: F811
    return [p for p in cups_server.printed() if p not in before]


def test_a_certificate_is_checked_previewed_and_printed(hut, cups_server):  # noqa: F811
    kit, printer = hut()
    flow, chosen = to_preview(kit)
    before = set(cups_server.printed())
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.DONE, "the pages printed", timeout=30)
    assert kit.step is Step.CERTIFICATE_PRINT and flow.view.out == (1, 2) and flow.view.waiting == ()
    files = wait_for(lambda: len(new_files(cups_server, before)) == 2 and new_files(cups_server, before))
    assert same_pages(printed_pages(files), kit.terminal.session.get(DOCUMENT), (1, 2))   # as cups-pdf wrote them
    assert printer.counters_view()["pages_printed"] == 2


def test_paper_out_mid_job_then_the_rest_once_refilled(hut, cups_server):  # noqa: F811
    kit, printer = hut()
    flow, chosen = to_preview(kit)
    cups_server.tray(printer.queue, "sheets 1")
    before = set(cups_server.printed())
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.STOPPED, "paper out", timeout=30)
    assert (flow.view.problem, flow.view.out, flow.view.waiting) == ("media_empty", (1,), (2,))
    assert flow.speech() == "stopped_media_empty" and flow.keeps_resident_here() is False
    cups_server.tray(printer.queue, "ok")
    kit.run_until(lambda: flow.state is CertState.DONE, "the rest printed", timeout=30)
    assert flow.view.out == (1, 2)
    files = wait_for(lambda: len(new_files(cups_server, before)) == 2 and new_files(cups_server, before))
    assert same_pages(printed_pages(files), kit.terminal.session.get(DOCUMENT), (1, 2))


def test_a_paused_queue_loses_nothing(hut, cups_server):  # noqa: F811
    kit, printer = hut()
    flow, _ = to_preview(kit)
    cups_server.lp("cupsdisable", "-r", "maintenance", printer.queue)
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.PRINT_FAILED, "the refusal", timeout=30)
    assert flow.view.problem == "paused" and flow.view.waiting == (1, 2)
    assert flow.speech() == "print_failed_paused"
    cups_server.lp("cupsenable", printer.queue)
    wait_for(lambda: printer.read().ready)
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.DONE, "printed after all", timeout=30)


def test_a_visit_that_ends_with_pages_queued_cancels_them(hut, cups_server):  # noqa: F811
    kit, printer = hut()
    flow, _ = to_preview(kit)
    cups_server.tray(printer.queue, "sheets 0")
    before = set(cups_server.printed())
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.STOPPED, "paper out", timeout=30)
    run = flow.queued
    kit.terminal.home("test")
    kit.run_until(lambda: kit.step is None, "home")
    wait_for(lambda: all(printer.job(j).state.finished for j in run.jobs), what="the queued pages cancelled")
    cups_server.tray(printer.queue, "ok")
    assert new_files(cups_server, before) == []


def test_an_untrusted_certificate_is_refused_before_anything_shows(hut):
    kit, _ = hut(trusted=False)
    t = kit.terminal
    t.open_service("certificate")
    flow = t.flow("certificate")
    identify(kit, card(name=LI["name"], id_number=LI["id_number"]))
    kit.run_until(lambda: flow.state is CertState.LIST, "the list", timeout=60)
    assert flow.choose(flow.view.certificates[0].code)
    kit.run_until(lambda: flow.state is CertState.REFUSED, "the refusal", timeout=30)
    assert flow.view.refusal == "untrusted" and flow.view.preview == b"" and not flow.print_()
    assert flow.back() and flow.state is CertState.LIST


def test_a_stuck_job_is_given_up_and_the_resident_may_try_again(hut, cups_server):  # noqa: F811
    kit, printer = hut()
    flow, _ = to_preview(kit)
    cups_server.tray(printer.queue, "hang")
    assert flow.print_()
    kit.run_until(lambda: flow.queued is not None, "the pages queued", timeout=30)
    run = flow.queued
    # time passes while the job hangs (moved on at each look: the first progress report may come
    # after one move, and the flow counts "no progress" from the first report it sees)
    kit.run_until(lambda: flow.state is CertState.PRINT_FAILED or bool(kit.clock.advance(printer.stuck_after / 3)),
                  "given up", timeout=30)
    assert flow.view.problem == "stuck" and flow.view.waiting == (1, 2)
    wait_for(lambda: all(printer.job(j).state.finished for j in run.jobs), what="the stuck pages cancelled")
    cups_server.tray(printer.queue, "ok")
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.DONE, "printed on the second try", timeout=30)


def test_cups_not_running_loses_nothing(hut, tmp_path):
    kit, printer = hut(url=f"unix:{tmp_path}/no-cupsd.sock")
    assert printer.state.detail["problem"] == "no_cups"
    flow, _ = to_preview(kit)
    assert flow.print_()
    kit.run_until(lambda: flow.state is CertState.PRINT_FAILED, "the refusal", timeout=30)
    assert (flow.view.problem, flow.view.out, flow.view.waiting) == ("no_cups", (), (1, 2))
    assert flow.speech() == "print_failed_no_cups"
    assert kit.terminal.session.get(DOCUMENT) is not None      # kept for 重试 once staff restarted CUPS
