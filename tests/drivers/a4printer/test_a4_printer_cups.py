"""The A4 printer driver against a real cupsd (simulators/cups): a cups-pdf
queue, its paper tray run out and jammed, the queue paused, CUPS gone.  The
pages checked are the PDFs cups-pdf wrote."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF

from drivers.a4printer.device import A4Printer, A4Unavailable
from drivers.base import Counters, OptionError, Status
from tests.cups_fixtures import cups_server, wait_for  # noqa: F401 - the fixture

pytestmark = pytest.mark.procs


def pdf(pages: int) -> bytes:
    doc = FPDF()
    for n in range(1, pages + 1):
        doc.add_page()
        doc.set_font("helvetica", size=28)
        doc.cell(text=f"certificate page {n}")
    return bytes(doc.output())


def printed_text(paths) -> list[str]:
    texts = []
    for path in paths:
        doc = pdfium.PdfDocument(str(path))
        try:
            texts += [doc[i].get_textpage().get_text_range().strip() for i in range(len(doc))]
        finally:
            doc.close()
    return texts


@pytest.fixture
def printer(cups_server, tmp_path):  # noqa: F811
    queue = cups_server.add_queue()
    device = A4Printer("a4_printer", url=cups_server.url, options={"queue": queue, "status_interval": 0.2},
                       counters=Counters(tmp_path / "counters.json"))
    device.open()
    yield device
    device.close()


def new_files(cups_server, before):  # noqa: F811
    return [p for p in cups_server.printed() if p not in before]


def test_a_two_page_document_prints_through_cups_pdf(cups_server, printer):  # noqa: F811
    assert printer.status is Status.ONLINE
    assert printer.info.model == "Generic CUPS-PDF Printer (no options)"
    before = set(cups_server.printed())
    run = printer.submit(pdf(2), (1, 2), "certificate TEST")
    done = wait_for(lambda: (p := printer.progress(run)).state == "done" and p)
    assert done.out == (1, 2)
    files = wait_for(lambda: len(new_files(cups_server, before)) == 2 and new_files(cups_server, before))
    assert printed_text(files) == ["certificate page 1", "certificate page 2"]
    assert printer.counters_view()["pages_printed"] == 2 and printer.counters_view()["documents"] == 1


def test_paper_out_mid_job_tells_the_pages_out_and_the_rest_prints_once_refilled(cups_server, printer):  # noqa: F811
    cups_server.tray(printer.queue, "sheets 1")
    before = set(cups_server.printed())
    run = printer.submit(pdf(3), (1, 2, 3), "certificate TEST")
    stopped = wait_for(lambda: (p := printer.progress(run)).state == "stopped" and p, what="paper out")
    assert (stopped.out, stopped.waiting, stopped.problem) == ((1,), (2, 3), "media_empty")
    assert printer.status is Status.USER_ERROR and printer.state.detail["paper"] == "out"
    assert printer.counters_view()["paper_outs"] == 1
    assert printed_text(new_files(cups_server, before)) == ["certificate page 1"]
    cups_server.tray(printer.queue, "ok")
    assert wait_for(lambda: printer.progress(run).state == "done", what="the rest printed once refilled")
    files = wait_for(lambda: len(new_files(cups_server, before)) == 3 and new_files(cups_server, before))
    assert printed_text(files) == ["certificate page 1", "certificate page 2", "certificate page 3"]
    assert printer.counters_view()["pages_printed"] == 3


def test_the_rest_of_a_stopped_run_cancelled_and_printed_again(cups_server, printer):  # noqa: F811
    cups_server.tray(printer.queue, "sheets 0")
    before = set(cups_server.printed())
    run = printer.submit(pdf(2), (1, 2), "certificate TEST")
    stopped = wait_for(lambda: (p := printer.progress(run)).state == "stopped" and p, what="paper out")
    assert stopped.out == () and printer.cancel(run) == (1, 2)
    cups_server.tray(printer.queue, "ok")
    # CUPS keeps the last job's "media-empty" on the idle queue: a new job is still taken.
    again = printer.submit(pdf(2), stopped.waiting, "certificate TEST")
    assert wait_for(lambda: printer.progress(again).state == "done")
    files = wait_for(lambda: len(new_files(cups_server, before)) == 2 and new_files(cups_server, before))
    assert printed_text(files) == ["certificate page 1", "certificate page 2"]


def test_a_jam_shows_in_the_state_without_printing_and_clears(cups_server, printer):  # noqa: F811
    cups_server.tray(printer.queue, "jam")
    run = printer.submit(pdf(1), (1,), "certificate TEST")
    jammed = wait_for(lambda: (p := printer.progress(run)).state == "stopped" and p)
    assert jammed.problem == "media_jam" and jammed.out == ()
    wait_for(lambda: printer.state.detail.get("problem") == "media_jam", what="the watcher sees the jam")
    cups_server.tray(printer.queue, "ok")
    assert wait_for(lambda: printer.progress(run).state == "done")
    assert printer.counters_view()["jams"] == 1


def test_a_paused_queue_takes_no_job(cups_server, printer):  # noqa: F811
    cups_server.lp("cupsdisable", "-r", "paused for service", printer.queue)
    with pytest.raises(A4Unavailable) as refused:
        printer.submit(pdf(1), (1,), "certificate TEST")
    assert refused.value.code == "paused"
    assert printer.status is Status.OFFLINE and printer.state.detail["problem"] == "paused"
    cups_server.lp("cupsenable", printer.queue)
    wait_for(lambda: printer.status is Status.ONLINE, what="the watcher sees the queue enabled")


def test_a_queue_that_rejects_jobs(cups_server, printer):  # noqa: F811
    cups_server.lp("cupsreject", printer.queue)
    assert printer.read().detail["problem"] == "not_accepting"
    cups_server.lp("cupsaccept", printer.queue)
    assert printer.read().ready


def test_no_such_queue_and_no_cups(cups_server, tmp_path):  # noqa: F811
    missing = A4Printer("a4_printer", url=cups_server.url, options={"queue": "no-such-queue"})
    reading = missing.read()
    assert reading.status is Status.NO_DEVICE and reading.detail["problem"] == "no_queue"
    gone = A4Printer("a4_printer", url=f"unix:{tmp_path}/none.sock", options={"queue": "hut-a4"})
    gone.open()
    try:
        assert gone.status is Status.OFFLINE and gone.state.detail["problem"] == "no_cups"
        with pytest.raises(A4Unavailable) as refused:
            gone.submit(pdf(1), (1,), "x")
        assert refused.value.code == "no_cups"
        assert "cupsd" in gone.check_health()
    finally:
        gone.close()


def test_options_go_through_the_one_mechanism():
    with pytest.raises(OptionError) as missing:
        A4Printer("a4_printer", url="unix:/run/cups/cups.sock", options={})
    assert missing.value.key == "queue" and "CUPS queue name" in missing.value.expected
    with pytest.raises(OptionError) as bad:
        A4Printer("a4_printer", url="unix:/run/cups/cups.sock", options={"queue": "q", "stuck_after": 1.0})
    assert bad.value.key == "stuck_after"
    with pytest.raises(OptionError) as url:
        A4Printer("a4_printer", url="tcp://10.0.0.5:9100", options={"queue": "q"})
    assert url.value.key == "url"
