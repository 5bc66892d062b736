"""The papers step's live camera preview: frames per second with the page outline drawn.

    .venv/bin/python bench/bench_preview.py [--runs 5] [--seconds 3] [--json]

Under Xvfb (a private one when DISPLAY is unset), a Kivy window shows 1080p
BGR frames in ``screens.widgets.page_view.CameraPreview`` at the size the
papers screen gives it, with the page outline moved on every frame, as fast
as the Kivy clock draws (the app's 60 fps cap).  Each frame is a new array, as
the camera's latest-frame slot hands them out.

    ceiling      only the outline moves (no frame uploaded): what one redraw of
                 the window costs here, the most any preview can reach
    preview      CameraPreview.show(): shrink to the widget, one texture reused
    baseline     the same frames through a new Texture per frame (Kivy's usual
                 leak), same process: fps and RSS growth beside the preview's
    detection    when drivers.camera is installed: the preview with page
                 detection running on the latest frame in a worker thread, as
                 the papers screen runs it

Goal: preview >= 20 fps (median of the runs).  Exit status 1 when missed.
Under Xvfb the window is drawn by Mesa's llvmpipe on the CPU, so the ceiling
depends on the machine's load; the preview's own cost per frame (``show()``,
printed as ms) is what the code controls.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_FPS = 20.0
FRAME = (1080, 1920)
PREVIEW_SIZE = (1100, 620)   # the papers screen's preview at 1920x1080


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def frames():
    """Endless 1080p frames: a desk, a page drifting a few pixels, noise."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(7)
    desk = rng.integers(60, 90, (*FRAME, 3), dtype=np.uint8)
    i = 0
    while True:
        frame = desk.copy()
        dx = int(10 * np.sin(i / 10))
        corners = np.array([[560 + dx, 140], [1380 + dx, 160], [1360 + dx, 950], [540 + dx, 930]], np.int32)
        cv2.fillConvexPoly(frame, corners, (235, 238, 240))
        yield frame, corners.astype(float).tolist()
        i += 1


def child(runs: int, seconds: float) -> dict:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from kivy.config import Config

    Config.set("graphics", "width", "1920")
    Config.set("graphics", "height", "1080")
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.graphics import Rectangle
    from kivy.graphics.texture import Texture
    from kivy.properties import NumericProperty, StringProperty
    from kivy.uix.floatlayout import FloatLayout

    try:
        from drivers.camera.detect import PageDetector
    except ImportError:
        PageDetector = None

    results: dict = {"show_ms": [], "ceiling": [], "preview": [], "baseline": [], "detection": [], "rss_growth_mb": {}}

    class Bench(App):
        lang = StringProperty("zh_CN")
        text_scale = NumericProperty(1.0)

        def build(self):
            from kivy.uix.widget import Widget

            from screens.widgets.page_view import CameraPreview

            root = FloatLayout()
            self.preview = CameraPreview(size_hint=(None, None), size=PREVIEW_SIZE, pos=(40, 300))
            self.naive = Widget(size_hint=(None, None), size=PREVIEW_SIZE, pos=(40, 300))
            root.add_widget(self.preview)
            root.add_widget(self.naive)
            self.source = frames()
            self.preview.show(*next(self.source))   # the ceiling redraws the outline over this frame
            self.plan = [m for _ in range(runs) for m in ("ceiling", "preview", "baseline")
                         + (("detection",) if PageDetector is not None else ())]
            Clock.schedule_once(lambda _dt: self.next_run(), 0.5)
            return root

        def next_run(self):
            if not self.plan:
                self.stop()
                return
            self.mode = self.plan.pop(0)
            self.count = 0
            self.show_seconds = 0.0
            self.rss0 = rss_mb()
            self.detected = None
            self.stop_detect = threading.Event()
            if self.mode == "detection":
                self.latest = None
                threading.Thread(target=self.detect_loop, daemon=True).start()
            self.started = time.perf_counter()
            self.event = Clock.schedule_interval(self.tick, 0)

        def detect_loop(self):
            detector = PageDetector()
            done = None
            while not self.stop_detect.is_set():
                frame = self.latest
                if frame is None or frame is done:   # each frame once, as LiveScan takes next_frame(seq)
                    time.sleep(0.005)
                    continue
                done = frame
                found = detector.detect(frame, track=True)
                self.detected = found.corners.tolist() if found is not None else None

        def tick(self, _dt):
            frame, corners = next(self.source)
            if self.mode == "ceiling":
                self.preview.corners = corners   # only the outline moves: the cost of any redraw
            elif self.mode == "baseline":
                texture = Texture.create(size=(frame.shape[1], frame.shape[0]), colorfmt="bgr")
                texture.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
                self.naive.canvas.clear()
                with self.naive.canvas:
                    Rectangle(texture=texture, pos=self.naive.pos, size=self.naive.size)
            elif self.mode == "detection":
                self.latest = frame
                self.preview.show(frame, self.detected, steady=self.detected is not None)
            else:
                began = time.perf_counter()
                self.preview.show(frame, corners, steady=True)
                self.show_seconds += time.perf_counter() - began
            self.count += 1
            elapsed = time.perf_counter() - self.started
            if elapsed >= seconds:
                self.event.cancel()
                self.stop_detect.set()
                self.naive.canvas.clear()
                results[self.mode].append(self.count / elapsed)
                if self.mode == "preview":
                    results["show_ms"].append(1000 * self.show_seconds / self.count)
                results["rss_growth_mb"].setdefault(self.mode, []).append(round(rss_mb() - self.rss0, 1))
                Clock.schedule_once(lambda _dt: self.next_run(), 0.2)
            return True

    Bench().run()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs, args.seconds)))
        return 0
    from screens.headless import virtual_display

    with virtual_display(1920, 1080, set_env=False) as display:
        env = dict(os.environ, DISPLAY=display, KIVY_HOME=os.environ.get("KIVY_HOME", "/tmp/bench-preview-kivy"),
                   PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, __file__, "--child", "--runs", str(args.runs),
                               "--seconds", str(args.seconds)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 2
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = {mode: round(statistics.median(raw[mode]), 1) for mode in ("ceiling", "preview", "baseline", "detection")
               if raw[mode]}
    growth = {mode: statistics.median(v) for mode, v in raw["rss_growth_mb"].items()}
    if args.json:
        print(json.dumps({"fps": summary, "show_ms": statistics.median(raw["show_ms"]), "rss_growth_mb": growth, "runs": raw}))
    else:
        for mode, fps in summary.items():
            print(f"{mode:10s} {fps:6.1f} fps (median of {len(raw[mode])} runs of {args.seconds:g} s), "
                  f"RSS growth per run {growth.get(mode, 0):+.1f} MB")
        print(f"show()     {statistics.median(raw['show_ms']):6.1f} ms per frame (shrink, upload, outline)")
        if "baseline" in summary:
            print(f"preview / baseline: {summary['preview'] / summary['baseline']:.2f}x")
    worst = min(summary.get("preview", 0), summary.get("detection", GOAL_FPS))
    return 0 if worst >= GOAL_FPS else 1


if __name__ == "__main__":
    sys.exit(main())
