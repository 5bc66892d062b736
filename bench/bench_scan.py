"""Document camera: page detection accuracy (SmartDoc Jaccard) on two
independent scene families, the confidence gate, and pipeline speed on one
core, beside the classic pipeline run in the same process.

    .venv/bin/python bench/bench_scan.py [--scenes 200] [--seed 9] [--speed-frames 40] [--memory-frames 10000]

Accuracy: ``--scenes`` seeded 1920x1080 scenes of EACH family:
- classic (simulators/camera/scenes.py): a rendered page with Chinese text,
  a table and a red seal warped onto four background kinds with random
  corner jitter, lighting gradients and, at random, shadows, glare, a hand,
  a pen, a corner outside the view, blur, noise and JPEG;
- other (simulators/camera/scenes_other.py): a pinhole camera over a tray
  plane, five surfaces (dark tray, light desk, wood planks, fabric, a desk
  cluttered with paper-coloured rectangles), A4/A5/letter pages and ID-1
  cards, a lamp's light and shadows, lens distortion, hands and fingers,
  partial pages, glare, defocus and motion blur, sensor noise, JPEG.
Each detection is scored with the ICDAR 2015 SmartDoc Challenge 1 metric
(both quads warped into the page's own frame with the truth's homography,
Jaccard index there; a miss scores 0), ours without and with the empty-tray
reference, next to the classic baseline.  The detector's weights were
fitted on seeds 0 and 2 of both families (bench/fit_page_model.py); seed 1
was measured once before the last fit (docs/PERFORMANCE.md), seed 3 is the
unit tests'; seed 4 was the held-out seed of the weights' fit and is
reported in docs/PERFORMANCE.md.  The staged search and the completions that
move a side in (issue 25's follow-up) were developed on seeds 0 and 1, and
seed 5 was not looked at before they were committed; the second follow-up
(cards: outer edge boundaries, completions fitted to the edges; less time per
frame) was developed on seeds 0 and 1 again, and the default seed 9 was not
looked at before it was committed.  ``--save-scenes``
keeps the rendered scenes, to run other code on the same frames.

Confidence: of the detections at or above quality.CAPTURE_CONFIDENCE (the
ones the papers screen may auto-capture), how many are wrong (Jaccard <
0.9), and how many right ones the gate holds back; on each scene's empty
tray, how many outlines would be shown and how many would be captured.

Speed (cv2.setNumThreads(1)), by default in this thread's CPU time (the
machine is shared; ``--clock wall`` for elapsed time): medians over each
family's frames of detection on a 1080p frame, the classic pipeline timed
on the same frame right after; detection + rectification to A4 at 300 dpi +
colour enhancement + JPEG encode; live detection (tracking the previous
frame's page) as frames per second.  The baseline is the classic pipeline:
resize to 500 px, Gaussian blur, Canny, largest 4-point contour.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np

from drivers.camera.detect import PageDetector, order_corners
from drivers.camera.frames import ScanError
from drivers.camera.output import page_jpeg
from drivers.camera.pipeline import scan_page
from drivers.camera.quality import CAPTURE_CONFIDENCE
from drivers.camera.rectify import check_corners, rectify
from simulators.camera import scenes, scenes_other
from simulators.camera.metric import smartdoc_jaccard

FAMILIES = {"classic": (scenes.KINDS, scenes.scene_set), "other": (scenes_other.KINDS, scenes_other.other_set)}


def classic(frame: np.ndarray) -> np.ndarray | None:
    """The textbook pipeline: 500 px, blur, Canny, the largest 4-point contour."""
    h, w = frame.shape[:2]
    scale = 500.0 / h
    small = cv2.resize(frame, (round(w * scale), 500))
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    edges = cv2.Canny(grey, 75, 200)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2).astype(np.float32) / scale)
    return None


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def mean(values: list[float]) -> str:
    return f"{np.mean(values):.4f}" if values else "-"


class Family:
    """One family's results."""

    def __init__(self, name: str):
        self.name = name
        self.by_kind: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in ("ours", "tray", "classic")}
        self.by_condition: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in ("ours", "classic")}
        self.confident: list[tuple[float, float]] = []     # (confidence, Jaccard) of every scene
        self.empty: list[float] = []                       # confidence on the empty tray (0: nothing)
        self.detect_t: list[float] = []
        self.classic_t: list[float] = []
        self.frames: list[tuple[np.ndarray, np.ndarray]] = []

    def all(self, method: str) -> list[float]:
        return [j for js in self.by_kind[method].values() for j in js]


