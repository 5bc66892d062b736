"""Pinyin candidates per key press, and matter search per query.

    .venv/bin/python bench/bench_pinyin.py [--runs 5] [--json]

    key press    a resident types phrases letter by letter (full pinyin and
                 initials); each key press asks the engine for the candidate
                 bar (24 candidates), as the keyboard widget does.  Goal: the
                 95th percentile <= 30 ms.  Baseline in the same process:
                 only splitting the same letters into syllables (the first
                 thing any pinyin engine does per key press).
    build        PinyinEngine.build() once (reading pypinyin's and jieba's
                 dictionaries); done once at start on a worker thread.
    search       MatterIndex.search over the reference catalog per query.

Exit status 1 when the key-press goal is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.filing.catalog import Catalog  # noqa: E402  (path set above)
from kiosk.filing.matters import MatterIndex  # noqa: E402  (path set above)
from kiosk.terminal.typing_pinyin import PinyinEngine  # noqa: E402  (path set above)
from simulators.platform.app import load_catalog_document  # noqa: E402  (path set above)

# What residents type into the free-text fields (purpose, hospital, occupation, address).
TYPED = ["shenqingdibao", "banlizinvruxue", "qurenminyiyuan", "geti", "waimaipeisongyuan", "pingfangqu",
         "xinjiangdajie", "dianhua", "jzzm", "sqbz", "yiyuan", "jiatingguanxizhengming", "danweiyaoqiu",
         "shiyedengji", "laonianren"]
QUERIES = ["dbsq", "dibao", "低保", "jzz", "ylbx", "allowance", "gljt", "x", "zdshbzsq", "慢病"]
GOAL_MS = 30.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    engine = PinyinEngine.build()
    build_s = time.perf_counter() - started

    presses, baseline = [], []
    for _ in range(args.runs):
        for phrase in TYPED:
            for end in range(1, len(phrase) + 1):
                letters = phrase[:end]
                t0 = time.perf_counter()
                engine.candidates(letters)
                presses.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                engine.splits(letters)
                baseline.append((time.perf_counter() - t0) * 1000)

    index = MatterIndex.of(Catalog.from_dict(load_catalog_document()))
    searches = []
    for _ in range(args.runs * 20):
        for q in QUERIES:
            t0 = time.perf_counter()
            index.search(q)
            searches.append((time.perf_counter() - t0) * 1000)

    result = {
        "key_presses": len(presses),
        "candidates_median_ms": round(statistics.median(presses), 2),
        "candidates_p95_ms": round(percentile(presses, 0.95), 2),
        "candidates_max_ms": round(max(presses), 2),
        "split_only_median_ms": round(statistics.median(baseline), 3),
        "ratio_median_vs_split": round(statistics.median(presses) / max(statistics.median(baseline), 1e-6), 1),
        "build_s": round(build_s, 2),
        "search_median_ms": round(statistics.median(searches), 3),
        "search_p95_ms": round(percentile(searches, 0.95), 3),
        "goal_p95_ms": GOAL_MS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0 if result["candidates_p95_ms"] <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
