"""进度查询 by the slip: how often each look of the slip watch reads a receipt
lying under the document camera, and what a look costs.

    .venv/bin/python bench/bench_slip_qr.py [--receipts 100] [--seed 3]

``--receipts`` queued-filing receipts (simulators/camera/receipts.py: the
kiosk's own slip, encoded for the printer and drawn as the printer
simulator draws it) with random hut serials and slip codes, each under the
1080p camera (dark tray, JPEG 85) two ways: the whole receipt laid flat, and
the band around its code held up (the demo's way).  For each: the clean
print read by each of OpenCV's two detectors, and on the camera's frame the
slip watch's quick look (``read_qr_live``) and its closer looks
(``read_qr_close``, classic and ArUco detector), and what the watch does
with them all (any of the three).  Times are this thread's CPU time with
cv2.setNumThreads(1), medians over the receipts, in one process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402

from drivers.camera.qr import read_qr_close, read_qr_live  # noqa: E402
from kiosk.filing.submission import slip_qr  # noqa: E402
from simulators.camera.receipts import queued_receipt, under_camera  # noqa: E402

HELD = (0.6, 0.9)   # shares of the receipt's height held up: the band around its code


def timed(fn, *args, **kwargs):
    start = time.thread_time()
    value = fn(*args, **kwargs)
    return value, time.thread_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    rng = random.Random(args.seed)
    looks = {"quick": lambda f: read_qr_live(f), "close classic": lambda f: read_qr_close(f),
             "close aruco": lambda f: read_qr_close(f, aruco=True)}
    read: dict[str, int] = {}
    spent: dict[str, list[float]] = {}
    for _ in range(args.receipts):
        number, code = f"SIM-DL-0001-261208-{rng.randrange(16 ** 7):07X}", f"{rng.randrange(16 ** 16):016x}"
        text = slip_qr(number, code)
        receipt = queued_receipt(number, code)
        grey = cv2.cvtColor(receipt, cv2.COLOR_BGR2GRAY)
        for name, detector in (("print classic", cv2.QRCodeDetector()), ("print aruco", cv2.QRCodeDetectorAruco())):
            read[name] = read.get(name, 0) + (detector.detectAndDecode(grey)[0] == text)
        height = receipt.shape[0]
        for way, (top, bottom) in (("whole", (0.0, 1.0)), ("held", HELD)):
            frame = under_camera(receipt[round(top * height):round(bottom * height)])
            any_read = False
            for name, look in looks.items():
                value, seconds = timed(look, frame)
                read[f"{way} {name}"] = read.get(f"{way} {name}", 0) + (value == text)
                spent.setdefault(f"{way} {name}", []).append(seconds)
                any_read |= value == text
            read[f"{way} watch"] = read.get(f"{way} watch", 0) + any_read
    print(f"{args.receipts} receipts, seed {args.seed}")
    for name, count in read.items():
        times = spent.get(name)
        cost = f"  median {statistics.median(times) * 1000:6.1f} ms" if times else ""
        print(f"{name:<22} read {count:4d} / {args.receipts}{cost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
