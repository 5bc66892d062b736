"""Health-check codecs and one measurement over a pty.

    .venv/bin/python bench/bench_health.py [--runs 30] [--json]

    gatt decode      each Bluetooth SIG characteristic value -> records, against a
                     baseline of struct.unpack_from of the same fixed fields (the
                     least any decoder must do), same process
    cms50d stream    one minute of CMS50D+ packets (3600, as the probe sends them)
                     through the decoder and the settling rule: CPU per real second
                     goal: <= 1 % (the stream never stops while the probe is on)
    measurement      thermometer on a pty (9600 8N1), start -> measurement event,
                     against the time the simulator writes the result line's last
                     chunk (scripted 1.0 s after the start command, paced to 9600
                     baud); overhead goal: median <= 20 ms

Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.health import cms50d, gatt  # noqa: E402  (path set above)
from drivers.health.line import LineHealthDevice  # noqa: E402  (path set above)
from simulators.health import ThermometerSimulator  # noqa: E402  (path set above)
from simulators.health.oximeter import packet  # noqa: E402  (path set above)

VALUES = {
    "gatt-bp": (bytes.fromhex("1E7800500 05D00E8070511081E0F4800010400".replace(" ", "")), "<BHHH7sHBH"),
    "gatt-weight": (bytes.fromhex("0EB036E807051109000002F200A406"), "<BH7sBHH"),
    "gatt-temperature": (bytes.fromhex("06700100FFE807051108000001"), "<BI7sB"),
    "gatt-plx-spot": (bytes.fromhex("0062004800"), "<BHH"),
    "gatt-glucose": (bytes.fromhex("030100E8070511070000050063B011"), "<BH7shHB"),
}


def per_call(func, arg, n: int = 2000) -> float:
    start = time.perf_counter()
    for _ in range(n):
        func(arg)
    return (time.perf_counter() - start) / n


def bench_gatt(runs: int) -> dict:
    out = {}
    for codec, (value, layout) in VALUES.items():
        decode = gatt.CODECS[codec]
        ours = [per_call(decode, value) for _ in range(runs)]
        base = [per_call(lambda v, f=layout: struct.unpack_from(f, v), value) for _ in range(runs)]
        out[codec] = {"median_us": statistics.median(ours) * 1e6, "baseline_us": statistics.median(base) * 1e6}
        out[codec]["ratio"] = out[codec]["median_us"] / out[codec]["baseline_us"]
    return out


def bench_stream(runs: int) -> dict:
    minute = b"".join(packet(spo2=97 + (i // 600) % 2, pulse=70 + (i // 30) % 3, signal=6, pleth=i % 100)
                      for i in range(3600))
    times = []
    for _ in range(runs):
        decoder, rule = cms50d.Cms50dDecoder(), cms50d.StableReading()
        start = time.perf_counter()
        for i in range(0, len(minute), 5):
            decoder.feed(minute[i:i + 5])
            for sample in decoder.events():
                rule.push(sample)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"minute_ms": median * 1e3, "cpu_share_percent": median / 60 * 100}


def bench_measurement(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        sim = ThermometerSimulator(Path(tmp))
        sim.start()
        cfg = sim.config_patch()["devices"]["thermometer"]
        device = LineHealthDevice("thermometer", cfg["port"], **cfg["options"])
        done = threading.Event()
        device.subscribe(lambda e: done.set() if getattr(e, "kind", "") == "measurement" else None)
        device.open()
        # The simulator scripts the result line 1.0 s after the start command
        # and writes it paced in chunks: its last chunk leaves at this time.
        line, chunk = len(b"T,36.6\r\n"), max(1, int(0.005 / sim.byte_time))
        wire = (line - 1) // chunk * chunk * sim.byte_time
        totals = []
        try:
            for _ in range(runs):
                done.clear()
                start = time.perf_counter()
                device.start_measurement()
                if not done.wait(10):
                    raise SystemExit("no measurement within 10 s")
                totals.append(time.perf_counter() - start)
        finally:
            device.close()
            sim.stop()
    bound = 1.0 + wire
    median = statistics.median(totals)
    return {"median_ms": median * 1e3, "bound_ms": bound * 1e3, "overhead_ms": (median - bound) * 1e3,
            "max_overhead_ms": (max(totals) - bound) * 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {"gatt": bench_gatt(args.runs), "cms50d": bench_stream(max(5, args.runs // 3)),
              "measurement": bench_measurement(max(5, args.runs // 3))}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for codec, r in result["gatt"].items():
            print(f"{codec:18} {r['median_us']:7.1f} µs  baseline {r['baseline_us']:5.2f} µs  ratio {r['ratio']:.0f}")
        s = result["cms50d"]
        print(f"cms50d one minute  {s['minute_ms']:7.1f} ms  = {s['cpu_share_percent']:.2f} % CPU (goal <= 1 %)")
        m = result["measurement"]
        print(f"measurement        {m['median_ms']:7.1f} ms  bound {m['bound_ms']:.1f} ms  overhead "
              f"{m['overhead_ms']:.1f} ms (max {m['max_overhead_ms']:.1f}; goal median <= 20 ms)")
    ok = result["cms50d"]["cpu_share_percent"] <= 1.0 and result["measurement"]["overhead_ms"] <= 20
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
