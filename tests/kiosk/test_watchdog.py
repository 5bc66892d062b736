"""The rule for what the kiosk tells systemd, and the datagram that carries it."""

from __future__ import annotations

import socket

from kiosk.ops.watchdog import NotifySocket, ServiceNotifier, status_line, watchdog_interval


def test_ready_only_once_the_home_screen_is_up():
    n = ServiceNotifier(watchdog_seconds=30)
    assert n.tick(0, home_up=False, status="starting") == ["STATUS=starting"]
    assert n.tick(1, home_up=False, status="starting") == []
    assert n.tick(2, home_up=True, status="serving") == ["READY=1", "STATUS=serving", "WATCHDOG=1"]
    assert n.tick(3, home_up=True, status="serving") == []


def test_watchdog_pings_every_half_interval():
    n = ServiceNotifier(watchdog_seconds=30)
    sent = [t for t in range(0, 61) if "WATCHDOG=1" in n.tick(t, home_up=True, status="s")]
    assert sent == [0, 15, 30, 45, 60]


def test_no_pings_without_a_watchdog():
    n = ServiceNotifier(watchdog_seconds=None)
    assert n.tick(0, home_up=True, status="") == ["READY=1"]
    assert n.tick(100, home_up=True, status="") == []


def test_watchdog_interval_honours_the_pid():
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}, 42) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}, 42) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "41"}, 42) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}, 42) is None
    assert watchdog_interval({}, 42) is None


def test_status_line_names_the_devices_that_are_not_online():
    assert status_line({}, home_up=False) == "starting the touchscreen app"
    line = status_line({"idcard": "online", "printer": "no_device", "camera": "disabled"}, home_up=True)
    assert line == "serving; devices: 1 online, no_device (printer)"


def test_datagrams_reach_a_path_socket(tmp_path):
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        sender = NotifySocket(path)
        assert sender.send(["READY=1", "STATUS=serving"])
        assert server.recv(100) == b"READY=1\nSTATUS=serving"
        sender.close()


def test_datagrams_reach_an_abstract_socket():
    name = f"kiosk-test-{id(object())}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        sender = NotifySocket("@" + name)
        assert sender.send(["WATCHDOG=1"])
        assert server.recv(100) == b"WATCHDOG=1"
        sender.close()


def test_no_socket_means_nothing_sent_and_a_dead_socket_never_raises(tmp_path):
    assert not NotifySocket("").send(["READY=1"])
    assert not NotifySocket(str(tmp_path / "gone")).send(["READY=1"])
