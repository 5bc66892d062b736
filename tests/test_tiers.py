"""The tiers hold: a test that starts a process without the ``procs`` marker
fails, the fixtures put their users in the right tier, and the in-process
tier (``make check``) selects none of them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import tiers

ROOT = Path(__file__).resolve().parent.parent


def test_the_guard_records_a_process_start_and_a_remote_connect():
    """``sys.audit`` raises the very events ``subprocess.Popen`` and
    ``socket.connect`` raise, without starting or connecting anything."""
    seen = tiers._current["seen"]
    mark = len(seen)
    try:
        sys.audit("subprocess.Popen", "pcscd", ["pcscd", "-f"], None, None)
        sys.audit("subprocess.Popen", "/sbin/ldconfig", ["/sbin/ldconfig", "-p"], None, None)  # find_library
        sys.audit("subprocess.Popen", "cc", ["cc", "-O2", "-shared", "-o", "x.so", "x.c"], None, None)
        sys.audit("socket.connect", None, ("127.0.0.1", 80))
        sys.audit("socket.connect", None, ("192.0.2.7", 443))
        recorded = [what for _, what in seen[mark:]]
    finally:
        del seen[mark:]
    assert recorded == ["starts pcscd -f", "starts cc -O2 -shared -o x.so x.c",
                        "connects to 192.0.2.7:443 (not this machine)"]


def test_fixtures_put_their_users_in_a_tier(request):
    for item in request.session.items:
        used = tiers._tier_fixtures(item)
        tiers_of = tiers._tiers_of(item)
        if used & tiers.UI_FIXTURES:
            assert {"ui", "procs"} <= tiers_of, item.nodeid
        if used & tiers.PCSC_FIXTURES:
            assert {"pcsc", "procs"} <= tiers_of, item.nodeid
        if used & tiers.PROCS_FIXTURES:
            assert "procs" in tiers_of, item.nodeid


def test_the_demo_modules_are_the_ones_that_use_the_demo_run(request):
    users = {item.nodeid.split("::")[0] for item in request.session.items if "demo_run" in tiers._tier_fixtures(item)}
    assert users <= tiers.DEMO_MODULES, "add them to tiers.DEMO_MODULES: one unit of work for xdist"


PROBE = '''
import subprocess
import pytest

def test_unmarked_starts_a_process():
    subprocess.run(["true"], check=True)

@pytest.mark.procs
def test_marked_starts_a_process():
    subprocess.run(["true"], check=True)

def test_in_process():
    assert sum(range(4)) == 6
'''


@pytest.mark.procs
def test_an_unmarked_test_that_starts_a_process_fails(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent('''
        from tests.tiers import (pytest_collection_modifyitems, pytest_configure,  # noqa: F401
                                 pytest_runtest_makereport, pytest_runtest_protocol)
    '''))
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    procs: x\n    ui: x\n    pcsc: x\n    slow: x\n"
                                         "    soak: x\naddopts = --strict-markers -p no:cacheprovider\n")
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "TIERS_REPORT"}
    env.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")   # hypothesis, schemathesis: not needed
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert "ERROR at teardown of test_unmarked_starts_a_process" in out, out
    assert "starts processes but is not marked procs" in out and "starts true" in out, out
    assert "PASSED test_probe.py::test_marked_starts_a_process" in out, out
    assert "PASSED test_probe.py::test_in_process" in out, out
    assert run.returncode == 1
    quick = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not procs",
                            str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "2 passed, 1 deselected, 1 error" in quick.stdout, quick.stdout


class _Node:
    """A worker as xdist's scheduler sees it: what it was sent to run."""

    def __init__(self, name: str):
        self.gateway = type("Gateway", (), {"id": name})()
        self.shutting_down = False
        self.sent: list[list[int]] = []

    def send_runtest_some(self, indices):
        self.sent.append(list(indices))

    def shutdown(self):
        self.shutting_down = True


