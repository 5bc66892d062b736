"""The terminal's Prometheus exposition: ``kiosk metrics serve``.

A small process of its own (``kiosk-metrics.service``) that reads, at each
scrape, what the app and the worker leave in the state folder: the devices'
snapshot (status, problem, counters), the app's state (sessions per flow,
frame times), the outbox (depth, dead letters, oldest pending age) and the
platform's reachability.  It never opens a device or the network, so a
scrape cannot disturb a resident; it listens on 127.0.0.1 only and a
Prometheus agent on the terminal forwards the samples to the district
(provisioning/prometheus/).  No label carries anything about a resident.
"""

from __future__ import annotations

import logging
import time
from typing import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from drivers.base import Status
from kiosk import __version__
from kiosk.config import Settings
from kiosk.devices.kinds import kind_of
from kiosk.devices.snapshot import read_platform_reach, read_snapshot
from kiosk.ops.app_state import read_app_state
from kiosk.ops.terminal_checks import app_report_age, outbox_status

log = logging.getLogger(__name__)

STATUSES = [s.value for s in Status] + ["disabled"]


class KioskCollector(Collector):
    def __init__(self, settings: Settings):
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        s = self.settings
        max_age = 3 * s.platform.heartbeat_seconds
        now = time.time()
        info = GaugeMetricFamily("kiosk_info", "the terminal and its software (always 1)",
                                 labels=["terminal", "version"])
        info.add_metric([s.terminal.id, __version__], 1.0)
        yield info
        devices = read_snapshot(s.paths.state_dir, max_age, now)
        status = GaugeMetricFamily("kiosk_device_status", "1 for the device's current status (one series per status)",
                                   labels=["device", "kind", "status"])
        problem = GaugeMetricFamily("kiosk_device_problem", "1 while the device reports this problem code "
                                    "(kiosk doctor says what to do)", labels=["device", "problem", "action"])
        counters = CounterMetricFamily("kiosk_device_events", "lifetime device counters (prints, cuts, reads...)",
                                       labels=["device", "counter"])
        for name, cfg in s.devices.items():
            view = devices.get(name, {})
            current = "disabled" if not cfg.enabled else str(view.get("status", "unknown"))
            kind = kind_of(cfg.driver)
            for value in STATUSES:
                status.add_metric([name, kind, value], 1.0 if value == current else 0.0)
            detail = view.get("detail") or {}
            if detail.get("problem"):
                problem.add_metric([name, str(detail["problem"]), str(detail.get("action", ""))], 1.0)
            for counter, value in (view.get("counters") or {}).items():
                counters.add_metric([name, str(counter)], float(value))
        yield status
        yield problem
        yield counters

        age = app_report_age(s, now)
        yield GaugeMetricFamily("kiosk_app_report_age_seconds", "seconds since the kiosk app last reported "
                                "(large: the app is not running)", value=age if age is not None else float("inf"))
        app = read_app_state(s.paths.state_dir, max_age, now)
        sessions = CounterMetricFamily("kiosk_sessions", "resident sessions started since the app started, by flow",
                                       labels=["flow"])
        frames = HistogramMetricFamily("kiosk_ui_frame_seconds", "time between two frames of the touchscreen UI")
        if app is not None:
            stats, _age = app
            for flow, count in sorted(stats.sessions.items()):
                sessions.add_metric([flow], float(count))
            frames.add_metric([], [(le, float(n)) for le, n in stats.cumulative_buckets()], stats.frame_sum)
            yield GaugeMetricFamily("kiosk_session_active", "1 while a resident is using the kiosk",
                                    value=float(stats.session_active))
            yield GaugeMetricFamily("kiosk_staff_call_pending", "1 while a resident waits for the staff they called "
                                    "(呼叫工作人员)", value=float(stats.staff_call is not None and stats.staff_call.pending))
            yield CounterMetricFamily("kiosk_staff_calls", "calls for the staff since the app started",
                                      value=float(stats.staff_calls))
        yield sessions
        yield frames

        outbox = outbox_status(s, now)
        if "error" not in outbox:
            yield GaugeMetricFamily("kiosk_outbox_pending", "submissions waiting to be sent", value=outbox["pending"])
            yield GaugeMetricFamily("kiosk_outbox_dead", "submissions the worker gave up on", value=outbox["dead"])
            oldest = outbox["oldest_pending_seconds"]
            yield GaugeMetricFamily("kiosk_outbox_oldest_pending_seconds", "age of the oldest waiting submission "
                                    "(0 when none waits)", value=oldest or 0.0)
        reach = read_platform_reach(s.paths.state_dir, max_age, now)
        if reach is not None:
            yield GaugeMetricFamily("kiosk_platform_reachable", "1 when the outbox worker last reached the platform",
                                    value=float(reach))


def registry_for(settings: Settings) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KioskCollector(settings))
    return registry
