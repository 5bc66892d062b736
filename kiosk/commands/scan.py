"""``kiosk scan``: the technician's tools for the document camera (高拍仪).

``detect`` and ``rectify`` work on image files with no camera (and no empty
tray reference unless one is given); ``live`` shows the camera with the
detected outline, in an OpenCV window or, with no display, as one line per
frame.  ``rectify --out`` writes the page the technician asked for; the
kiosk itself never writes scanned pages outside the encrypted outbox.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

OUT_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("scan", help="document camera (高拍仪): find a page, rectify it, watch the camera")
    sub = p.add_subparsers(dest="scan_command", metavar="ACTION", required=True)

    d = sub.add_parser("detect", help="find the page's corners in image files")
    d.add_argument("images", nargs="+", metavar="IMAGE")
    d.add_argument("--json", action="store_true", help="one JSON object per image")
    d.add_argument("--reference", metavar="EMPTY_TRAY.jpg", help="the camera's empty tray (optional)")
    d.set_defaults(func=cmd_detect)

    r = sub.add_parser("rectify", help="flatten the page of an image to its paper size")
    r.add_argument("image", metavar="IMAGE")
    r.add_argument("--out", required=True, metavar="FILE", help="output .jpg, .png or .pdf")
    r.add_argument("--mode", choices=["colour", "grey", "bw"], default="colour")
    r.add_argument("--size", choices=["a4", "a5", "b5", "id1", "auto"], default="a4")
    r.add_argument("--reference", metavar="EMPTY_TRAY.jpg", help="the camera's empty tray (optional)")
    r.set_defaults(func=cmd_rectify)

    q = sub.add_parser("qr", help="read a receipt's QR code from an image file")
    q.add_argument("image", metavar="IMAGE")
    q.set_defaults(func=cmd_qr)

    live = sub.add_parser("live", help="show the camera with the detected outline (maintenance)")
    live.add_argument("--url", help="stream URL (default: the camera.uvc device in the config)")
    live.add_argument("--port", help="V4L2 index or /dev/video path")
    live.add_argument("--headless", action="store_true", help="print detections instead of opening a window")
    live.add_argument("--frames", type=int, default=0, help="stop after this many frames (default: run until q)")
    live.set_defaults(func=cmd_live)


def _image(path: str) -> Any:
    from drivers.camera.frames import ScanError, read_image

    try:
        return read_image(path)
    except ScanError as exc:
        raise KioskError(str(exc)) from None


def _detector(reference: str | None) -> Any:
    from drivers.camera.detect import PageDetector

    return PageDetector(_image(reference) if reference else None)


def cmd_detect(args: argparse.Namespace) -> int:
    from drivers.camera.frames import ScanError, read_image

    detector = _detector(args.reference)
    failed = False
    for path in args.images:
        try:
            found = detector.detect(read_image(path))
        except ScanError as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            failed = True
            continue
        result = {"image": path, "corners": None, "confidence": 0.0}
        if found is not None:
            result.update(found.as_json())
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif found is None:
            print(f"{path}: no page / 未找到文件", flush=True)
        else:
            corners = "  ".join(f"({x:.0f},{y:.0f})" for x, y in result["corners"])
            print(f"{path}: {corners}  confidence {result['confidence']:.2f}", flush=True)
    return 2 if failed else 0


def cmd_rectify(args: argparse.Namespace) -> int:
    import cv2

    from drivers.camera.frames import ScanError
    from drivers.camera.output import document_pdf, is_bilevel, jpeg_bytes, page_jpeg
    from drivers.camera.pipeline import scan_page

    out = Path(args.out)
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise KioskError(f"{out}: the output must end in {', '.join(OUT_SUFFIXES)}")
    frame = _image(args.image)
    found = _detector(args.reference).detect(frame)
    if found is None:
        raise KioskError(f"{args.image}: no page found (未找到文件); nothing written")
    try:
        page = scan_page(frame, found.corners, args.size, args.mode)
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            data = document_pdf([page])
        elif suffix == ".png":
            data = cv2.imencode(".png", page)[1].tobytes()
        elif is_bilevel(page):
            data = jpeg_bytes(page)
        else:
            data = page_jpeg(page)
    except ScanError as exc:
        raise KioskError(str(exc)) from None
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise KioskError(f"{out}: cannot write: {exc.strerror or exc}") from None
    h, w = page.shape[:2]
    print(f"{out}: {w}x{h} px, {len(data) // 1024} KB ({args.mode}, {args.size})")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    from drivers.camera.qr import read_qr

    text = read_qr(_image(args.image))
    if text is None:
        raise KioskError(f"{args.image}: no QR code found (未找到二维码)")
    print(text)
    return 0


def _open_camera(args: argparse.Namespace) -> Any:
    from drivers.camera.device import DocumentCamera

    if args.url or args.port:
        return DocumentCamera("camera", url=args.url, port=args.port)
    from kiosk import config as config_mod
    from kiosk.devices.registry import build_device

    settings = config_mod.load(args.config)
    names = [n for n, cfg in settings.devices.items() if cfg.driver == "camera.uvc" and cfg.enabled]
    if not names:
        raise KioskError(f"{settings.source}: no enabled [devices.<name>] with driver = \"camera.uvc\"; "
                         "configure one or pass --url / --port")
    return build_device(settings, names[0])


def cmd_live(args: argparse.Namespace) -> int:
    import cv2
    import numpy as np

    from drivers.base import Status
    from drivers.camera.detect import PageDetector
    from drivers.camera.quality import assess

    camera = _open_camera(args)
    headless = args.headless or not os.environ.get("DISPLAY")
    detector = PageDetector()
    camera.open()
    shown = 0
    seq = 0
    try:
        while not args.frames or shown < args.frames:
            frame = camera.next_frame(seq, timeout=camera.options.open_timeout + camera.options.stall_seconds)
            if frame is None:
                if camera.status in (Status.NO_DEVICE, Status.HARDWARE_ERROR):
                    raise KioskError(f"document camera is {camera.status.value}: {camera.check_health('internal')}")
                continue
            seq = frame.seq
            started = time.perf_counter()
            found = detector.detect(frame.image, track=True)
            took = (time.perf_counter() - started) * 1000
            quality = assess(frame.image, found, blur_threshold=camera.options.blur_threshold)
            shown += 1
            if headless:
                line = {"frame": frame.seq, "corners": None, "confidence": 0.0, "ms": round(took, 1),
                        "gates": [g.value for g in quality.failed]}
                if found is not None:
                    line.update(found.as_json())
                print(json.dumps(line), flush=True)
                continue
            view = frame.image.copy()
            if found is not None:
                cv2.polylines(view, [np.round(found.corners).astype(np.int32)], True, (0, 200, 0), 3)
            text = "OK" if quality.ok else ", ".join(g.value for g in quality.failed)
            cv2.putText(view, f"{text}  {took:.0f} ms", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 255), 2)
            cv2.imshow("kiosk scan live (q to quit)", view)
            if cv2.waitKey(1) & 0xFF == ord("q"):
                break
    finally:
        camera.close()
        if not headless:
            cv2.destroyAllWindows()
    return 0
