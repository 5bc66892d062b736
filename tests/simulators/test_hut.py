"""The virtual hut: starts what exists, writes a config the kiosk accepts,
and answers its control API over HTTP."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import urllib.error
import urllib.request

import pytest

from kiosk import config
from simulators import hut as hut_mod


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_hut_writes_a_config_the_kiosk_accepts(hut):
    settings = config.load(hut.config_path)
    assert settings.terminal.id == hut.terminal_id
    assert settings.secrets.terminal_key == hut.terminal_key
    assert len(settings.secrets.outbox_key) == 32
    assert stat.S_IMODE(os.stat(hut.secrets_path).st_mode) == 0o600
    assert settings.paths.state_dir == hut.state_dir
    assert set(settings.devices) | {"platform"} >= set(hut.simulators) - {"platform"}


def test_every_registered_simulator_runs_and_says_where_it_is(hut):
    assert len(hut.simulators) == len(hut_mod.simulator_targets())
    text = hut.describe()
    for name, sim in hut.simulators.items():
        assert name in text and sim.where() in text


def test_control_api_over_http(hut):
    with urllib.request.urlopen(hut.control_url + "/status", timeout=10) as resp:
        status = json.loads(resp.read())
    assert status["config"] == str(hut.config_path)
    assert set(status["simulators"]) == set(hut.simulators)
    code, body = _post(hut.control_url + "/control/nosuchdevice/place_card", {})
    assert code == 400 and "no simulator 'nosuchdevice'" in body["error"]
    for name in hut.simulators:
        code, body = _post(hut.control_url + f"/control/{name}/no_such_action", {})
        assert code == 400, (name, body)


def test_doctor_lists_the_simulated_devices(hut, kiosk_cmd):
    proc = subprocess.run([*kiosk_cmd, "--config", str(hut.config_path), "doctor", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    rows = json.loads(proc.stdout)["devices"]
    settings = config.load(hut.config_path)
    assert [r["name"] for r in rows] == list(settings.devices)
    for row in rows:
        assert row["status"] == "online", row
        assert row["health"] == "OK", row
    assert proc.returncode == 0


def test_kiosk_sim_prints_where_each_device_is_and_stops_on_sigterm(tmp_path, kiosk_cmd):
    import signal
    import time

    proc = subprocess.Popen([*kiosk_cmd, "sim", "--dir", str(tmp_path / "h"), "--printer-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "control API:" in line:
                break
        text = "".join(lines)
        assert "control API: http://127.0.0.1:" in text, text + proc.stderr.read()
        for name in ("idcard", "printer", "platform"):
            assert name in text
        assert (tmp_path / "h" / "kiosk.toml").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_kiosk_sim_runs_the_outbox_worker_so_what_is_filed_reaches_the_platform(tmp_path, kiosk_cmd):
    """A newcomer following README (kiosk sim, then kiosk run) sees an
    application reach the platform: the virtual hut runs the outbox worker
    the terminal runs beside the app (issue 21 item 19)."""
    import json
    import signal
    import subprocess
    import time

    hut_dir = tmp_path / "hut"
    sim = subprocess.Popen([*kiosk_cmd, "sim", "--dir", str(hut_dir), "--printer-port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any("outbox worker: pid" in line for line in lines):
            assert time.monotonic() < deadline and sim.poll() is None, "".join(lines)
            lines.append(sim.stdout.readline())
        config = str(hut_dir / "kiosk.toml")
        subprocess.run([*kiosk_cmd, "--config", config, "outbox", "fill", "--synthetic", "2"], check=True,
                       capture_output=True, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            status = json.loads(subprocess.run([*kiosk_cmd, "--config", config, "outbox", "status", "--json"],
                                               capture_output=True, text=True, timeout=60, check=True).stdout)
            if status["confirmed"] == 2 and status["pending"] == 0:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.5)
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=30)
    assert sim.returncode == 0


@pytest.mark.procs
def test_a_second_simulator_of_one_device_is_refused_in_words(tmp_path, monkeypatch):
    """Two simulators named alike would both draw the device's line in the hut's
    folder (the ID card reader's pty link): the driver would follow whichever
    made it last while the control API drove the other.  Probes did this by
    appending the ID card simulator the hut already starts from its manifest."""
    monkeypatch.setattr(hut_mod, "SIMULATORS", [*hut_mod.SIMULATORS, "simulators.idcard.sam:IdCardSimulator"])
    with pytest.raises(ValueError, match="two simulators named 'idcard'.*simulators.idcard.sam:IdCardSimulator"):
        hut_mod.Hut(tmp_path / "hut", only=["idcard"]).start()
    assert not (tmp_path / "hut" / "idcard-sam").exists()   # the first one stopped again: its line unplugged
