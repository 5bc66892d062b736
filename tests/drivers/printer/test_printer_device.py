"""ReceiptPrinter against the simulated printer over real TCP and a real pty."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from drivers.base import Action, Counters, DeviceError, DeviceEvent, HealthLevel, OptionError, Status
from drivers.printer.device import PrintJobFailed, ReceiptPrinter
from drivers.printer.slip import Rows, Separator, Slip, Text, Title, layout, plain_text
from tests.printer_fixtures import wait_jobs


def slip(lines: int = 12) -> Slip:
    return Slip([Title("受理回执 Receipt"), Separator(), Rows([("受理编号 No.", "A20261126-0001")]),
                    *(Text(f"第{i}行 line {i}") for i in range(1, lines + 1))])



@pytest.fixture(params=["network", "serial"])
def printer(request, printer_sim, tmp_path):
    where = {"url": printer_sim.where()} if request.param == "network" else {"port": printer_sim.serial_port}
    device = ReceiptPrinter("printer", options={"status_timeout": 0.3}, counters=Counters(tmp_path / "c.json"),
                            **where)
    events: list = []
    device.subscribe(events.append)
    device.events = events
    device.open()
    try:
        yield device
    finally:
        device.close()


def test_opens_online_and_prints_a_slip_that_arrives_intact(printer, printer_sim):
    assert printer.status is Status.ONLINE
    assert printer.state.detail["paper"] == "ok"
    receipt = slip()
    result = printer.print_receipt(receipt)
    assert result.ok and result.cut
    (job,) = wait_jobs(printer_sim, 1)
    assert job["complete"] and job["cut"] == "full"
    text = [ln for ln in open(job["transcript"], encoding="utf-8").read().splitlines()
            if ln.strip() and not ln.startswith("[")]
    assert text == [ln for ln in plain_text(layout(receipt, 48), 48) if ln.strip()]
    c = printer.counters_view()
    assert c["jobs"] == 1 and c["cuts"] == 1 and c["lines_printed"] == result.lines_total
    assert any(isinstance(e, DeviceEvent) and e.kind == "job_done" for e in printer.events)


def test_no_answer_is_offline_with_paper_unknown_not_paper_out(printer, printer_sim):
    printer_sim.control("no_answer")
    status = printer.query_status()
    assert printer.status is Status.OFFLINE
    assert printer.state.detail["paper"] == "unknown" and printer.state.detail["reply"] == "none"
    assert status.paper != "end" and printer.counters.get("paper_outs") == 0
    # What to check, for the link the printer is on: a silent serial printer is most often a wrong baud rate.
    hint = printer.state.detail["hint"]
    assert ("9600 baud" in hint and "baudrate" in hint) if printer.port else "address" in hint
    with pytest.raises(PrintJobFailed) as failed:
        printer.print_receipt(slip(2))
    assert failed.value.code == "no_answer" and failed.value.action is Action.MAINTENANCE
    assert printer.counters.get("paper_outs") == 0
    time.sleep(0.7)
    assert printer_sim.jobs() == []  # nothing was sent to a printer that does not answer


def test_paper_out_in_the_middle_of_a_job_is_detected_and_reported(printer, printer_sim):
    printer_sim.control("set_paper", lines_left=5)
    receipt = slip(20)
    with pytest.raises(PrintJobFailed) as failed:
        printer.print_receipt(receipt, job_id="A20261126-0001")
    result = failed.value.result
    assert not result.ok and 0 < result.lines_sent < result.lines_total
    assert failed.value.action is Action.CLEAR and failed.value.code == "paper_end"
    assert "A20261126-0001" in str(failed.value)
    assert f"{result.lines_sent} of {result.lines_total} lines" in str(failed.value)
    assert printer.status is Status.USER_ERROR and printer.state.detail["paper"] == "end"
    counters = printer.counters_view()
    assert counters["paper_outs"] == 1 and counters["failed_jobs"] == 1 and counters["jobs"] == 0
    failed_events = [e for e in printer.events if isinstance(e, DeviceEvent) and e.kind == "job_failed"]
    assert failed_events and failed_events[0].data["job"] == "A20261126-0001"
    errors = [e for e in printer.events if isinstance(e, DeviceError)]
    assert any(e.code == "paper_end" and e.action is Action.CLEAR for e in errors)
    (partial,) = wait_jobs(printer_sim, 1)
    assert not partial["complete"] and partial["lines"] == 5 and partial["cut"] is None
    assert "[NOT PRINTED: paper end]" in open(partial["transcript"], encoding="utf-8").read()
    # Staff load paper; the next slip prints whole.
    printer_sim.control("reset")
    assert printer.print_receipt(receipt).ok
    jobs = wait_jobs(printer_sim, 2)
    assert jobs[1]["complete"] and jobs[1]["cut"] == "full"


def test_cover_open_stops_the_job_before_anything_is_sent(printer, printer_sim):
    printer_sim.control("open_cover")
    with pytest.raises(PrintJobFailed) as failed:
        printer.print_receipt(slip(3))
    assert failed.value.code == "cover_open" and failed.value.action is Action.CLEAR
    assert printer.status is Status.USER_ERROR and printer.state.detail["cover"] == "open"
    time.sleep(0.7)
    assert printer_sim.jobs() == []


def test_paper_jam_is_cleared_by_staff_and_nothing_is_printed(printer, printer_sim):
    printer_sim.control("paper_jam")
    with pytest.raises(PrintJobFailed) as failed:
        printer.print_receipt(slip(2))
    assert failed.value.code == "recoverable_error" and failed.value.action is Action.CLEAR
    assert printer.status is Status.USER_ERROR and "卡纸" in printer.last_status.problems()[0].what_zh
    printer_sim.control("paper_jam", on=False)
    assert printer.print_receipt(slip(2)).ok


def test_cutter_jam_at_the_cut_counts_a_failed_cut_and_calls_maintenance(printer, printer_sim):
    printer.print_receipt(slip(2))
    printer_sim.control("cutter_error", on_next_cut=True)
    with pytest.raises(PrintJobFailed) as failed:
        printer.print_receipt(slip(2))
    assert failed.value.action is Action.MAINTENANCE and "not cut" in str(failed.value)
    assert printer.status is Status.HARDWARE_ERROR and printer.state.detail["cutter"] == "error"
    c = printer.counters_view()
    assert c["cuts"] == 1 and c["failed_cuts"] == 1 and c["failed_jobs"] == 1
    jobs = wait_jobs(printer_sim, 2)
    assert jobs[1]["cut"] is None and "[CUT FAILED: autocutter error]" in jobs[1]["notes"]
    # A broken cutter stops the next job before it starts.
    with pytest.raises(PrintJobFailed) as again:
        printer.print_receipt(slip(1))
    assert again.value.code == "autocutter_error" and "before printing" in str(again.value)


def test_near_end_is_online_with_detail(printer, printer_sim):
    printer_sim.control("set_paper", state="near_end")
    assert printer.query_status().summary() == "OK, paper near its end"
    assert printer.status is Status.ONLINE and printer.state.detail["paper"] == "near_end"
    assert printer.print_receipt(slip(1)).ok


def test_health_checks(printer, printer_sim):
    assert printer.check_health(HealthLevel.INTERNAL) == "OK"
    assert printer.check_health(HealthLevel.EXTERNAL) == "OK"
    (job,) = wait_jobs(printer_sim, 1)
    assert "打印机测试单" in open(job["transcript"], encoding="utf-8").read()
    printer_sim.control("set_paper", state="end")
    assert "paper" in printer.check_health(HealthLevel.INTERNAL)
    assert "paper" in printer.check_health(HealthLevel.EXTERNAL)


def test_counters_survive_a_restart(printer_sim, tmp_path):
    path = tmp_path / "counters.json"
    with ReceiptPrinter("p", url=printer_sim.where(), counters=Counters(path)) as device:
        device.print_receipt(slip(3))
    again = ReceiptPrinter("p", url=printer_sim.where(), counters=Counters(path))
    assert again.counters.get("jobs") == 1 and again.counters.get("cuts") == 1


def test_a_printer_that_went_away_is_offline(printer_sim, tmp_path):
    device = ReceiptPrinter("p", url=printer_sim.where(), options={"status_timeout": 0.2})
    device.open()
    printer_sim.stop()
    device.query_status()
    assert device.status is Status.OFFLINE and device.state.detail["paper"] == "unknown"
    device.close()


def test_unreachable_at_open_is_offline_not_a_crash():
    device = ReceiptPrinter("p", url="tcp://127.0.0.1:9", options={"connect_timeout": 0.5})
    device.open()
    assert device.status is Status.OFFLINE
    with pytest.raises(PrintJobFailed):
        device.print_receipt(slip(1))
    assert device.counters.get("comm_errors") >= 1
    device.close()


def test_options_are_checked_with_the_key_and_what_is_expected():
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"encoding": "latin-1"})
    assert bad.value.key == "encoding" and "gb18030" in bad.value.expected
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"profile": "nope"})
    assert bad.value.key == "profile" and "generic80-cn" in bad.value.expected
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"papr_width": 80})
    assert bad.value.key == "papr_width"
    with pytest.raises(OptionError):
        ReceiptPrinter.check_options({"paper_width": 70})
    with pytest.raises(OptionError):
        ReceiptPrinter.check_options({"status_timeout": "fast"})
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"baudrate": 9600.5})
    assert bad.value.key == "baudrate" and bad.value.expected == "a whole number from 1200 to 921600"
    with pytest.raises(OptionError) as bad:  # 48 columns of 12 dots do not fit 58 mm paper
        ReceiptPrinter.check_options({"paper_width": 58, "columns": 48})
    assert bad.value.key == "columns" and "at most 32 columns" in bad.value.expected
    opts = ReceiptPrinter.check_options({"profile": "generic80-cn", "paper_width": "58mm", "encoding": "GBK"})
    assert opts["paper_width"] == 58 and opts["encoding"] == "gbk"


def test_from_config_picks_transport_and_applies_profile_overrides():
    cfg = SimpleNamespace(name="printer", driver="printer.escpos", port=None, url="tcp://127.0.0.1:9100",
                          enabled=True, options=ReceiptPrinter.check_options({"paper_width": 58, "encoding": "big5"}))
    device = ReceiptPrinter.from_config("printer", cfg, Counters(None))
    assert device.transports == frozenset({"serial", "network"})
    assert device.profile.columns == 32 and device.profile.dots == 384 and device.profile.encoding == "big5"
    with pytest.raises(OptionError):
        ReceiptPrinter("x", url="http://127.0.0.1")
    for url in ("tcp://127.0.0.1:99999", "tcp://127.0.0.1:x", "tcp://:9100", "tcp://127.0.0.1:0"):
        with pytest.raises(OptionError) as bad:
            ReceiptPrinter("x", url=url)
        assert bad.value.key == "url"
    assert ReceiptPrinter("x", url="tcp://127.0.0.1")._address == ("127.0.0.1", 9100)
    with pytest.raises(OptionError):
        ReceiptPrinter("x")


def test_unreachable_printer_says_why_in_its_state():
    device = ReceiptPrinter("p", url="tcp://127.0.0.1:9", options={"connect_timeout": 0.5})
    device.open()
    assert device.state.detail["link"] == "cannot connect to tcp://127.0.0.1:9: Connection refused"
    device.close()


def test_model_firmware_and_serial_come_from_the_printer(printer):
    assert printer.info.model == "HUT-SIM80"
    assert printer.info.firmware == "HUT-SIM 1.0" and printer.info.serial == "SIM00000001"
    assert printer.info.supports("real_time_status") and printer.info.supports("cut")


def test_a_printer_without_id_replies_keeps_the_profile_as_model(printer_sim, monkeypatch):
    monkeypatch.setattr(printer_sim, "info_reply", lambda n: None)
    with ReceiptPrinter("p", url=printer_sim.where(), options={"status_timeout": 0.2}) as device:
        assert device.status is Status.ONLINE
        assert device.info.model == "ESC/POS 80 mm (generic80-cn)" and device.info.serial == "unknown"


def test_a_paper_out_is_counted_once_however_often_it_is_looked_at(printer_sim, tmp_path):
    path = tmp_path / "counters.json"
    with ReceiptPrinter("p", url=printer_sim.where(), counters=Counters(path)) as device:
        printer_sim.control("set_paper", state="end")
        device.query_status()
        device.query_status()
        assert device.counters.get("paper_outs") == 1
    # A new process (`kiosk printer status`) sees the same empty printer: not a new paper-out.
    with ReceiptPrinter("p", url=printer_sim.where(), counters=Counters(path)) as device:
        assert device.state.detail["paper"] == "end"
        assert device.counters.get("paper_outs") == 1
        printer_sim.control("reset")
        device.query_status()
        printer_sim.control("set_paper", state="end")
        device.query_status()
        assert device.counters.get("paper_outs") == 2
