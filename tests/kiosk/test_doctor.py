"""`kiosk doctor` at a site where nothing answers: each device is listed with
a status that says what is wrong (not a crash, not a false OK), exit code 1."""

from __future__ import annotations

import json
import socket
import subprocess

from tests.site_config import write_site


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: connecting is refused


def test_doctor_names_missing_and_silent_devices(tmp_path, kiosk_cmd):
    cfg = write_site(tmp_path, f"""
[devices.idcard]
driver = "idcard.sam"
port = "{tmp_path}/ttyUSB-absent"
[devices.printer]
driver = "printer.escpos"
url = "tcp://127.0.0.1:{_refused_port()}"
[devices.spare]
driver = "printer.escpos"
url = "tcp://127.0.0.1:9"
enabled = false
[devices.front_camera]
driver = "face_camera.uvc"
port = "{tmp_path}/video-absent"
""", terminal_id="T1", terminal_key=b"k" * 32)  # enrolled: not the finding here
    table = subprocess.run([*kiosk_cmd, "--config", str(cfg), "doctor"], capture_output=True, text=True, timeout=60)
    assert table.returncode == 1 and "Traceback" not in table.stderr
    device_table = table.stdout.split("\n\n")[0]
    lines = {line.split()[0]: line for line in device_table.splitlines()[2:]}
    assert "no_device" in lines["idcard"] and "ttyUSB-absent" in lines["idcard"]
    assert "offline" in lines["printer"] and "OK" not in lines["printer"]
    assert "disabled" in lines["spare"]
    # The verdict names every device that needs someone, with what to do (issue 21 item 17).
    verdict = table.stdout.split("verdict: ")[1]
    assert verdict.startswith("needs staff")
    named = {line.split()[0] for line in verdict.splitlines()[1:] if line.startswith("  ")}
    assert {"idcard", "printer", "front_camera"} <= named and "spare" not in named
    printer_line = next(line for line in verdict.splitlines() if line.strip().startswith("printer "))
    assert "/" in printer_line and ("staff" in printer_line or "engineer" in printer_line)

    proc = subprocess.run([*kiosk_cmd, "--config", str(cfg), "doctor", "--json"],
                          capture_output=True, text=True, timeout=60)
    rows = {r["name"]: r for r in json.loads(proc.stdout)["devices"]}
    assert rows["idcard"]["status"] == "no_device"
    assert rows["printer"]["status"] == "offline" and rows["printer"]["detail"]["paper"] == "unknown"
    assert rows["printer"]["last_error"]["action"] == "maintenance"
    assert rows["spare"]["status"] == "disabled"
    # the front camera's advice names the front camera, not the document camera it shares a driver with
    assert rows["front_camera"]["status"] == "no_device"
    assert "前置摄像头" in rows["front_camera"]["advice"]["zh"] and "高拍仪" not in rows["front_camera"]["advice"]["zh"]


def test_doctor_names_each_card_reader_by_the_card_it_reads(tmp_path, kiosk_cmd):
    cfg = write_site(tmp_path, """
[devices.ssc]
driver = "smartcard.pcsc"
port = "Absent PCD 00 00"
[devices.staffcard]
driver = "smartcard.pcsc"
port = "Absent PCD 00 01"
options = {reads = "staff_uid"}
""", terminal_id="T1", terminal_key=b"k" * 32)
    proc = subprocess.run([*kiosk_cmd, "--config", str(cfg), "doctor", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    rows = {r["name"]: r for r in json.loads(proc.stdout)["devices"]}
    assert rows["staffcard"]["device"] == {"zh": "工作卡读卡器", "en": "staff card reader"}
    assert rows["ssc"]["device"] == {"zh": "社保卡读卡器", "en": "social security card reader"}
    table = subprocess.run([*kiosk_cmd, "--config", str(cfg), "doctor"], capture_output=True, text=True, timeout=60)
    assert any(line.startswith("staffcard (工作卡读卡器 staff card reader): ") for line in table.stdout.splitlines())