def measure(name: str, count: int, seed: int, clock, keep_frames: int, save: Path | None = None) -> Family:
    kinds, made = FAMILIES[name]
    fam = Family(name)
    folder = save / f"{name}_{seed}" if save else None
    meta: list[dict[str, object]] = []
    for i, scene in enumerate(made(count, seed, with_tray=True)):
        if folder is not None:
            # The format bench/fit_page_model.py --cache reads; for comparing other code on the same frames.
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{i:03d}.png"), scene.image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            cv2.imwrite(str(folder / f"{i:03d}_tray.png"), scene.tray, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            meta.append({"i": i, "corners": scene.corners.tolist(), "page_size": list(scene.page_size),
                         "kind": scene.kind, "doc": scene.doc, "conditions": list(scene.conditions)})
        detector = PageDetector()
        t0 = clock()
        found = detector.detect(scene.image)
        t1 = clock()
        base = classic(scene.image)
        t2 = clock()
        fam.detect_t.append(t1 - t0)
        fam.classic_t.append(t2 - t1)
        with_tray = PageDetector(reference=scene.tray).detect(scene.image)
        j = smartdoc_jaccard(None if found is None else found.corners, scene.corners, scene.page_size)
        jc = smartdoc_jaccard(base, scene.corners, scene.page_size)
        fam.by_kind["ours"][scene.kind].append(j)
        fam.by_kind["tray"][scene.kind].append(
            smartdoc_jaccard(None if with_tray is None else with_tray.corners, scene.corners, scene.page_size))
        fam.by_kind["classic"][scene.kind].append(jc)
        for condition in (*(scene.conditions or ("none",)), f"doc: {scene.doc}"):
            fam.by_condition["ours"][condition].append(j)
            fam.by_condition["classic"][condition].append(jc)
        fam.confident.append((0.0 if found is None else found.confidence, j))
        empty = PageDetector().detect(scene.tray)
        fam.empty.append(0.0 if empty is None else empty.confidence)
        if len(fam.frames) < keep_frames:
            fam.frames.append((scene.image, scene.corners))
    if folder is not None:
        (folder / "meta.json").write_text(json.dumps(meta))
    return fam


def report_accuracy(families: list[Family]) -> None:
    print("| family | background kind | scenes | ours (no reference) | ours + empty-tray reference | classic baseline |")
    print("|---|---|---|---|---|---|")
    for fam in families:
        for kind, js in fam.by_kind["ours"].items():
            print(f"| {fam.name} | {kind} | {len(js)} | {mean(js)} | {mean(fam.by_kind['tray'][kind])} | "
                  f"{mean(fam.by_kind['classic'][kind])} |")
        print(f"| {fam.name} | **all** | {len(fam.all('ours'))} | **{mean(fam.all('ours'))}** | {mean(fam.all('tray'))} | "
              f"{mean(fam.all('classic'))} |")
    both = [j for fam in families for j in fam.all("ours")]
    light = [j for fam in families for j in fam.by_kind["ours"].get("light", [])]
    print(f"\nboth families: all {mean(both)} ({len(both)} scenes), light desk {mean(light)} ({len(light)} scenes)")
    for fam in families:
        js = fam.all("ours")
        print(f"{fam.name}: {sum(j == 0 for j in js)} missed, {sum(j < 0.9 for j in js)} below 0.9")
    conditions = sorted({c for fam in families for c in fam.by_condition["ours"]})
    head = " | ".join(f"{fam.name}: scenes | ours | classic" for fam in families)
    print(f"\n| condition | {head} |\n|---|" + "---|---|---|" * len(families))
    for condition in conditions:
        cells = []
        for fam in families:
            ours, base = fam.by_condition["ours"].get(condition, []), fam.by_condition["classic"].get(condition, [])
            cells.append(f"{len(ours)} | {mean(ours)} | {mean(base)}")
        print(f"| {condition} | " + " | ".join(cells) + " |")


