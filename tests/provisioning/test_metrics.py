"""The Prometheus exposition is scraped from a running `kiosk metrics serve`
over the virtual hut's state, and the alert rules, their unit tests and the
dashboard agree with it and with the advice table."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from drivers.base import HealthLevel
from kiosk import config as config_mod
from kiosk.devices import advice
from kiosk.devices.owner import DeviceOwner
from kiosk.ops.app_state import AppStats, write_app_state
from kiosk.outbox.store import Outbox
from kiosk.outbox.synthetic import fill
from simulators.hut import Hut

pytestmark = pytest.mark.procs

PROM = Path(__file__).resolve().parents[2] / "provisioning" / "prometheus"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scrape(tmp_path_factory):
    with Hut(tmp_path_factory.mktemp("metrics-hut"), only=["platform", "printer", "idcard"]) as hut:
        settings = config_mod.load(hut.config_path)
        owner = DeviceOwner(settings, snapshot_dir=settings.paths.state_dir)
        owner.start(background=False)
        owner.wait_settled()
        hut.control("printer", "set_paper", state="end")
        owner.check_health("printer", HealthLevel.INTERNAL)
        stats = AppStats()
        for flow in ("approval", "approval", "guide"):
            stats.session_started(flow)
        for dt in (0.016, 0.017, 0.3):
            stats.frame(dt)
        write_app_state(settings.paths.state_dir, stats)
        outbox = Outbox.from_settings(settings)
        fill(outbox, 2, settings.id_hash_keys, attachment_bytes=100)
        outbox.close()
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(hut.config_path), "metrics",
                                   "serve", "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
        try:
            assert "serving metrics" in server.stdout.readline()
            deadline = time.monotonic() + 20
            while True:
                try:
                    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=10)
            owner.stop()
            hut.control("printer", "set_paper", state="ok")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, settings


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def test_device_status_problem_and_counters(scrape):
    samples, _ = scrape
    assert value(samples, "kiosk_device_status", device="printer", kind="printer", status="user_error") == 1
    assert value(samples, "kiosk_device_status", device="printer", kind="printer", status="online") == 0
    assert value(samples, "kiosk_device_status", device="idcard", kind="idcard", status="online") == 1
    assert value(samples, "kiosk_device_problem", device="printer", problem="paper_end", action="clear") == 1
    assert value(samples, "kiosk_device_events_total", device="printer", counter="paper_outs") >= 1


def test_outbox_sessions_and_frame_time(scrape):
    samples, settings = scrape
    assert value(samples, "kiosk_outbox_pending") == 2
    assert 0 <= value(samples, "kiosk_outbox_oldest_pending_seconds") < 600
    assert value(samples, "kiosk_sessions_total", flow="approval") == 2
    assert value(samples, "kiosk_sessions_total", flow="guide") == 1
    assert value(samples, "kiosk_ui_frame_seconds_count") == 3
    assert value(samples, "kiosk_ui_frame_seconds_bucket", le="0.033") == 2
    assert value(samples, "kiosk_ui_frame_seconds_bucket", le="+Inf") == 3
    assert value(samples, "kiosk_info", terminal=settings.terminal.id, version=__import__("kiosk").__version__) == 1
    assert value(samples, "kiosk_app_report_age_seconds") < 60


def _rules():
    return yaml.safe_load((PROM / "kiosk-alerts.yml").read_text(encoding="utf-8"))["groups"][0]["rules"]


def _metric_names(expr: str) -> set[str]:
    return {m for m in re.findall(r"\b(kiosk_[a-z_]+)", expr)}


def test_rules_and_dashboard_use_only_metrics_the_kiosk_exposes(scrape):
    samples, _ = scrape
    exposed = {name for name, _labels in samples}
    dashboard = json.loads((PROM / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]] + [r["expr"] for r in _rules()]
    used = set().union(*(_metric_names(e) for e in exprs))
    assert used and used <= exposed | {"kiosk_platform_reachable"}, used - exposed


def test_each_alert_says_what_the_advice_table_says():
    tables = {"status": advice.STATUS, "problem": advice.problems(), "terminal": advice.TERMINAL}
    rules = _rules()
    assert {r["alert"] for r in rules} >= {"KioskPrinterOutOfPaper", "KioskOutboxStale", "KioskDeviceOffline"}
    for rule in rules:
        table, _, key = rule["labels"]["advice"].partition(":")
        tip = tables[table][key]
        assert rule["annotations"]["description"] == tip.text, rule["alert"]
    paper = next(r for r in rules if r["alert"] == "KioskPrinterOutOfPaper")
    assert paper["for"] == "10m"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) not installed")
def test_promtool_checks_and_unit_tests_the_rules():
    for argv in (["check", "rules", "kiosk-alerts.yml"], ["test", "rules", "kiosk-alerts.test.yml"],
                 ["check", "config", "--agent", "prometheus-agent.yml"]):
        proc = subprocess.run(["promtool", *argv], cwd=PROM, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
