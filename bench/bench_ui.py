"""The kiosk app's start and its screen changes, under Xvfb.

    .venv/bin/python bench/bench_ui.py [--runs 5] [--transitions 120] [--json]

    cold start   a new process (a small script importing the app, building every
                 screen) until the first frame of the home screen is on the
                 window (its first ``on_flip``); parent's spawn time to the
                 child's flip, same monotonic clock.  Baseline: a bare Kivy app
                 with one Label, same way, same machine, same minute.
    transitions  one app, the screens a visit walks (home, choose matter, guide,
                 conditions, progress, identify, back home) changed through the
                 app's intents, once the app, idle at home, has built its
                 screens (screens/shelf.py: a resident after the first seconds); time from the intent to the next drawn frame,
                 p95 over all (the first pass draws each screen's text for the
                 first time) and after the first pass.  Baseline: two one-Label
                 screens swapped in the same process.
    requests     the same for 诉求反映's screens (type, topic, place, description,
                 photos, who, contact, review, back, home), the request catalog
                 in the app's cache as the client keeps it.
    switches     the same for the frame's switches pressed at home (大字, English,
                 高对比), each followed by a screen of a service and the visit's
                 end (which sets the switches back).

Goals: cold start <= 2.5 s (median), transitions p95 <= 100 ms (both walks).  Exit 1 when
missed.  No devices: the config has none; the catalog is the reference
platform's, written where the app caches it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_START_GOAL = 2.5
WALK_LENGTH = 10    # screen changes in one pass of the transitions child's walk
TRANSITION_P95_GOAL = 0.100

CONFIG = """
[terminal]
id = "BENCH-UI-1"
[platform]
url = "http://127.0.0.1:9"
[paths]
state_dir = "state"
secrets_file = "secrets.toml"
[screen]
fullscreen = false
width = 1920
height = 1080
[timeouts]
idle_seconds = 600
idle_warning_seconds = 540
"""

# The child: build the app, note the monotonic time of the home screen's first frame.
KIOSK_CHILD = """
import sys, time
from kiosk.config import load
from screens import app as app_module
from screens.startup import configure_kivy
settings = load(sys.argv[1])
configure_kivy(settings)
from kivy.core.window import Window
app = app_module.KioskApp(settings)
def flipped(*_):
    if app.sm is not None and app.sm.current == "home":
        print(time.monotonic(), flush=True)
        Window.unbind(on_flip=flipped)
        app.stop()
app.bind(on_start=lambda *_: Window.bind(on_flip=flipped))
app.run()
"""

BARE_CHILD = """
import time
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label
class Bare(App):
    def build(self):
        return Label(text="bare")
    def on_start(self):
        Window.bind(on_flip=self.flipped)
    def flipped(self, *_):
        print(time.monotonic(), flush=True)
        Window.unbind(on_flip=self.flipped)
        self.stop()
Bare().run()
"""

TRANSITIONS_CHILD = """
import json, sys, time
from kiosk.config import load
from screens import app as app_module
from screens.startup import configure_kivy
settings = load(sys.argv[1])
configure_kivy(settings)
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
app = app_module.KioskApp(settings)
count = int(sys.argv[2])
MATTER = "MZ-001"
def request():
    return app.terminal.flow("request")
def filled(text):
    flow = request()
    flow.set_text(text)
    flow.text_done()
def placed():
    flow = request()
    flow.choose_building(flow.view.community.addresses[0].building)
    flow.place_done()