def report_confidence(families: list[Family]) -> None:
    print(f"\nconfidence gate (auto-capture at >= {CAPTURE_CONFIDENCE}):\n")
    print("| family | scenes | auto-capturable | of those wrong (J < 0.9) | right ones held back | "
          "empty trays: outline shown | empty trays: would be captured |")
    print("|---|---|---|---|---|---|---|")
    for fam in families:
        conf = np.array(fam.confident)
        take = conf[:, 0] >= CAPTURE_CONFIDENCE
        wrong = int((take & (conf[:, 1] < 0.9)).sum())
        held = int((~take & (conf[:, 1] >= 0.9)).sum())
        empty = np.array(fam.empty)
        print(f"| {fam.name} | {len(conf)} | {int(take.sum())} | {wrong} | {held} | {int((empty > 0).sum())} | "
              f"{int((empty >= CAPTURE_CONFIDENCE).sum())} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=200, help="scenes of each family")
    parser.add_argument("--seed", type=int, default=9, help="9: held out of tuning (see above)")
    parser.add_argument("--speed-frames", type=int, default=40)
    parser.add_argument("--memory-frames", type=int, default=10_000)
    parser.add_argument("--families", default="classic,other")
    parser.add_argument("--save-scenes", type=Path,
                        help="also write every scene to this folder (family_seed/NNN.png, NNN_tray.png, meta.json)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="cpu: this thread's CPU time (one core, whatever the neighbours do); wall: elapsed")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    made = time.perf_counter()
    families = [measure(name, args.scenes, args.seed, clock, args.speed_frames, args.save_scenes)
                for name in args.families.split(",")]
    made = time.perf_counter() - made
    print(f"\n{args.scenes} scenes of each family, seed {args.seed} ({made:.0f} s including rendering); "
          f"load average now {os.getloadavg()[0]:.2f}\n")
    report_accuracy(families)
    report_confidence(families)

    # Pipeline: detect + rectify (A4, 300 dpi, upright) + colour enhancement + JPEG encode.
    # The baseline: classic detection, a plain warp of the frame to A4 at 300 dpi and
    # cv2.imencode, no enhancement; where it finds no usable page it warps the true corners,
    # so it always pays for the warp and the encode.
    speed_frames = [f for fam in families for f in fam.frames[: max(1, args.speed_frames // len(families))]]
    pipeline_t: list[float] = []
    classic_pipe: list[float] = []
    for frame, truth in speed_frames:
        t0 = clock()
        found = PageDetector().detect(frame)
        if found is not None:
            page_jpeg(scan_page(frame, found.corners, "a4", "colour", 300))
        pipeline_t.append(clock() - t0)
        t0 = clock()
        quad = classic(frame)
        try:
            corners = check_corners(quad, frame.shape) if quad is not None else truth
        except ScanError:       # the textbook's contour can be a sliver: warp the truth instead
            corners = truth
        page = rectify(frame, corners, "a4", 300)
        cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 80])
        classic_pipe.append(clock() - t0)

    # Live: the same page, a pixel of jitter per frame, tracked.
    live = PageDetector()
    live_t: list[float] = []
    frame = speed_frames[0][0]
    for i in range(120):
        shifted = np.roll(frame, i % 3, axis=1)
        t0 = clock()
        live.detect(shifted, track=True)
        live_t.append(clock() - t0)
    print(f"\nspeed on one core (cv2.setNumThreads(1)), medians of {args.clock} time; "
          f"load average now {os.getloadavg()[0]:.2f}\n")
    print("| measure | ours | classic baseline (same frames, same run) | ratio | goal |\n|---|---|---|---|---|")
    for fam in families:
        print(f"| detection, 1080p frame, {fam.name} family ({len(fam.detect_t)} frames) | {ms(fam.detect_t):.1f} ms | "
              f"{ms(fam.classic_t):.1f} ms | {ms(fam.detect_t) / ms(fam.classic_t):.2f}x | <= 3.0x, <= 15 ms |")
        # The median of a staged search sits where the frames that stop early meet those that do not: the means too.
        print(f"| (means) {fam.name} family | {np.mean(fam.detect_t) * 1000:.1f} ms | {np.mean(fam.classic_t) * 1000:.1f} ms | "
              f"{np.mean(fam.detect_t) / np.mean(fam.classic_t):.2f}x | |")
    detect_all = [t for fam in families for t in fam.detect_t]
    classic_all = [t for fam in families for t in fam.classic_t]
    print(f"| detection, 1080p frame, both ({len(detect_all)} frames) | {ms(detect_all):.1f} ms | "
          f"{ms(classic_all):.1f} ms | {ms(detect_all) / ms(classic_all):.2f}x | <= 3.0x, <= 15 ms |")
    print(f"| detect + rectify A4 300 dpi + enhance + JPEG ({len(pipeline_t)} frames) | {ms(pipeline_t):.0f} ms | "
          f"{ms(classic_pipe):.0f} ms (plain warp + encode) | {ms(pipeline_t) / ms(classic_pipe):.1f}x | <= 150 ms |")
    print(f"| live preview detection (tracking), 1080p | {1000 / ms(live_t):.0f} fps ({ms(live_t):.1f} ms) | "
          f"{1000 / ms(classic_all):.0f} fps | | >= 25 fps |")

    if args.memory_frames:
        frames = [frame, np.roll(frame, 1, axis=0)]
        for i in range(50):
            live.detect(frames[i % 2], track=True)
        before = rss_mb()
        t0 = time.perf_counter()
        for i in range(args.memory_frames):
            live.detect(frames[i % 2], track=True)
        took = time.perf_counter() - t0
        print(f"\nmemory over {args.memory_frames} frames of 1080p live detection: RSS {before:.1f} -> "
              f"{rss_mb():.1f} MB ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
