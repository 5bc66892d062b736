"""Device health on the owner: a bounded, persisted event log (time, device,
status, error, action) and lifetime counters including time online."""

from __future__ import annotations

from drivers.base import Action, Counters, Status
from kiosk.devices.health_log import EVENTS_NAME, DeviceHealthLog, counter_words, last_problem, read_entries
from kiosk.devices.owner import DeviceOwner
from tests.kiosk.test_device_owner import DEVICES, FakeDevice


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_log_keeps_status_changes_and_errors_across_a_restart(make_settings, tmp_path):
    clock = Clock()
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n), snapshot_dir=tmp_path, clock=clock)
    owner.start(background=False)
    clock.now += 60
    owner.device("printer")._set_state(Status.USER_ERROR, paper="end")
    owner.device("printer")._report_error("paper roll is out: load a new roll", Action.CLEAR, "paper_end")
    owner.stop()
    entries = read_entries(tmp_path / EVENTS_NAME)
    printer = [e for e in entries if e.device == "printer"]
    assert [e.status for e in printer] == ["starting", "online", "user_error", "user_error"]
    problem = last_problem(entries, "printer")
    assert problem is not None and problem.action == "clear" and problem.at == 1060.0
    assert "paper roll is out" in problem.error
    # A new owner (the app restarted) sees the same history.
    again = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n), snapshot_dir=tmp_path)
    assert again.health_log.entries("printer")[:4] == printer


def test_the_log_is_bounded_in_memory_and_on_disk(tmp_path):
    path = tmp_path / EVENTS_NAME
    log = DeviceHealthLog(path, limit=10)
    for i in range(35):
        log.record("printer", "online" if i % 2 else "offline", error=f"e{i}")
    assert [e.error for e in log.entries()] == [f"e{i}" for i in range(25, 35)]
    assert len(path.read_text().splitlines()) <= 20
    assert [e.error for e in read_entries(path, 10)] == [f"e{i}" for i in range(25, 35)]


def test_a_torn_line_is_skipped(tmp_path):
    path = tmp_path / EVENTS_NAME
    DeviceHealthLog(path).record("idcard", "online")
    with path.open("a") as fh:
        fh.write('{"at": 1, "device": "idc')
    assert [e.device for e in read_entries(path)] == ["idcard"]


def test_time_online_is_counted_into_the_lifetime_counters(make_settings, tmp_path):
    clock = Clock()
    counters: dict[str, Counters] = {}

    def build(settings, name):
        counters[name] = Counters(tmp_path / f"{name}.json")
        device = FakeDevice(name)
        device.counters = counters[name]
        return device

    owner = DeviceOwner(make_settings(DEVICES), build=build, snapshot_dir=tmp_path, clock=clock)
    owner.start(background=False)
    owner.count_uptime()
    clock.now += 90.5
    owner.device("printer")._set_state(Status.USER_ERROR, paper="end")  # counts the 90 s online
    clock.now += 1000  # out of paper: not online
    owner.device("printer")._set_state(Status.ONLINE, paper="ok")
    clock.now += 30
    owner.stop()
    assert counters["printer"].get("online_seconds") == 120
    assert counters["idcard"].get("online_seconds") == 1120
    assert "online_seconds" in owner.record("printer").counters


def test_doctor_style_owner_does_not_count_uptime(make_settings):
    clock = Clock()
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n), clock=clock)
    owner.start(background=False)
    clock.now += 100
    owner.stop()
    assert "online_seconds" not in owner.record("printer").counters


def test_every_counter_the_drivers_keep_has_a_name_in_both_languages():
    """In the manifest of each kind whose package keeps it, and the same
    words wherever two kinds keep a counter of the same name."""
    import re
    from pathlib import Path

    from kiosk.devices import kinds

    drivers = Path(__file__).resolve().parents[2] / "drivers"
    for kind in kinds.all_kinds():
        package = drivers / kind.drivers[kind.default_driver].split(".")[1]
        used = {m for path in package.rglob("*.py") for m in re.findall(r'counters\.incr\("([a-z_]+)"', path.read_text())}
        assert used and used <= set(kind.counters), (kind.kind, used - set(kind.counters))
        assert all(zh and en and zh != en for zh, en in kind.counters.values()), kind.kind
    words: dict[str, tuple[str, str]] = {}
    for kind in kinds.all_kinds():
        for name, said in kind.counters.items():
            assert words.setdefault(name, said) == said, f"{name}: two kinds word it differently"
    assert set(words) | {"online_seconds"} == set(counter_words())
