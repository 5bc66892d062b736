"""Receipt printer: compose + encode an application receipt, with and
without the image fallback for Chinese, against python-escpos's own text path.

    .venv/bin/python bench/bench_printer.py [--runs 200] [--json]

    compose+encode   kiosk.slips.application_receipt(data) -> layout -> ESC/POS bytes
                     (generic 80 mm Chinese profile, GB18030 with FS & / FS .)   goal: median <= 10 ms
    image fallback   the same with every Chinese line drawn with the CJK font and
                     sent as GS v 0 raster (80 mm, 576 dots and Epson 512 dots)  goal: median <= 80 ms
                     (warm glyph cache, as in the long-running kiosk; and cold, every glyph drawn afresh)
    baseline         python-escpos alone: Dummy().textln() of the same laid-out
                     lines (MagicEncode, GB18030) + native QR + cut, same process
    end to end       print_receipt() to the simulated printer over TCP and a pty,
                     status queried before, between segments and after (informational)
    idle detection   cover opened / closed on the simulator with no job: seconds until
                     printer.state shows it (background check, default status_interval
                     2 s), over TCP and a pty; ratio = against the interval    goal: max <= 5 s

Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.printer.device import ReceiptPrinter  # noqa: E402 - after the sys.path line above
from drivers.printer.encode import encode  # noqa: E402 - after the sys.path line above
from drivers.printer.profiles import resolve  # noqa: E402 - after the sys.path line above
from drivers.printer.slip import Line, layout  # noqa: E402 - after the sys.path line above
from kiosk.slips import application_receipt  # noqa: E402 - after the sys.path line above

DATA = {"number": "A20261126-0001", "matter": "老年人优待证办理", "matter_en": "Senior citizen card application",
        "id_number": "230108195001011234", "name": "张建国", "time": dt.datetime(2026, 11, 26, 17, 30),
        "hut": "天河街道居民自助服务小屋", "tracking_url": "https://hut.example.cn/t/A20261126-0001",
        "notes": ["材料已收齐，3个工作日内短信通知办理结果。", "Documents complete; we will text you within 3 working days."]}


def timed(fn, runs: int) -> dict:
    fn()  # warm caches (fonts, codecs, python-escpos profile data)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(len(samples) * 0.9) - 1],
            "max_ms": samples[-1]}


def compose_encode(profile):
    return lambda: encode(application_receipt(DATA), profile).data


def cold(fn):
    """Every run draws every glyph afresh (the first slip after a start)."""
    from drivers.printer.encode import _glyph

    def run():
        _glyph.cache_clear()
        return fn()

    return run


def escpos_baseline(profile):
    from escpos.printer import Dummy

    def run() -> bytes:
        printer = Dummy()
        for item in layout(application_receipt(DATA), profile.columns):
            if isinstance(item, Line):
                printer.set(align=item.align, bold=item.bold, double_width=item.double, double_height=item.double)
                printer.textln(item.text)
        printer.qr(DATA["tracking_url"], size=6, native=True)
        printer.cut()
        return printer.output

    return run


def end_to_end(runs: int) -> dict:
    from simulators.printer import PrinterSimulator

    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-printer-") as tmp, PrinterSimulator(Path(tmp)) as sim:
        for kind, where in (("tcp", {"url": sim.where()}), ("pty", {"port": sim.serial_port})):
            with ReceiptPrinter("printer", **where) as printer:
                out[f"status query ({kind})"] = timed(printer.query_status, runs)
                out[f"print_receipt ({kind})"] = timed(lambda: printer.print_receipt(application_receipt(DATA)),
                                                        max(5, runs // 10))
    return out


def idle_detection(transitions: int) -> dict:
    """Seconds from a cover opened (or closed) on the simulator to the
    printer's state saying so, nothing printed: the background check's
    latency, which the default interval puts at 0-2 s plus one query.
    Each change comes at a random moment of the check's cycle."""
    import random

    from simulators.printer import PrinterSimulator

    pause = random.Random(1)
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-printer-") as tmp, PrinterSimulator(Path(tmp)) as sim:
        for kind, where in (("tcp", {"url": sim.where()}), ("pty", {"port": sim.serial_port})):
            with ReceiptPrinter("printer", **where) as printer:
                samples = []
                for i in range(transitions):
                    opening = i % 2 == 0
                    time.sleep(pause.uniform(0, printer.status_interval))
                    sim.control("open_cover" if opening else "close_cover")
                    start = time.perf_counter()
                    want = "open" if opening else "closed"
                    while printer.state.detail.get("cover") != want:
                        time.sleep(0.01)
                    samples.append((time.perf_counter() - start) * 1000)
                samples.sort()
                out[f"idle detection ({kind})"] = {
                    "median_ms": statistics.median(samples), "p90_ms": samples[int(len(samples) * 0.9) - 1],
                    "max_ms": samples[-1], "ratio_vs_interval": statistics.median(samples) / 1000
                    / printer.status_interval}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    generic = resolve({"profile": "generic80-cn"})
    image80 = resolve({"profile": "generic80-cn", "image_fallback": True})
    epson = resolve({"profile": "epson80-image"})
    results = {
        "compose+encode, generic80-cn": timed(compose_encode(generic), args.runs),
        "baseline python-escpos text path": timed(escpos_baseline(generic), args.runs),
        "image fallback, 80 mm 576 dots": timed(compose_encode(image80), max(20, args.runs // 4)),
        "image fallback, epson80-image 512 dots": timed(compose_encode(epson), max(20, args.runs // 4)),
        "image fallback, 80 mm, cold glyph cache": timed(cold(compose_encode(image80)), max(10, args.runs // 10)),
    }
    base = results["baseline python-escpos text path"]["median_ms"]
    for name in list(results):
        results[name]["ratio_vs_baseline"] = results[name]["median_ms"] / base
    results.update(end_to_end(max(20, args.runs // 4)))
    results.update(idle_detection(max(6, args.runs // 20)))
    goals = {"compose+encode, generic80-cn": 10.0, "image fallback, 80 mm 576 dots": 80.0,
             "image fallback, epson80-image 512 dots": 80.0, "image fallback, 80 mm, cold glyph cache": 80.0}
    sizes = {"generic80-cn bytes": len(encode(application_receipt(DATA), generic).data),
             "image fallback 576 bytes": len(encode(application_receipt(DATA), image80).data)}
    if args.json:
        print(json.dumps({"results": results, "goals_ms": goals, "sizes": sizes}, indent=2))
    else:
        print(f"{'measure':44} {'median':>9} {'p90':>9} {'max':>9} {'x base':>7}  goal")
        for name, r in results.items():
            ratio = f"{r['ratio_vs_baseline']:.2f}" if "ratio_vs_baseline" in r else ""
            goal = f"<= {goals[name]:.0f} ms" if name in goals else ""
            if "ratio_vs_interval" in r:
                ratio, goal = f"{r['ratio_vs_interval']:.2f}", "max <= 5000 ms (x = vs interval)"
            print(f"{name:44} {r['median_ms']:8.2f}ms {r['p90_ms']:8.2f}ms {r['max_ms']:8.2f}ms {ratio:>7}  {goal}")
        print(", ".join(f"{k}: {v}" for k, v in sizes.items()))
    missed = [name for name, goal in goals.items() if results[name]["median_ms"] > goal]
    missed += [name for name in results if name.startswith("idle detection") and results[name]["max_ms"] > 5000]
    if missed:
        print("goal missed: " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
