"""The suite's tiers: which tests start processes, need Xvfb or are slow,
and a guard that keeps the markers honest.

Markers (pyproject.toml): ``procs`` starts processes (a CLI, pcscd, Xvfb, a
probe app, a whole virtual hut); ``ui`` needs Xvfb and Kivy and ``pcsc``
needs pcscd, both implying ``procs``; ``slow`` runs in process but for
seconds; ``soak`` is ``make soak``.  ``make check`` runs what is none of
these: the in-process tier.

Most tests are marked by what they use rather than by hand: a test that
uses a fixture in ``PROCS_FIXTURES`` (or ``UI_FIXTURES``/``PCSC_FIXTURES``)
gets the marker.  The rest carry a module-level ``pytestmark`` or a
decorator.

The guard: an audit hook sees every process this interpreter starts
(``subprocess.Popen``, ``os.fork``, ``os.posix_spawn``, ``os.system``...)
and every socket it connects.  A test that starts a process without the
``procs`` marker, or connects anywhere but this machine, fails at teardown
with what it started.  So a new test cannot slip a process into the fast
tier unnoticed, in ``make check`` or ``make test``.  ``TIERS_REPORT=<file>``
lists every test that starts a process or connects out, marked or not,
instead of failing any.

For ``pytest-xdist`` (``make test`` runs ``-n auto --dist loadfile``): a
module is one unit of work, the modules that start processes go first, and
the demo's two modules go together (``pytest_xdist_make_scheduler``).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent

# Fixtures whose use puts a test in a tier (a whole virtual hut has a pcscd),
# with the file that defines them: a module's own fixture of the same name
# (tests/kiosk/outbox/test_outbox_cli.py has a "hut" of its own) does not count.
PROCS_FIXTURES = {"hut", "kiosk_cmd", "demo_run"}
UI_FIXTURES = {"display", "probe", "demo_run"}
PCSC_FIXTURES = {"smartcard_sim", "slots", "hut", "demo_run"}
# The modules whose tests look at the suite's one demo run (tests/demo_run.py).
DEMO_MODULES = frozenset({"tests/screens/test_demo_walkthrough.py", "tests/test_privacy_end_to_end.py"})
DEFINED_IN = {"hut": "conftest.py", "kiosk_cmd": "conftest.py", "demo_run": "demo_run.py",
              "display": "screens/conftest.py", "probe": "screens/conftest.py",
              "smartcard_sim": "smartcard_fixtures.py", "slots": "smartcard_fixtures.py"}

# Processes that are a library look-up, not a test's business: ctypes.util.
# find_library runs "ldconfig -p", else "gcc -Wl,-t ...", "ld -t ..." and
# "objdump -p -j .dynamic ...".  A compiler building something is a process.
LOOKUPS = {"ldconfig": "-p", "gcc": "-Wl,-t", "cc": "-Wl,-t", "x86_64-linux-gnu-gcc": "-Wl,-t", "ld": "-t",
           "objdump": "-p"}
SPAWN_EVENTS = {"subprocess.Popen", "os.system", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec",
                "pty.spawn"}
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", ""}

_current: dict[str, Any] = {"item": None, "seen": []}
_lock = threading.Lock()


def _describe(event: str, args: tuple[Any, ...]) -> str | None:
    """What the audit event did, if the guard counts it; None otherwise."""
    if event in SPAWN_EVENTS:
        if event == "subprocess.Popen":
            argv = args[1] if isinstance(args[1], (list, tuple)) else [args[1] if args[1] is not None else args[0]]
            program = os.path.basename(str(argv[0])) if argv else "?"
            if program in LOOKUPS and LOOKUPS[program] in [str(a) for a in argv[1:]]:
                return None
            return "starts " + " ".join(str(a) for a in argv)[:200]
        return f"{event}{tuple(str(a)[:80] for a in args[:2])}"
    if event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "type", None) == socket.SOCK_DGRAM:   # sends nothing: picks a route at most
            return None
        if isinstance(address, tuple) and len(address) >= 2 and not _loopback(str(address[0])):
            return f"connects to {address[0]}:{address[1]} (not this machine)"
    return None


def _loopback(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


def _this_machine(what: str) -> bool:
    """Whether the address in "connects to <address>:<port> ..." is one of
    this machine's own (a socket can bind it)."""
    host = what.removeprefix("connects to ").rsplit(":", 1)[0]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
    except OSError:
        return False
    return True


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _current["item"] is None or (event not in SPAWN_EVENTS and event != "socket.connect"):
        return
    what = _describe(event, args)
    if what is not None:
        with _lock:
            _current["seen"].append((event, what))