REQUEST_WALK = [
    ("home>request_type", lambda: app.open_service("request")),
    ("request_type>topics", lambda: request().choose_type("complaint")),
    ("topics>place", lambda: request().choose_topic(next(t.code for t in request().view.topics if t.needs_place))),
    ("place>text", placed),
    ("text>photos", lambda: filled("楼道灯不亮，已经一个星期了，晚上老人上下楼看不见")),
    ("photos>who", lambda: request().photos_done()),
    ("who>contact", lambda: request().go_anonymous()),
    ("contact>review", lambda: request().contact_done()),
    ("review>contact", lambda: app.go_back()),
    ("contact>home", lambda: app.go_home("bench")),
]
# Before an intent: the screen it acts on is ready (the catalog is read from the cache on a job).
READY = {"request_type>topics": lambda: request().view.state.value == "type"}
walk = [
    ("home>choose_matter", lambda: app.open_service("guide")),
    ("choose_matter>guide", lambda: app.terminal.presenter.choose(MATTER)),
    ("guide>choose_matter", lambda: app.go_back()),
    ("choose_matter>home", lambda: app.go_home("resident")),
    ("home>choose_matter(filing)", lambda: app.open_service("approval")),
    ("choose_matter>conditions", lambda: app.terminal.presenter.choose(MATTER)),
    ("conditions>identify", lambda: app.terminal.presenter.start()),
    ("identify>home", lambda: app.go_home("resident")),
    ("home>progress", lambda: app.open_service("progress")),
    ("progress>home", lambda: app.go_home("resident")),
]
# The frame's switches pressed at home, then a kept screen shown and the visit ended (which
# sets them back): what a resident waits for after pressing 大字 / English / 高对比.
SWITCHES_WALK = [
    ("home: large text", lambda: app.toggle_large_text()),
    ("home>choose_matter", lambda: app.open_service("guide")),
    ("choose_matter>home (switches reset)", lambda: app.go_home("resident")),
    ("home: English", lambda: app.set_language("en")),
    ("home>progress", lambda: app.open_service("progress")),
    ("progress>home (switches reset)", lambda: app.go_home("resident")),
    ("home: high contrast", lambda: app.toggle_contrast()),
    ("home>choose_matter(filing)", lambda: app.open_service("approval")),
    ("choose_matter>home (switches reset)", lambda: app.go_home("resident")),
]
if sys.argv[3:] == ["request"]:
    walk = REQUEST_WALK
elif sys.argv[3:] == ["switches"]:
    walk = SWITCHES_WALK
bare = [("bare_a", lambda: setattr(app.sm, "current", "bare_a")),
        ("bare_b", lambda: setattr(app.sm, "current", "bare_b"))]
times = {"kiosk": [], "bare": [], "by_change": {}}
state = {"kind": "kiosk", "i": 0, "t0": 0.0, "name": ""}
def flipped(*_):
    if state["t0"]:
        took = time.perf_counter() - state["t0"]
        times[state["kind"]].append(took)
        times["by_change"].setdefault(state["name"], []).append(took)
        state["t0"] = 0.0
        Clock.schedule_once(step, 0.02)
def step(_dt):
    kind = state["kind"]
    if len(times[kind]) >= count:
        if kind == "kiosk":
            state["kind"] = "bare"
            app.go_home("resident")
            Clock.schedule_once(step, 0.2)
            return
        print(json.dumps(times), flush=True)
        app.stop()
        return
    actions = walk if kind == "kiosk" else bare
    name, action = actions[state["i"] % len(actions)]
    if kind == "kiosk" and not READY.get(name, lambda: True)():
        Clock.schedule_once(step, 0.02)
        return
    state["i"] += 1
    state["name"] = name
    state["t0"] = time.perf_counter()
    action()
def started(*_):
    for name in ("bare_a", "bare_b"):
        screen = Screen(name=name)
        screen.add_widget(Label(text=name))
        app.sm.add_widget(screen)
    Window.bind(on_flip=flipped)
    Clock.schedule_once(begin, 0.5)
def begin(_dt):
    # a resident comes once the kiosk has stood idle at home long enough to build its screens
    if app.screens.pending():
        Clock.schedule_once(begin, 0.2)
        return
    step(0)
app.bind(ready=lambda *_: started())
app.run()
"""


def prepare(folder: Path) -> Path:
    from simulators.platform.app import load_catalog_document

    (folder / "secrets.toml").write_text("")
    (folder / "secrets.toml").chmod(0o600)
    config = folder / "kiosk.toml"
    config.write_text(CONFIG, encoding="utf-8")
    cache = folder / "state" / "catalog"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "catalog.json").write_text(json.dumps(load_catalog_document(), ensure_ascii=False), encoding="utf-8")
    (cache / "request-catalog.json").write_text(json.dumps(request_catalog_document(), ensure_ascii=False),
                                                encoding="utf-8")
    return config


def request_catalog_document() -> dict:
    """The reference platform's request catalog, as it serves it."""
    from simulators.platform.requests import load_request_catalog

    return load_request_catalog()[0]


def child_env(folder: Path, display: str) -> dict[str, str]:
    return dict(os.environ, DISPLAY=display, KIVY_NO_ARGS="1", KIVY_HOME=str(folder / "kivy-home"),
                KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT))


def script(folder: Path, name: str, code: str) -> str:
    """A child as a file: Kivy's App looks for its kv file beside its source."""
    path = folder / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    return str(path)


