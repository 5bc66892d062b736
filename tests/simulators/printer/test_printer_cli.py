"""`kiosk receipt render|preview` and `kiosk printer status|test`, run as a
technician runs them (a subprocess), against the simulated printer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from drivers.printer.paper import slips_from_bytes
from tests.printer_fixtures import wait_jobs

pytestmark = pytest.mark.procs

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


BAD_JOBS = [  # (JOB.json text, what the one-line message must name)
    ('{"title": "x", "rows": [], ', "not valid JSON (line 1"),
    ('{"rows": [], "lines": [], "qr": null}', '"title"'),
    ('{"title": 5, "rows": [], "lines": [], "qr": null}', '"title"'),
    ('{"title": "x", "rows": [["only label"]], "lines": [], "qr": null}', '"rows" item 1'),
    ('{"title": "x", "rows": [["a", "b"], [1, 2]], "lines": [], "qr": null}', '"rows" item 2'),
    ('{"title": "x", "rows": [["a", {"b": 1}]], "lines": [], "qr": null}', '"rows" item 1'),
    ('{"title": "x", "rows": {"a": "b"}, "lines": [], "qr": null}', '"rows"'),
    ('{"title": "x", "rows": [], "lines": "one line", "qr": null}', '"lines"'),
    ('{"title": "x", "rows": [], "lines": ["a", 3], "qr": null}', '"lines" item 2'),
    ('{"title": "x", "rows": [], "lines": [], "qr": 42}', '"qr"'),
    ('{"title": "x", "rows": [], "lines": [], "qr": null, "barcode": "中文"}', '"barcode"'),
    ('[{"title": "x"}]', "JSON object"),
    ('{"slip": "health_report", "data": {"results": [1]}}', '"results" item 1'),
    ('{"slip": "service_guide", "data": {"matter": "x", "steps": 5}}', '"steps"'),
    ('{"slip": "application_receipt", "data": [1]}', '"data"'),
]


@pytest.mark.parametrize("command", ["render", "preview"])
@pytest.mark.parametrize("text,names", BAD_JOBS, ids=[n for _, n in BAD_JOBS])
def test_bad_job_is_one_clear_line_and_exit_2(tmp_path, command, text, names):
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / ("o.bin" if command == "render" else "o.png")
    run = kiosk("receipt", command, str(bad), "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert names in run.stderr and str(bad) in run.stderr
    assert not out.exists() and run.stdout == ""


def test_job_with_a_whole_id_prints_it_masked(tmp_path):
    job = dict(JOB, rows=[["证件号码 ID", "230108195001011234"]], lines=["身份证 230108195001011234 已核验"])
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.bin"
    assert kiosk("receipt", "render", str(path), "--out", str(out)).returncode == 0
    data = out.read_bytes()
    assert b"230108195001011234" not in data and b"19500101" not in data
    assert data.count(b"230108********1234") == 2


def test_a_key_the_job_does_not_print_is_named_not_silently_dropped(tmp_path):
    path = tmp_path / "job.json"
    path.write_text(json.dumps(dict(JOB, line=["typo for lines"]), ensure_ascii=False), encoding="utf-8")
    run = kiosk("receipt", "render", str(path), "--out", str(tmp_path / "out.bin"))
    assert run.returncode == 0 and "'line' is not printed" in run.stderr


def test_bad_printer_url_in_the_config_names_the_key(config, tmp_path):
    text = config.read_text().replace('url = "tcp://127.0.0.1:', 'url = "tcp://127.0.0.1:99')
    config.write_text(text)
    run = kiosk("printer", "status", config=config)
    assert run.returncode == 2 and "devices.printer.url" in run.stderr and "65535" in run.stderr
    assert "Traceback" not in run.stderr


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


def test_printer_test_prints_the_test_slip(config, printer_sim):
    run = kiosk("printer", "test", config=config)
    assert run.returncode == 0, run.stderr
    (job,) = wait_jobs(printer_sim, 1)
    transcript = Path(job["transcript"]).read_text(encoding="utf-8")
    assert "打印机测试单" in transcript and "TEST-0001" in transcript and "终端 Terminal" in transcript
    printer_sim.control("open_cover")
    run = kiosk("printer", "test", config=config)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    # What the maintenance worker reads: not printed, why, in Chinese too, and who acts.
    (message,) = [ln for ln in run.stderr.splitlines() if ln.startswith("test slip NOT printed")]
    assert "打印机盖未合上" in message and "cover is open" in message and "[clear]" in message
    assert "before printing" in message and "0 of" in message


def test_printer_test_reports_paper_running_out_midway(config, printer_sim):
    printer_sim.control("set_paper", lines_left=3)
    run = kiosk("printer", "test", config=config)
    assert run.returncode == 1
    (message,) = [ln for ln in run.stderr.splitlines() if ln.startswith("test slip NOT printed")]
    assert "after part 1 of" in message and "换纸" in message and "8 of" in message
    report = json.loads(kiosk("printer", "status", "--json", config=config).stdout)
    assert report["status"] == "user_error" and report["detail"]["paper"] == "end"
    # Looking again at an empty printer is not another paper-out.
    assert report["counters"]["paper_outs"] == 1 and report["counters"]["failed_jobs"] == 1
