"""`kiosk receipt render|preview` and `kiosk printer status|test`, run as a
technician runs them (a subprocess), against the simulated printer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from drivers.printer.paper import slips_from_bytes

JOB = {"title": "受理回执 Receipt", "rows": [["受理编号 No.", "A20261126-0001"], ["证件号码 ID", "230108********1234"]],
       "lines": ["请妥善保管本回执 Please keep this receipt"], "qr": "https://hut.example.cn/t/A20261126-0001"}


def kiosk(*args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "kiosk.cli"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@pytest.fixture
def job_file(tmp_path):
    path = tmp_path / "job.json"
    path.write_text(json.dumps(JOB, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path, printer_sim):
    import tomli_w

    from kiosk.config import write_secrets_file

    secrets = tmp_path / "secrets.toml"
    write_secrets_file(secrets)
    path = tmp_path / "kiosk.toml"
    path.write_text(tomli_w.dumps({
        "terminal": {"id": "TEST-0001"}, "platform": {"url": "http://127.0.0.1:9"},
        "paths": {"state_dir": str(tmp_path / "state"), "secrets_file": str(secrets)},
        "devices": {"printer": {"driver": "printer.escpos", "url": printer_sim.where(),
                                "options": {"profile": "generic80-cn", "status_timeout": 0.3}}}}))
    return path


@pytest.mark.parametrize("profile,encoding", [("generic80-cn", "gb18030"), ("generic58-cn", "gbk")])
def test_render_writes_the_escpos_bytes(job_file, tmp_path, profile, encoding):
    out = tmp_path / "out.bin"
    run = kiosk("receipt", "render", str(job_file), "--out", str(out), "--profile", profile)
    assert run.returncode == 0, run.stderr
    (slip,) = slips_from_bytes(out.read_bytes(), encoding, True)
    assert "受理回执 Receipt" in slip.transcript() and "[QR] " + JOB["qr"] in slip.transcript()
    assert "受理回执".encode(encoding) in out.read_bytes()


def test_preview_png_has_the_scannable_qr(job_file, tmp_path):
    out = tmp_path / "out.png"
    run = kiosk("receipt", "preview", str(job_file), "--out", str(out))
    assert run.returncode == 0, run.stderr
    data, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(out)))
    assert data == JOB["qr"]


def test_bad_job_is_one_clear_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "rows": [["only label"]]}')
    run = kiosk("receipt", "render", str(bad), "--out", str(tmp_path / "o.bin"))
    assert run.returncode == 2 and "rows" in run.stderr and "Traceback" not in run.stderr
    bad.write_text("{not json")
    run = kiosk("receipt", "preview", str(bad), "--out", str(tmp_path / "o.png"))
    assert run.returncode == 2 and "not valid JSON" in run.stderr
    assert not (tmp_path / "o.bin").exists()


def test_printer_status_json_and_no_answer(config, printer_sim):
    run = kiosk("printer", "status", "--json", config=config)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == "online" and report["detail"]["paper"] == "ok"
    printer_sim.control("no_answer")
    run = kiosk("printer", "status", config=config)
    assert run.returncode == 1
    assert "offline" in run.stdout and "does not answer" in run.stdout and "paper roll is out" not in run.stdout
    printer_sim.control("reset")
    printer_sim.control("set_paper", state="end")
    run = kiosk("printer", "status", config=config)
    assert run.returncode == 1 and "paper roll is out" in run.stdout and "换纸" in run.stdout


def test_printer_test_prints_the_maintenance_slip(config, printer_sim):
    run = kiosk("printer", "test", config=config)
    assert run.returncode == 0, run.stderr
    deadline = time.monotonic() + 5
    while not printer_sim.jobs() and time.monotonic() < deadline:
        time.sleep(0.05)
    (job,) = printer_sim.jobs()
    transcript = Path(job["transcript"]).read_text(encoding="utf-8")
    assert "维护测试单" in transcript and "TEST-0001" in transcript
    printer_sim.control("open_cover")
    run = kiosk("printer", "test", config=config)
    assert run.returncode == 1 and "cover is open" in run.stderr and "Traceback" not in run.stderr