def first_frame(code: str, args: list[str], env: dict[str, str], cwd: Path) -> float:
    child = script(cwd, "first_frame_" + str(abs(hash(code))), code)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, child, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1]) - start


def cold_start(runs: int, folder: Path, config: Path, env: dict[str, str]) -> dict:
    first_frame(KIOSK_CHILD, [str(config)], env, folder)  # warm the file cache and Kivy's config
    kiosk, bare = [], []
    for _ in range(runs):  # interleaved, so load changes hit both alike
        kiosk.append(first_frame(KIOSK_CHILD, [str(config)], env, folder))
        bare.append(first_frame(BARE_CHILD, [], env, folder))
    k, b = statistics.median(kiosk), statistics.median(bare)
    return {"kiosk_median_s": round(k, 3), "bare_median_s": round(b, 3), "ratio": round(k / b, 2),
            "kiosk_runs_s": [round(v, 3) for v in kiosk], "goal_s": COLD_START_GOAL, "ok": k <= COLD_START_GOAL}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def transitions(count: int, folder: Path, config: Path, env: dict[str, str], walk: str = "visit") -> dict:
    child = script(folder, "transitions", TRANSITIONS_CHILD)
    proc = subprocess.run([sys.executable, child, str(config), str(count), walk], env=env, cwd=folder,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    times = json.loads(proc.stdout.strip().splitlines()[-1])
    k, b = times["kiosk"], times["bare"]
    return {"count": len(k), "kiosk_median_ms": round(statistics.median(k) * 1000, 1),
            "kiosk_p95_ms": round(p95(k) * 1000, 1),
            # after each screen was shown once (its text textures exist): the cost of every later visit
            "kiosk_warm_p95_ms": round(p95(k[WALK_LENGTH:]) * 1000, 1),
            "bare_median_ms": round(statistics.median(b) * 1000, 1),
            "bare_p95_ms": round(p95(b) * 1000, 1), "p95_ratio": round(p95(k) / p95(b), 2),
            "goal_p95_ms": TRANSITION_P95_GOAL * 1000, "ok": p95(k) <= TRANSITION_P95_GOAL,
            "median_ms_by_change": {name: round(statistics.median(v) * 1000, 1)
                                    for name, v in times["by_change"].items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind (default 5)")
    parser.add_argument("--transitions", type=int, default=120, help="screen changes measured (default 120)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from screens.headless import virtual_display

    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp, virtual_display(set_env=False) as display:
        folder = Path(tmp)
        config = prepare(folder)
        env = child_env(folder, display)
        results = {"cold_start": cold_start(args.runs, folder, config, env),
                   "transitions": transitions(args.transitions, folder, config, env),
                   "requests": transitions(args.transitions, folder, config, env, "request"),
                   "switches": transitions(args.transitions, folder, config, env, "switches"),
                   "load": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        c, t = results["cold_start"], results["transitions"]
        print(f"cold start   kiosk {c['kiosk_median_s']:.2f} s median (bare Kivy {c['bare_median_s']:.2f} s, "
              f"x{c['ratio']}); goal <= {COLD_START_GOAL} s: {'ok' if c['ok'] else 'MISSED'}")
        print(f"transitions  p95 {t['kiosk_p95_ms']:.1f} ms (after the first pass {t['kiosk_warm_p95_ms']:.1f} ms), "
              f"median {t['kiosk_median_ms']:.1f} ms over {t['count']} "
              f"(bare screens p95 {t['bare_p95_ms']:.1f} ms, x{t['p95_ratio']}); goal p95 <= "
              f"{TRANSITION_P95_GOAL * 1000:.0f} ms: {'ok' if t['ok'] else 'MISSED'}")
        r = results["requests"]
        print(f"requests     p95 {r['kiosk_p95_ms']:.1f} ms (after the first pass {r['kiosk_warm_p95_ms']:.1f} ms), "
              f"median {r['kiosk_median_ms']:.1f} ms over {r['count']}; goal p95 <= "
              f"{TRANSITION_P95_GOAL * 1000:.0f} ms: {'ok' if r['ok'] else 'MISSED'}")
        w = results["switches"]
        print(f"switches     p95 {w['kiosk_p95_ms']:.1f} ms, median {w['kiosk_median_ms']:.1f} ms over {w['count']}; "
              "by change (median, ms): " + ", ".join(f"{k} {v}" for k, v in w["median_ms_by_change"].items()))
        print(f"load average {results['load']} on {results['cpus']} CPUs")
    return 0 if results["cold_start"]["ok"] and results["transitions"]["ok"] and results["requests"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