def _scheduler(collection):
    config = type("Config", (), {"getvalue": lambda self, name: ["2*popen"] if name == "tx" else None,
                                 "option": type("Option", (), {"loadscopereorder": False})()})()
    sched = tiers._scheduler_class()(config)
    nodes = [_Node("gw0"), _Node("gw1")]
    for node in nodes:
        sched.add_node(node)
        sched.add_node_collection(node, collection)
    sched.schedule()
    return sched, nodes


def _modules(collection, sent):
    return [sorted({collection[i].split("::")[0] for i in batch}) for batch in sent]


def test_a_worker_on_a_one_test_module_queues_an_in_process_module_not_the_next_heavy_one():
    collection = ["tests/test_crash.py::test_kills",                            # one long test
                  "tests/test_ui_a.py::test_1", "tests/test_ui_a.py::test_2", "tests/test_ui_a.py::test_3",
                  "tests/test_ui_b.py::test_1", "tests/test_ui_b.py::test_2", "tests/test_ui_b.py::test_3",
                  "tests/test_quick.py::test_1"]
    sched, (gw0, gw1) = _scheduler(collection)
    assert _modules(collection, gw0.sent) == [["tests/test_crash.py"], ["tests/test_quick.py"]]
    assert _modules(collection, gw1.sent) == [["tests/test_ui_a.py"]]
    # gw1 finishes its module first: the next heavy one is its, not queued behind the long test
    for i in (1, 2, 3):
        sched.mark_test_complete(gw1, i)
    assert _modules(collection, gw1.sent) == [["tests/test_ui_a.py"], ["tests/test_ui_b.py"]]
    # a module with tests done is running down: the next unit queues behind it as xdist does
    sched.mark_test_complete(gw0, 0)
    assert sched.workqueue == {}


def test_modules_go_by_tier_then_by_last_run_time():
    class Item:
        def __init__(self, nodeid, *markers):
            self.nodeid = nodeid
            self._markers = [getattr(pytest.mark, m).mark for m in markers]

        def iter_markers(self):
            return iter(self._markers)

    items = [Item("tests/a.py::t"), Item("tests/b.py::t", "slow"), Item("tests/c.py::t", "procs"),
             Item("tests/d.py::t", "procs"), Item("tests/e.py::t", "ui", "procs"), Item("tests/f.py::t")]
    tiers._longest_first(items, {"tests/d.py": 40.0, "tests/c.py": 5.0, "tests/f.py": 3.0})
    assert [i.nodeid.split("::")[0] for i in items] == ["tests/e.py", "tests/d.py", "tests/c.py", "tests/b.py",
                                                        "tests/f.py", "tests/a.py"]


def test_two_tests_with_one_id_stop_the_run():
    """pytest-xdist runs one test per id: a second test with the same id would never run, unseen."""
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    tiers._one_id_each([Item("tests/a.py::t[GET /x]"), Item("tests/a.py::t[POST /x]")])
    with pytest.raises(pytest.UsageError, match=r"share an id.*tests/a\.py::t$"):
        tiers._one_id_each([Item("tests/a.py::t"), Item("tests/a.py::t"), Item("tests/b.py::t")])


def test_a_fresh_clone_orders_by_the_times_in_the_repository(tmp_path, monkeypatch):
    """No pytest cache (a fresh clone): the module times written into tests/module_seconds.json;
    the cache's times override them where it has some."""
    written = tmp_path / "module_seconds.json"
    written.write_text('{"tests/c.py": 9.0, "tests/d.py": 1.0}', encoding="utf-8")
    monkeypatch.setattr(tiers, "SECONDS_FILE", written)

    class Cache:
        def __init__(self, found):
            self.found = found

        def get(self, key, default):
            return self.found if key == tiers.MODULE_SECONDS else default

    class Config:
        cache = Cache({})

    assert tiers._last_seconds(Config()) == {"tests/c.py": 9.0, "tests/d.py": 1.0}
    Config.cache = Cache({"tests/d.py": 30.0})
    assert tiers._last_seconds(Config()) == {"tests/c.py": 9.0, "tests/d.py": 30.0}
    written.write_text("not json", encoding="utf-8")
    assert tiers._last_seconds(Config()) == {"tests/d.py": 30.0}