def _tiers_of(item: pytest.Item) -> set[str]:
    return {m.name for m in item.iter_markers() if m.name in ("procs", "ui", "pcsc", "slow", "soak")}


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(_audit)


@pytest.hookimpl(tryfirst=True)   # before -m selects by the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _one_id_each(items)
    for item in items:
        used = _tier_fixtures(item)
        if used & UI_FIXTURES:
            item.add_marker(pytest.mark.ui)
        if used & PCSC_FIXTURES:
            item.add_marker(pytest.mark.pcsc)
        if used & PROCS_FIXTURES or _tiers_of(item) & {"ui", "pcsc"}:
            item.add_marker(pytest.mark.procs)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _longest_first(items, _last_seconds(config))
    if any("pcsc" in _tiers_of(item) for item in items):
        _own_pcscd_socket()


def _one_id_each(items: list[pytest.Item]) -> None:
    """Two tests with one id run as one under pytest-xdist (its workers report by id), so the
    other is never run and nobody sees it: refuse the run.  (schemathesis 4.32 under pytest 9
    gave every operation's test one id unless the test had a pytest parameter.)"""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.nodeid] = counts.get(item.nodeid, 0) + 1
    twice = sorted(nodeid for nodeid, count in counts.items() if count > 1)
    if twice:
        raise pytest.UsageError("these tests share an id, and only one of each would run: " + ", ".join(twice[:5]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` runs ``--dist loadfile``: a module is one unit of work
    (its module fixtures run once, on one worker), handed out in the order
    the workers collected them (``_longest_first``), and the modules that
    look at the one demo run are one unit, so no worker sits on the lock
    while another runs the demo.  xdist's ``loadgroup`` would do this with
    markers, but with pytest 9.2 it silently stops grouping
    (pytest-dev/pytest-xdist#1386)."""
    if config.getvalue("dist") != "loadfile":
        return None
    config.option.loadscopereorder = False   # keep the workers' order, not "most tests first"
    return _scheduler_class()(config, log)


def _scheduler_class() -> Any:
    """The scheduler of ``make test`` (xdist is imported only when it runs)."""
    from xdist.scheduler import LoadFileScheduling

    class ModulesLongestFirst(LoadFileScheduling):
        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            self._fillers: set[str] = set()

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo" if module in DEMO_MODULES else module

        def _reschedule(self, node: Any) -> None:
            """xdist queues the next unit on a worker once two or fewer of its
            tests are left (a worker runs a test only when it knows the next).
            A module of one or two long tests (the outbox drain with 30 kills,
            the heartbeat's idle span) has that from its start, so the next
            process-starting module would wait behind it while the other worker
            may be free: behind a unit just begun, queue the cheapest unit left
            (the queue's end: an in-process module) instead."""
            if node.shutting_down or not self.workqueue:
                super()._reschedule(node)
                return
            assigned = self.assigned_work[node]
            if self._pending_of(assigned) > 2:
                return
            running = next((scope for scope, unit in assigned.items() if not all(unit.values())), None)
            if running is None or running in self._fillers or any(assigned[running].values()):
                self._assign_work_unit(node)
                return
            scope, unit = self.workqueue.popitem()   # the last: cheapest
            self.workqueue[scope] = unit
            self.workqueue.move_to_end(scope, last=False)
            self._fillers.add(scope)
            self._assign_work_unit(node)

    return ModulesLongestFirst


def _own_pcscd_socket() -> bool:
    """Point this process's PC/SC client at a socket folder of its own, before
    any test makes a PC/SC call (libpcsclite reads the path once): each
    worker's huts and pcsc fixtures then start private pcscds there, and two
    workers never see each other's cards.  False where no private pcscd can
    run: then the machine's is used, one hut at a time (pcscd.py's lock)."""
    import atexit
    import shutil
    import tempfile

    from simulators.smartcard.pcscd import SOCKET_ENV, private_pcscd_possible

    if not private_pcscd_possible():
        return False
    folder = tempfile.mkdtemp(prefix="pcscd-test-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ[SOCKET_ENV] = os.path.join(folder, "pcscd.comm")
    return True


def _longest_first(items: list[pytest.Item], seconds: dict[str, float] | None = None) -> None:
    """Order modules for xdist, which hands out work in collection order:
    the demo, then the UI modules (a probe app each), then the rest that
    starts processes, then the slow in-process modules, then the other
    in-process tests, which fill the gaps at the end.  Within a tier the
    modules that took longest in the last run here go first (``seconds``,
    from the pytest cache: ``MODULE_SECONDS``, over the repository's
    ``SECONDS_FILE``; a module in neither goes last, in collection order).
    A module's tests stay together (its module fixtures run once); every
    worker sorts alike, as xdist requires."""
    def rank(item: pytest.Item) -> int:
        tiers_of = _tiers_of(item)
        if "demo_run" in _tier_fixtures(item):
            return 0
        return 1 if "ui" in tiers_of else 2 if "procs" in tiers_of else 3 if "slow" in tiers_of else 4

    seconds = seconds or {}
    module_rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        module_rank[module] = min(module_rank.get(module, 4), rank(item))

    def key(item: pytest.Item) -> tuple[int, float]:
        module = item.nodeid.split("::")[0]
        unit = "demo" if module in DEMO_MODULES else module
        return module_rank[module], -float(seconds.get(unit, 0.0))

    items.sort(key=key)


# pytest's cache key for how long each unit of work (a module, or "demo")
# took in the last run here: the next run starts the longest first.  A fresh
# clone (CI) has no cache: it starts from SECONDS_FILE, the times of a run
# written into the repository (``python -m tests.tiers`` writes the cache's
# there); a module not in either goes last in its tier.
MODULE_SECONDS = "tiers/module_seconds"
SECONDS_FILE = TESTS / "module_seconds.json"
_seconds: dict[str, float] = {}


def _last_seconds(config: pytest.Config) -> dict[str, float]:
    cache = getattr(config, "cache", None)
    found = cache.get(MODULE_SECONDS, {}) if cache is not None else {}
    return {**_committed_seconds(), **(found if isinstance(found, dict) else {})}


def _committed_seconds() -> dict[str, float]:
    try:
        found = json.loads(SECONDS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in found.items()} if isinstance(found, dict) else {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each unit's time (set-up, call and teardown: a probe runs in
    its module's set-up), in the process that runs the session."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        module = report.nodeid.split("::")[0]
        unit = "demo" if module in DEMO_MODULES else module
        _seconds[unit] = _seconds.get(unit, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if cache is not None and _seconds and not os.environ.get("PYTEST_XDIST_WORKER"):
        cache.set(MODULE_SECONDS, {**_last_seconds(session.config), **{k: round(v, 1) for k, v in _seconds.items()}})


def _tier_fixtures(item: pytest.Item) -> set[str]:
    """The fixtures of ``DEFINED_IN`` this test uses, as defined there."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    used = set()
    for name, where in DEFINED_IN.items():
        defs = info.name2fixturedefs.get(name)
        if defs and _defined_in(defs[-1]) == TESTS / where:
            used.add(name)
    return used


def _defined_in(fixturedef: Any) -> Path:
    func = getattr(fixturedef, "func", None)
    return Path(getattr(getattr(func, "__code__", None), "co_filename", "") or ".")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    with _lock:
        _current["item"], _current["seen"] = item, []
    try:
        yield
    finally:
        with _lock:
            _current["item"] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if call.when != "teardown":
        return
    with _lock:
        seen = list(_current["seen"])
    spawned = sorted({what for event, what in seen if event != "socket.connect"})
    remote = sorted({what for event, what in seen if event == "socket.connect" and not _this_machine(what)})
    problems = []
    if spawned and "procs" not in _tiers_of(item) and "soak" not in _tiers_of(item):
        problems.append("starts processes but is not marked procs (pyproject's markers; tests/tiers.py): "
                        + "; ".join(spawned[:5]))
    if remote:
        problems.append("reaches beyond this machine: " + "; ".join(remote[:5]))
    report_file = os.environ.get("TIERS_REPORT")
    if report_file and (spawned or remote):
        with open(report_file, "a", encoding="utf-8") as out:
            out.write(f"{item.nodeid}\t{sorted(_tiers_of(item))}\t{spawned[:3]}\t{remote[:3]}\n")
        return
    if problems and report.passed:
        report.outcome = "failed"
        report.longrepr = "tiers: " + "\n".join(problems)


if __name__ == "__main__":
    # Write the last run's module times (pytest's cache in this checkout) to SECONDS_FILE,
    # for the runs of fresh clones.  Modules no longer in the suite are left out.
    cached = TESTS.parent / ".pytest_cache" / "v" / MODULE_SECONDS
    times = json.loads(cached.read_text(encoding="utf-8"))
    present = {k: v for k, v in sorted(times.items())
               if k == "demo" or (TESTS.parent / k).is_file()}
    SECONDS_FILE.write_text(json.dumps(present, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(present)} units written to {SECONDS_FILE}")
